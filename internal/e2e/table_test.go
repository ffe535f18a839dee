package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"bilge/internal/enginetest"
)

// imageItem is what bilge df --json -v says of one image.
type imageItem struct {
	frees, held int64
	known       bool
}

// imageItems reads FREES ALONE (and its part held by build cache) of
// every image from bilge df --json -v, by ID.
func imageItems(kinds map[string]kindDoc) map[string]imageItem {
	out := map[string]imageItem{}
	for _, it := range kinds["images"].Items {
		id, _ := it["id"].(string)
		f, ok := it["freesAlone"].(float64)
		h, _ := it["freesAloneHeldByBuildCache"].(float64)
		out[id] = imageItem{frees: int64(f), held: int64(h), known: ok}
	}
	return out
}

// dfDelta measures df around change: how much the images SIZE dropped
// and the build-cache SIZE grew (see totalsOf).
func dfDelta(ctx context.Context, t *testing.T, e *enginetest.Engine, change func()) (drop, grew int64) {
	t.Helper()
	before, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	change()
	after, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, a := totalsOf(before), totalsOf(after)
	return b.images - a.images, a.buildCache - b.buildCache
}

// TestIssue11Table fills in issue 11's table on the engine under test,
// on the issue's own scenario (enginetest.SeedMix: an import, a BuildKit
// build FROM it, a commit of a container that wrote 3 MiB, two loaded
// images sharing the imported base layer), and holds bilge to it:
//
//   - bilge df's docker columns are docker system df's, cell by cell, as
//     the CLI of the engine's generation prints them, and its JSON bytes
//     are the engine's;
//   - reclaimableExact of images is what POST /images/prune with
//     dangling=false (docker image prune -af) drops df's images SIZE by,
//     and heldByBuildCache what it grows df's build-cache SIZE by;
//   - FREES ALONE of every image no container uses is what a real DELETE
//     /images/{id} drops df's images SIZE by, and its part held by build
//     cache what it grows build cache by. On a second seed of the mix,
//     deleted one at a time and read afresh before each: la first, then
//     built and committed, whose figures no earlier deletion changes, then
//     lb (on the containerd store la and lb share the loaded base blob,
//     which lb alone frees once la is gone).
//
// To the byte, on every engine (see TestExactReclaimMatchesEngine for how
// each engine measures). The figures are logged as one table.
func TestIssue11Table(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	s := enginetest.SeedMix(t, e)
	t.Logf("run %s", s.RunID)

	// The prune below is engine-wide, like bilge's figure: the engine must
	// hold the run's images alone.
	var all []struct {
		ID     string `json:"Id"`
		Labels map[string]string
	}
	if err := e.Do(ctx, http.MethodGet, "/images/json", url.Values{"all": {"1"}}, nil, &all); err != nil {
		t.Fatal(err)
	}
	for _, im := range all {
		if im.Labels[enginetest.Label] != s.RunID {
			t.Fatalf("the engine holds an image of another run (%s, labels %v): an engine-wide prune would not measure this run", im.ID, im.Labels)
		}
	}

	// The docker columns, before anything is deleted.
	ours, cli, out, cliOut := dfTables(t)
	for _, typ := range dfTypes {
		if !slices.Equal(ours[typ], cli[typ]) {
			t.Errorf("%s: bilge %q, docker %q\nbilge:\n%s\ndocker:\n%s", typ, ours[typ], cli[typ], out, cliOut)
		}
	}
	kinds, _ := bilgeDF(t, "--json", "-v")
	du, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := e.SystemDFReported(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k, w := range dockerDF(du, rep) {
		got := kinds[k]
		if got.Total != w.total || got.Active != w.active || got.Size == nil || *got.Size != w.size ||
			got.Reclaimable == nil || *got.Reclaimable != w.reclaimable {
			t.Errorf("%s: bilge total %d active %d size %v reclaimable %v; engine total %d active %d size %d reclaimable %d",
				k, got.Total, got.Active, got.Size, got.Reclaimable, w.total, w.active, w.size, w.reclaimable)
		}
	}
	imgs := kinds["images"]
	if imgs.ReclaimableExact == nil || imgs.HeldByBuildCache == nil {
		t.Fatalf("bilge df --json: images reclaimableExact %v heldByBuildCache %v: not known", imgs.ReclaimableExact, imgs.HeldByBuildCache)
	}
	exact, held := *imgs.ReclaimableExact, *imgs.HeldByBuildCache
	full := imageItems(kinds)

	// docker image prune -af.
	var pruned struct {
		ImagesDeleted  []map[string]string
		SpaceReclaimed int64
	}
	drop, grew := dfDelta(ctx, t, e, func() {
		q := url.Values{"filters": {`{"dangling":["false"]}`}}
		if err := e.Do(ctx, http.MethodPost, "/images/prune", q, nil, &pruned); err != nil {
			t.Fatal(err)
		}
	})
	if exact != drop {
		t.Errorf("images: reclaimableExact %d, image prune -af dropped df's images SIZE by %d", exact, drop)
	}
	if held != grew {
		t.Errorf("images: heldByBuildCache %d, image prune -af grew df's build-cache SIZE by %d", held, grew)
	}

	// FREES ALONE against a real rmi, on a fresh mix.
	s2 := enginetest.SeedMix(t, e)
	t.Logf("run %s (rmi one at a time)", s2.RunID)
	kinds2, _ := bilgeDF(t, "--json", "-v")
	full2 := imageItems(kinds2)
	du2, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	type rmiRow struct {
		role                      string
		unique, atDel, drop, grew int64
		full, full2, heldAt       int64
	}
	var rows []rmiRow
	for _, role := range []string{"la", "built", "committed", "lb"} {
		id := s2.Images[role].ID
		k, _ := bilgeDF(t, "--json", "-v")
		now := imageItems(k)[id]
		if !now.known {
			t.Fatalf("%s: FREES ALONE not known", role)
		}
		d, g := dfDelta(ctx, t, e, func() {
			if err := e.Do(ctx, http.MethodDelete, "/images/"+id, nil, nil, nil); err != nil {
				t.Fatalf("%s: %v", role, err)
			}
		})
		var unique int64 = -1
		for _, i := range du2.Images {
			if i.ID == id {
				unique = i.Size - i.SharedSize
			}
		}
		rows = append(rows, rmiRow{role: role, unique: unique, atDel: now.frees, drop: d, grew: g,
			full: full[s.Images[role].ID].frees, full2: full2[id].frees, heldAt: now.held})
		if now.frees != d {
			t.Errorf("%s: FREES ALONE %d, rmi dropped df's images SIZE by %d", role, now.frees, d)
		}
		if now.held != g {
			t.Errorf("%s: FREES ALONE held by build cache %d, rmi grew df's build-cache SIZE by %d", role, now.held, g)
		}
		if role != "lb" && now.frees != full2[id].frees {
			t.Errorf("%s: FREES ALONE %d at its deletion, %d on the whole mix: the order no longer keeps the figures of the whole mix", role, now.frees, full2[id].frees)
		}
	}

	// The table.
	var b strings.Builder
	deleted := 0
	for _, d := range pruned.ImagesDeleted {
		if d["Deleted"] != "" {
			deleted++
		}
	}
	fmt.Fprintf(&b, "issue 11's table on %s (image prune -af: %d \"Deleted\" entries):\n", enginetest.TestDaemon(t).Engine(), deleted)
	fmt.Fprintf(&b, "| | docker CLI | bilge | measured |\n|---|---|---|---|\n")
	fmt.Fprintf(&b, "| images reclaimable | %s | RECLAIMABLE %s; exact %d | `image prune -af` drop %d |\n", cli["Images"][3], ours["Images"][3], exact, drop)
	fmt.Fprintf(&b, "| images SIZE | %s | %s | |\n", cli["Images"][2], ours["Images"][2])
	fmt.Fprintf(&b, "| Build Cache SIZE | %s | %s | |\n", cli["Build Cache"][2], ours["Build Cache"][2])
	fmt.Fprintf(&b, "| held by build cache after prune | | %d | build cache grew %d |\n", held, grew)
	for _, r := range rows {
		fmt.Fprintf(&b, "| FREES ALONE of %s | UNIQUE %d | %d (run 2: %d; at its rmi %d, held %d) | `rmi` drop %d, build cache grew %d |\n",
			r.role, r.unique, r.full, r.full2, r.atDel, r.heldAt, r.drop, r.grew)
	}
	t.Log("\n" + b.String())
}
