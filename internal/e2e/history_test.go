package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bilge/internal/enginetest"
	"bilge/internal/testbin"
)

// runBilgeState runs the bilge binary with args, its state (the history,
// the deletions log) in state and a private cache and config.
func runBilgeState(t *testing.T, state string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cfg := t.TempDir()
	cmd := exec.Command(testbin.Build(t), args...)
	cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+cfg, "XDG_CONFIG_HOME="+cfg, "DOCKER_CONFIG="+cfg, "DOCKER_CONTEXT=", "XDG_STATE_HOME="+state)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee):
		code = ee.ExitCode()
	default:
		t.Fatalf("bilge %v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

// historyKindJSON is one kind of a sample of bilge history --json.
type historyKindJSON struct {
	Total       int    `json:"total"`
	Active      int    `json:"active"`
	Size        *int64 `json:"size"`
	Reclaimable *int64 `json:"reclaimable"`
	Exact       *int64 `json:"exact"`
}

type historyDocJSON struct {
	Engine struct {
		ID, Name string
	} `json:"engine"`
	Samples []struct {
		Time  time.Time                  `json:"time"`
		Kinds map[string]historyKindJSON `json:"kinds"`
		Repos []struct {
			Repo string `json:"repo"`
			Tags int    `json:"tags"`
			Size int64  `json:"size"`
		} `json:"repos"`
	} `json:"samples"`
	Cleanups []struct {
		Time    time.Time        `json:"time"`
		By      string           `json:"by"`
		Objects int              `json:"objects"`
		Freed   int64            `json:"freed"`
		PerKind map[string]int64 `json:"perKind"`
	} `json:"cleanups"`
	Growth struct {
		Kinds map[string]struct {
			Change *int64 `json:"change"`
		} `json:"kinds"`
		Repos []struct {
			Repo    string `json:"repo"`
			TagsNow int    `json:"tagsNow"`
			New     bool   `json:"new"`
		} `json:"repos"`
	} `json:"growth"`
}

// engineFigures are the images' and containers' TOTAL and SIZE as the
// engine computes them: its own table on API 1.52 and later, else the
// raw /system/df (count of images, layers size; containers and their
// writable layers).
type engineFigures struct {
	images, containers         int
	imagesSize, containersSize int64
}

func engineDF(t *testing.T, ctx context.Context, e *enginetest.Engine) engineFigures {
	t.Helper()
	rep, err := e.SystemDFReported(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep != nil {
		return engineFigures{images: int(rep.ImageUsage.TotalCount), containers: int(rep.ContainerUsage.TotalCount),
			imagesSize: rep.ImageUsage.TotalSize, containersSize: rep.ContainerUsage.TotalSize}
	}
	du, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	f := engineFigures{images: len(du.Images), containers: len(du.Containers), imagesSize: du.LayersSize}
	for _, c := range du.Containers {
		f.containersSize += c.SizeRw
	}
	return f
}

// TestHistoryEndToEnd: bilge record on a real daemon, the state changed
// (images loaded and containers made, then a container deleted), record
// again: bilge history --json has every sample, and the differences
// between them are exactly the engine's own; a bilge prune -f run is a
// clean-up with its rules' names and what it measured, between a sample
// before and one after.
func TestHistoryEndToEnd(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	state := t.TempDir()
	record := func(what string) engineFigures {
		t.Helper()
		code, out, stderr := runBilgeState(t, state, "record")
		if code != 0 || out != "" || stderr != "" {
			t.Fatalf("record (%s): exit %d, stdout %q, stderr %q: want 0 and silence", what, code, out, stderr)
		}
		return engineDF(t, ctx, e)
	}
	history := func() historyDocJSON {
		t.Helper()
		code, out, stderr := runBilgeState(t, state, "history", "--json", "--since", "1d")
		if code != 0 || stderr != "" {
			t.Fatalf("history --json: exit %d, stderr %q", code, stderr)
		}
		var d historyDocJSON
		if err := json.Unmarshal([]byte(out), &d); err != nil {
			t.Fatalf("history --json: %v\n%s", err, out)
		}
		return d
	}

	df0 := record("before the seed")
	s := enginetest.Seed(t, e) // loads images, makes containers, volumes, networks
	df1 := record("after the seed")
	exited := s.Containers["exited"]
	if err := e.Do(ctx, http.MethodDelete, "/containers/"+exited.ID, nil, nil, nil); err != nil {
		t.Fatal(err)
	}
	df2 := record("after deleting a container")

	h := history()
	if len(h.Samples) != 3 {
		t.Fatalf("want 3 samples, got %d", len(h.Samples))
	}
	if h.Engine.ID == "" {
		t.Errorf("no engine identity: %+v", h.Engine)
	}
	for i, df := range []engineFigures{df0, df1, df2} {
		k := h.Samples[i].Kinds
		img, ctr := k["images"], k["containers"]
		if img.Total != df.images || ctr.Total != df.containers || img.Size == nil || *img.Size != df.imagesSize || ctr.Size == nil || *ctr.Size != df.containersSize {
			t.Errorf("sample %d: images %d/%v containers %d/%v; the engine says images %d/%d containers %d/%d",
				i, img.Total, ptr(img.Size), ctr.Total, ptr(ctr.Size), df.images, df.imagesSize, df.containers, df.containersSize)
		}
	}
	// The differences, as the engine sees them: the seed's images and
	// containers came, one container went.
	d01 := *h.Samples[1].Kinds["images"].Size - *h.Samples[0].Kinds["images"].Size
	if d01 != df1.imagesSize-df0.imagesSize || d01 <= 0 {
		t.Errorf("images grew by %d in the history, by %d on the engine", d01, df1.imagesSize-df0.imagesSize)
	}
	if n := h.Samples[2].Kinds["containers"].Total - h.Samples[1].Kinds["containers"].Total; n != -1 {
		t.Errorf("containers changed by %d after deleting one, want -1", n)
	}
	if d := *h.Samples[2].Kinds["containers"].Size - *h.Samples[1].Kinds["containers"].Size; d != df2.containersSize-df1.containersSize || (exited.SizeRw > 0 && d >= 0) {
		t.Errorf("containers' size changed by %d in the history, by %d on the engine (the container wrote %d)", d, df2.containersSize-df1.containersSize, exited.SizeRw)
	}
	if g := h.Growth.Kinds["images"].Change; g == nil || *g != df2.imagesSize-df0.imagesSize {
		t.Errorf("growth of images %v, the engine's %d", ptr(g), df2.imagesSize-df0.imagesSize)
	}
	newRepos := 0
	for _, r := range h.Growth.Repos {
		if strings.HasPrefix(r.Repo, s.Repo+"/") {
			if !r.New {
				t.Errorf("repository %s of the seed is not new: %+v", r.Repo, r)
			}
			newRepos++
		}
	}
	if newRepos == 0 {
		t.Errorf("none of the seed's repositories (%s/…) in the growth: %+v", s.Repo, h.Growth.Repos)
	}

	// A policy run: a clean-up event by its rules, a sample before and
	// one after.
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte(prunePolicy(s)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := runBilgeState(t, state, "prune", "--policy", policy, "-f", "--json")
	if code != 0 || stderr != "" {
		t.Fatalf("prune -f: exit %d, stderr %q\n%s", code, stderr, out)
	}
	done := pruneDoc(t, out)
	h = history()
	if len(h.Samples) != 5 || len(h.Cleanups) != 1 {
		t.Fatalf("after prune: %d samples and %d clean-ups, want 5 and 1", len(h.Samples), len(h.Cleanups))
	}
	c := h.Cleanups[0]
	if c.Objects != len(done.Outcomes) {
		t.Errorf("clean-up of %d objects, prune deleted %d", c.Objects, len(done.Outcomes))
	}
	for _, o := range done.Outcomes {
		if !strings.Contains(c.By, o.Rule) {
			t.Errorf("clean-up by %q does not name rule %q", c.By, o.Rule)
		}
	}
	if done.Measured == nil || c.Freed != done.Measured.Freed {
		t.Errorf("clean-up freed %d, prune measured %+v", c.Freed, done.Measured)
	}
	if !h.Samples[3].Time.Before(c.Time) || c.Time.After(h.Samples[4].Time) {
		t.Errorf("the clean-up at %s is not between the samples at %s and %s", c.Time, h.Samples[3].Time, h.Samples[4].Time)
	}
	before, after := h.Samples[3].Kinds, h.Samples[4].Kinds
	if gone := before["containers"].Total - after["containers"].Total; gone != countKind(done.Outcomes, "container") {
		t.Errorf("containers %d → %d; prune deleted %d", before["containers"].Total, after["containers"].Total, countKind(done.Outcomes, "container"))
	}
	if gone := before["images"].Total - after["images"].Total; gone != countKind(done.Outcomes, "image") {
		t.Errorf("images %d → %d; prune deleted %d", before["images"].Total, after["images"].Total, countKind(done.Outcomes, "image"))
	}

	// The text report shows it too.
	code, out, stderr = runBilgeState(t, state, "history")
	if code != 0 || stderr != "" || !strings.Contains(out, "5 samples") || !strings.Contains(out, "1 clean-up freed") || !strings.Contains(out, "new") {
		t.Errorf("history: exit %d, stderr %q:\n%s", code, stderr, out)
	}
	t.Logf("bilge history:\n%s", out)
}

func countKind(items []pruneItemJSON, kind string) int {
	n := 0
	for _, it := range items {
		if it.Kind == kind {
			n++
		}
	}
	return n
}

func ptr(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}
