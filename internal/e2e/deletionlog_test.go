package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"bilge/internal/deletionlog"
	"bilge/internal/enginetest"
)

// checkDeletionsLog: after TestUIDeleteMarkedOfEveryKind's clean-up the
// deletions log has one line per object deleted, with the engine's
// identity, the exact IDs and names, and what each freed as the engine
// sized it before.
func checkDeletionsLog(t *testing.T, e *enginetest.Engine, tm *term, s *enginetest.State, before *enginetest.DiskUsage, recID string) {
	t.Helper()
	path := filepath.Join(tm.state, "bilge", "deletions.jsonl")
	got, bad, err := deletionlog.Read(path)
	if err != nil || bad != 0 {
		t.Fatalf("read the deletions log: %v (%d bad lines)", err, bad)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("log directory: %v, mode %v; want 0700", err, fi.Mode().Perm())
	}
	var info struct{ ID, Name string }
	if err := e.Do(context.Background(), http.MethodGet, "/info", nil, nil, &info); err != nil {
		t.Fatal(err)
	}
	type want struct {
		names []string
		size  int64
	}
	img := s.Images["delta"]
	var imgDF enginetest.ImageUsage
	for _, i := range before.Images {
		if i.ID == img.ID {
			imgDF = i
		}
	}
	wants := map[string]want{
		"image " + img.ID:                    {names: imgDF.RepoTags},
		"network " + s.Networks["idle-1"].ID: {names: []string{s.Networks["idle-1"].Name}},
		"network " + s.Networks["idle-2"].ID: {names: []string{s.Networks["idle-2"].Name}},
	}
	for _, c := range before.Containers {
		if c.ID == s.Containers["exited"].ID {
			wants["container "+c.ID] = want{names: []string{s.Containers["exited"].Name}, size: c.SizeRw}
		}
	}
	for _, v := range before.Volumes {
		if v.Name == s.Volumes["unused"].Name {
			wants["volume "+v.Name] = want{size: v.UsageData.Size}
		}
	}
	for _, r := range before.BuildCache {
		if r.ID == recID {
			// A shared record's bytes stay with what shares them.
			size := r.Size
			if r.Shared {
				size = 0
			}
			wants["build-cache "+r.ID] = want{names: []string{r.Description}, size: size}
		}
	}
	if len(got) != len(wants) {
		t.Errorf("%d lines in the log, want %d", len(got), len(wants))
	}
	for _, g := range got {
		key := g.Kind + " " + g.ID
		w, ok := wants[key]
		if !ok {
			t.Errorf("logged %s, which was not deleted", key)
			continue
		}
		delete(wants, key)
		j, _ := json.Marshal(g)
		if g.Engine.ID != info.ID || g.Engine.Name != info.Name || g.Engine.Host != e.Host() || g.Rule != "interactive" {
			t.Errorf("%s: engine or rule wrong (engine /info ID %q name %q host %s): %s", key, info.ID, info.Name, e.Host(), j)
		}
		if !slices.Equal(g.Names, w.names) && !(len(g.Names) == 0 && len(w.names) == 0) {
			t.Errorf("%s: names %q, want %q", key, g.Names, w.names)
		}
		switch {
		case g.Size == nil:
			t.Errorf("%s: size unknown: %s", key, j)
		case g.Kind == "image":
			// What the image alone holds: its layers no other image shares.
			if !slices.Equal(g.RepoDigests, imgDF.RepoDigests) && len(imgDF.RepoDigests) > 0 {
				t.Errorf("image repo digests %q, want %q", g.RepoDigests, imgDF.RepoDigests)
			}
			if *g.Size != imgDF.Size-imgDF.SharedSize {
				t.Errorf("image size %d, want its unique %d (size %d, shared %d)", *g.Size, imgDF.Size-imgDF.SharedSize, imgDF.Size, imgDF.SharedSize)
			}
		case *g.Size != w.size:
			t.Errorf("%s: size %d, want %d", key, *g.Size, w.size)
		}
	}
	for key := range wants {
		t.Errorf("%s was deleted and not logged", key)
	}
}

// TestUILogUnwritable: when the deletions log cannot be written (its
// directory is a file), the deletion still goes and the status line says
// it was not logged.
func TestUILogUnwritable(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	ctx := context.Background()
	run := enginetest.NewRunID()
	t.Cleanup(func() { _ = e.Cleanup(context.Background(), run) })
	name := "bilge-test-" + run + "-unlogged"
	var created struct{ ID string }
	body := strings.NewReader(`{"Name":"` + name + `","Driver":"bridge","Labels":{"` + enginetest.Label + `":"` + run + `"}}`)
	if err := e.Do(ctx, http.MethodPost, "/networks/create", nil, body, &created); err != nil {
		t.Fatal(err)
	}
	tm := startBilge(t, e)
	// The log's place is taken by a directory. (Not the state directory
	// itself: the UI's history may have created it already.)
	if err := os.MkdirAll(filepath.Join(tm.state, "bilge", "deletions.jsonl"), 0o700); err != nil {
		t.Fatal(err)
	}
	filterAndMark(tm, "5", name, true)
	tm.keys("d")
	tm.waitText("Delete 1 ", 10*time.Second)
	tm.keys("y")
	scr := tm.waitText("not all deletions were logged: deletions log: ", 60*time.Second)
	if !strings.Contains(scr, "1 deleted, 0 failed") {
		t.Errorf("the deletion did not go:\n%s", scr)
	}
	if exists(t, e, "/networks/"+created.ID) {
		t.Error("the network is still there")
	}
	// Gone with the UI, the warning is left on stderr.
	tm.keys("q")
	tm.waitText("bilge: warning: not all deletions were logged: deletions log: ", 20*time.Second)
}
