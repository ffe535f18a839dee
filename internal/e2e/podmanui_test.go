package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"bilge/internal/enginetest"
	"bilge/model"
)

// The TestPodmanUI* tests run the real bilge binary in tmux against the
// private Podman service (BILGE_E2E_ENGINE=podman), as a user who points
// DOCKER_HOST at `podman system service` sees it: what issue 16 fixed at
// dockerapi's boundary, checked on the screen.

// stableScreen waits until cond holds on two captures in a row that are
// the same: a frame drawn whole, not one tmux caught half written.
func (tm *term) stableScreen(what string, timeout time.Duration, cond func(string) bool) string {
	tm.t.Helper()
	last := ""
	return tm.waitFor(what, timeout, func(scr string) bool {
		ok := cond(scr) && scr == last
		last = scr
		return ok
	})
}

// overviewRow matches one row of the Overview's table: TYPE, TOTAL,
// ACTIVE, SIZE, RECLAIMABLE (its first word: the size before "(n%)").
func overviewRow(kind string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\s*(?:▸\s*)?` + regexp.QuoteMeta(kind) + `\s+(\d+)\s+(\d+)\s+(\S+)\s+(\S+)`)
}

var overviewTotal = regexp.MustCompile(`Total (\S+) on disk, (\S+) reclaimable`)

// overviewSized is the Overview once the disk usage is in: every sized
// row, the total under them and the line saying when it was measured.
func overviewSized(scr string) bool {
	for _, k := range []string{"Images", "Containers", "Local Volumes", "Build Cache"} {
		if !overviewRow(k).MatchString(scr) {
			return false
		}
	}
	return overviewTotal.MatchString(scr) && strings.Contains(scr, "sizes from the engine's disk usage scan")
}

// screenSize reads a size bilge printed.
func screenSize(t *testing.T, what, s string) int64 {
	t.Helper()
	n, err := model.ParseSize(s)
	if err != nil {
		t.Fatalf("%s: %q is no size: %v", what, s, err)
	}
	return n
}

// imageRow is the Images tab's row of the image with short ID id.
func imageRow(scr, id string) string {
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, model.ShortID(id)) {
			return l
		}
	}
	return ""
}

// imageRowSizes matches an Images row from its IMAGE ID on: CREATED (an
// age), SIZE, SHARED, UNIQUE and CTRS.
var imageRowSizes = regexp.MustCompile(`[0-9a-f]{12}\s+.+? ago\s+(\S+)\s+(\S+)\s+(\S+)\s+(\d+)\s`)

// TestPodmanUIOverviewAndTabs: on Podman the header names Podman and its
// version; the Overview's Images SIZE is every layer once (bilge's layer
// table, not Podman's LayersSize 0) and no row, nor the total, has more
// reclaimable than on disk; the Images tab lists each image once with
// SHARED and UNIQUE known (every seeded image shares the base layer:
// SHARED is not 0B, UNIQUE less than SIZE); the Build cache tab says
// Podman keeps none; the default network has no made-up age.
func TestPodmanUIOverviewAndTabs(t *testing.T) {
	_, e := requirePodman(t)
	lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := enginetest.Seed(t, e)
	var ver struct{ Version string }
	if err := e.Do(ctx, http.MethodGet, "/version", nil, nil, &ver); err != nil {
		t.Fatal(err)
	}
	_, snap := bilgeSnapshot(ctx, t, e)
	tm := startBilge(t, e)

	scr := tm.stableScreen("the Overview with sizes", 60*time.Second, overviewSized)
	header := strings.SplitN(scr, "\n", 2)[0]
	if !strings.Contains(header, "· Podman "+ver.Version+" (API ") || strings.Contains(header, "Docker") {
		t.Errorf("header does not name Podman %s:\n%s", ver.Version, header)
	}
	for _, k := range []string{"Images", "Containers", "Local Volumes", "Build Cache"} {
		m := overviewRow(k).FindStringSubmatch(scr)
		size := screenSize(t, k+" SIZE", m[3])
		rec := screenSize(t, k+" RECLAIMABLE", m[4])
		if rec > size {
			t.Errorf("%s: %s reclaimable of %s on disk:\n%s", k, m[4], m[3], scr)
		}
		if k == "Images" {
			if size == 0 || m[3] != model.HumanSize(snap.LayersSize) {
				t.Errorf("Images SIZE %s, want every layer once from the layer table: %s", m[3], model.HumanSize(snap.LayersSize))
			}
		}
	}
	m := overviewTotal.FindStringSubmatch(scr)
	if onDisk, rec := screenSize(t, "on disk", m[1]), screenSize(t, "reclaimable", m[2]); rec > onDisk || onDisk == 0 {
		t.Errorf("Total %s on disk, %s reclaimable:\n%s", m[1], m[2], scr)
	}

	// Images: each once, sizes known (no "…" once disk usage and layers
	// are in).
	imgs := engineImages(t, e)
	tm.keys("2")
	count := fmt.Sprintf("%d of %d", len(imgs), len(imgs))
	scr = tm.stableScreen("the Images tab, every size known", 60*time.Second, func(scr string) bool {
		return strings.Contains(scr, "SIZE ▼") && strings.Contains(scr, count) && !strings.Contains(scr, "…")
	})
	for role, img := range s.Images {
		short := model.ShortID(img.ID)
		if n := strings.Count(scr, short); n != 1 {
			t.Errorf("image %s (%s) shown %d times:\n%s", role, short, n, scr)
			continue
		}
		row := imageRow(scr, img.ID)
		m := imageRowSizes.FindStringSubmatch(row)
		if m == nil {
			t.Errorf("image %s: no SIZE SHARED UNIQUE in %q", role, row)
			continue
		}
		size, shared, unique := screenSize(t, role+" SIZE", m[1]), screenSize(t, role+" SHARED", m[2]), screenSize(t, role+" UNIQUE", m[3])
		if shared == 0 || unique >= size || shared > size {
			t.Errorf("image %s: SIZE %s SHARED %s UNIQUE %s; it shares the base layer with every other seeded image", role, m[1], m[2], m[3])
		}
	}

	tm.keys("6")
	tm.stableScreen("the Build cache tab", 20*time.Second, func(scr string) bool {
		return strings.Contains(scr, "Podman keeps no build cache") && strings.Contains(scr, "0 of 0")
	})

	tm.keys("5")
	scr = tm.stableScreen("the Networks tab", 20*time.Second, func(scr string) bool {
		return strings.Contains(scr, "bridge (built-in)") && strings.Contains(scr, s.Networks["idle-2"].Name) && ofCount.MatchString(scr)
	})
	row := ""
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, "bridge (built-in)") {
			row = l
		}
	}
	if strings.Contains(row, "just now") || strings.Contains(row, "second") || !strings.HasSuffix(strings.TrimSpace(row), "-") {
		t.Errorf("default network's CREATED is not unknown: %q", row)
	}
}

// markedRow reports whether the row naming name is marked (● before it).
func markedRow(scr, name string) (row string, marked bool) {
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, name) {
			return l, strings.Contains(l, "●")
		}
	}
	return "", false
}

// TestPodmanUINetworkInUse: issue 16's item 4 on the screen. A network
// only a created (never started) container uses — Podman names it by
// name in the container's entry — counts one container, the "unused
// networks" preset leaves it out (and marks the idle ones); marked by
// hand and deleted, it fails with a reason naming the container, and it
// is still there.
func TestPodmanUINetworkInUse(t *testing.T) {
	_, e := requirePodman(t)
	lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := enginetest.Seed(t, e)
	netName := s.Prefix + "-byname"
	var nw struct {
		ID string `json:"Id"`
	}
	if err := e.Do(ctx, http.MethodPost, "/networks/create", nil, strings.NewReader(fmt.Sprintf(`{"Name":%q,"Labels":{%q:%q}}`, netName, enginetest.Label, s.RunID)), &nw); err != nil {
		t.Fatal(err)
	}
	ctrName := s.Prefix + "-onnet"
	body := fmt.Sprintf(`{"Image":%q,"Cmd":["exit","0"],"Labels":{%q:%q},"HostConfig":{"NetworkMode":%q}}`,
		s.Images["delta"].Tags[0], enginetest.Label, s.RunID, netName)
	if err := e.Do(ctx, http.MethodPost, "/containers/create", url.Values{"name": {ctrName}}, strings.NewReader(body), nil); err != nil {
		t.Fatal(err)
	}
	tm := startBilge(t, e)

	tm.keys("5")
	scr := tm.stableScreen("the Networks tab with the new network", 30*time.Second, func(scr string) bool {
		return strings.Contains(scr, netName) && strings.Contains(scr, s.Networks["idle-2"].Name) && ofCount.MatchString(scr)
	})
	row, _ := markedRow(scr, netName)
	if f := strings.Fields(row); len(f) < 2 || !slicesContainsSeq(f, []string{"bridge", "local", "1"}) {
		t.Errorf("network %s: want 1 container (CTRS), row %q", netName, row)
	}

	// The preset, by its number in the menu.
	tm.keys("1", "p")
	scr = tm.stableScreen("the presets menu", 20*time.Second, func(scr string) bool {
		return strings.Contains(scr, "unused networks") && strings.Contains(scr, "esc closes")
	})
	pm := regexp.MustCompile(`(\d)\s+unused networks\s+(\d+)`).FindStringSubmatch(scr)
	if pm == nil {
		t.Fatalf("no \"unused networks\" preset:\n%s", scr)
	}
	if pm[2] != "2" {
		t.Errorf("\"unused networks\" offers %s networks, want the two idle ones:\n%s", pm[2], scr)
	}
	tm.keys(pm[1], "Escape", "5")
	scr = tm.stableScreen("the Networks tab with the preset's marks", 20*time.Second, func(scr string) bool {
		_, a := markedRow(scr, s.Networks["idle-1"].Name)
		_, b := markedRow(scr, s.Networks["idle-2"].Name)
		return a && b && strings.Contains(scr, netName)
	})
	for _, name := range []string{netName, s.Networks["app"].Name, "bridge (built-in)"} {
		if row, marked := markedRow(scr, name); marked {
			t.Errorf("\"unused networks\" marked %s, which a container uses (or is built in): %q", name, row)
		}
	}

	// By hand: unmark all, mark it alone, delete.
	tm.keys("u")
	tm.waitFor("no marks", 10*time.Second, func(scr string) bool {
		// The header's "● connected" aside.
		_, body, _ := strings.Cut(scr, "\n")
		return !strings.Contains(body, "●")
	})
	filterAndMark(tm, "5", netName, false)
	tm.keys("1")
	tm.waitText("Marked: 1", 10*time.Second)
	tm.keys("d")
	scr = tm.stableScreen("the confirmation", 10*time.Second, func(scr string) bool { return strings.Contains(scr, "Delete 1 object?") })
	if f := flat(scr); !strings.Contains(f, "1 marked network has stopped containers attached ("+netName+"): it stays") || strings.Contains(f, "the engine removes") {
		t.Errorf("the dialog does not say the network stays:\n%s", scr)
	}
	tm.keys("y")
	scr = tm.stableScreen("the clean-up's results", 60*time.Second, func(scr string) bool {
		return strings.Contains(scr, "Last clean-up") && strings.Contains(scr, "measured before and after")
	})
	if !strings.Contains(scr, "0 deleted, 1 failed") || !strings.Contains(flat(scr), "network kept: used by created container "+ctrName) {
		t.Errorf("want the network's deletion failed, naming the container %s:\n%s", ctrName, scr)
	}
	if !exists(t, e, "/networks/"+nw.ID) {
		t.Errorf("network %s was deleted under its container", netName)
	}
}

// slicesContainsSeq reports whether seq appears in s, in a row.
func slicesContainsSeq(s, seq []string) bool {
	for i := 0; i+len(seq) <= len(s); i++ {
		if strings.Join(s[i:i+len(seq)], "\x00") == strings.Join(seq, "\x00") {
			return true
		}
	}
	return false
}

// TestPodmanUIImageInUseNotForced: issue 16's item 6 on the screen. The
// image of the running container (beta, three tags), marked alone and
// deleted: it fails with bilge's reason (nothing untagged: used by the
// running container), the container still runs, the image keeps its
// tags, and no request bilge sent asked Podman to force (whose force
// would remove the running container with it).
func TestPodmanUIImageInUseNotForced(t *testing.T) {
	_, e := requirePodman(t)
	lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := enginetest.Seed(t, e)
	host, log := recordingProxy(t, e.Host())
	tm := startBilgeAt(t, host)
	beta, running := s.Images["beta"], s.Containers["running"]

	filterAndMark(tm, "2", s.Repo+"/beta", false)
	tm.keys("1")
	tm.waitText("Marked: 1", 10*time.Second)
	tm.keys("d")
	scr := tm.stableScreen("the confirmation", 10*time.Second, func(scr string) bool { return strings.Contains(scr, "Delete 1 object?") })
	if !strings.Contains(flat(scr), "used by running container "+running.Name) {
		t.Errorf("the dialog does not say the running container keeps it:\n%s", scr)
	}
	tm.keys("y")
	scr = tm.stableScreen("the clean-up's results", 60*time.Second, func(scr string) bool {
		return strings.Contains(scr, "Last clean-up") && strings.Contains(scr, "measured before and after")
	})
	if !strings.Contains(scr, "0 deleted, 1 failed") || !strings.Contains(flat(scr), "used by running container "+running.Name) {
		t.Errorf("want the image kept with the reason naming %s:\n%s", running.Name, scr)
	}

	var ins struct{ State struct{ Running bool } }
	if err := e.Do(ctx, http.MethodGet, "/containers/"+running.ID+"/json", nil, nil, &ins); err != nil {
		t.Fatalf("the running container is gone: %v", err)
	}
	if !ins.State.Running {
		t.Error("the running container was stopped")
	}
	var img struct{ RepoTags []string }
	if err := e.Do(ctx, http.MethodGet, "/images/"+beta.ID+"/json", nil, nil, &img); err != nil {
		t.Fatalf("the image is gone: %v", err)
	}
	if len(img.RepoTags) != len(beta.Tags) {
		t.Errorf("beta's tags %v, want its %d", img.RepoTags, len(beta.Tags))
	}
	checkNeverForced(t, log)
}

// TestPodmanUIDeleteBeforeAfter: an unused image (delta), a stopped
// container (exited), a named volume (unused) and an idle network, marked
// in their tabs and deleted: all four go, nothing else does, and the
// Overview's before → after is bilge's own reading of the engine before
// and after (Images from the layer table: Podman's LayersSize is 0), with
// Images FREED the image's own layer, not 0B.
func TestPodmanUIDeleteBeforeAfter(t *testing.T) {
	_, e := requirePodman(t)
	lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s := enginetest.Seed(t, e)
	_, before := bilgeSnapshot(ctx, t, e)
	tm := startBilge(t, e)
	tm.stableScreen("the Overview with sizes", 60*time.Second, overviewSized)

	filterAndMark(tm, "2", s.Repo+"/delta", false)
	filterAndMark(tm, "3", s.Containers["exited"].Name, false)
	filterAndMark(tm, "4", s.Volumes["unused"].Name, true)
	filterAndMark(tm, "5", s.Networks["idle-1"].Name, false)
	tm.keys("1")
	tm.waitText("Marked: 4", 10*time.Second)
	tm.keys("d")
	scr := tm.stableScreen("the confirmation", 10*time.Second, func(scr string) bool { return strings.Contains(scr, "Delete 4 objects?") })
	for _, want := range []string{s.Containers["exited"].Name, s.Volumes["unused"].Name, "named volume"} {
		if !strings.Contains(flat(scr), want) {
			t.Errorf("confirmation lacks %q:\n%s", want, scr)
		}
	}
	tm.keys("y")
	tm.waitText("Delete 1 named volume", 10*time.Second)
	tm.keys("y")
	scr = tm.stableScreen("the clean-up's before → after", 60*time.Second, func(scr string) bool {
		return strings.Contains(scr, "measured before and after") && strings.Contains(scr, "PREDICTED")
	})
	_, after := bilgeSnapshot(ctx, t, e)
	if !strings.Contains(scr, "4 deleted, 0 failed") {
		t.Errorf("not all deleted:\n%s", scr)
	}
	for what, path := range map[string]string{
		"image delta":      "/images/" + s.Images["delta"].ID + "/json",
		"container exited": "/containers/" + s.Containers["exited"].ID + "/json",
		"volume unused":    "/volumes/" + s.Volumes["unused"].Name,
		"network idle-1":   "/networks/" + s.Networks["idle-1"].ID,
	} {
		if exists(t, e, path) {
			t.Errorf("%s still exists", what)
		}
	}
	for role, img := range s.Images {
		if role != "delta" && !exists(t, e, "/images/"+img.ID+"/json") {
			t.Errorf("unmarked image %s was deleted", role)
		}
	}
	for role, c := range s.Containers {
		if role != "exited" && !exists(t, e, "/containers/"+c.ID+"/json") {
			t.Errorf("unmarked container %s was deleted", role)
		}
	}
	for _, role := range []string{"app", "idle-2"} {
		if !exists(t, e, "/networks/"+s.Networks[role].ID) {
			t.Errorf("unmarked network %s was deleted", role)
		}
	}

	freed := regexp.MustCompile(`(?m)^\s*Images\s+(\S+)\s+→\s+(\S+)\s+(\S+)\s+(\S+)`).FindStringSubmatch(scr)
	if freed == nil {
		t.Fatalf("no Images row in the clean-up results:\n%s", scr)
	}
	t.Logf("Images %s → %s, FREED %s, PREDICTED %s (layer table %d → %d)", freed[1], freed[2], freed[3], freed[4], before.LayersSize, after.LayersSize)
	wantB, wantA := model.HumanSize(before.LayersSize), model.HumanSize(after.LayersSize)
	if freed[1] != wantB || freed[2] != wantA {
		t.Errorf("Images %s → %s, bilge's reading of the engine %s → %s", freed[1], freed[2], wantB, wantA)
	}
	if freed[3] == "0B" || before.LayersSize == after.LayersSize {
		t.Errorf("Images FREED %s (layer table %d → %d): an unused image's own layer went", freed[3], before.LayersSize, after.LayersSize)
	}
	if freed[3] != freed[4] {
		t.Errorf("Images FREED %s, PREDICTED %s", freed[3], freed[4])
	}
}
