package e2e

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"bilge/internal/enginetest"
	"bilge/model"
)

// exists asks the engine whether an object is still there.
func exists(t *testing.T, e *enginetest.Engine, path string) bool {
	t.Helper()
	err := e.Do(context.Background(), http.MethodGet, path, nil, nil, nil)
	if err == nil {
		return true
	}
	if enginetest.StatusCode(err) == http.StatusNotFound {
		return false
	}
	t.Fatalf("GET %s: %v", path, err)
	return false
}

// filterAndMark opens a tab, filters it to query and marks what it shows.
func filterAndMark(tm *term, tab, query string, all bool) {
	tm.keys(tab, "/")
	tm.text(query)
	tm.keys("Enter")
	if all {
		tm.keys("*")
	} else {
		tm.keys("Space")
	}
	tm.keys("Escape")
}

// cleanupRow finds the Overview's before → after row of one kind.
func cleanupRow(t *testing.T, scr, kind string) (before, after string) {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(kind) + `\s+(\S+)\s+→\s+(\S+)`)
	m := re.FindStringSubmatch(scr)
	if m == nil {
		t.Fatalf("no %s row in the clean-up results:\n%s", kind, scr)
	}
	return m[1], m[2]
}

// TestUIDeleteMarkedOfEveryKind drives the real binary: marks objects of
// every kind with the filter, space and *, confirms, and checks with the
// engine that exactly those are gone and the rest intact, and that the
// before/after figures are the engine's own.
func TestUIDeleteMarkedOfEveryKind(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	s := enginetest.Seed(t, e)
	ctx := context.Background()
	tm := startBilge(t, e)

	filterAndMark(tm, "2", s.Repo+"/delta", false)
	filterAndMark(tm, "3", s.Containers["exited"].Name, false)
	filterAndMark(tm, "4", s.Volumes["unused"].Name, true)
	filterAndMark(tm, "5", s.Prefix+"-idle", true)
	tm.keys("6")
	tm.waitText(model.ShortID(s.BuildCache[0]), 20*time.Second)
	recID := s.BuildCache[len(s.BuildCache)-1]
	filterAndMark(tm, "6", model.ShortID(recID), false)

	tm.keys("1")
	tm.waitText("Marked: 6", 10*time.Second)
	tm.keys("d")
	scr := tm.waitText("Delete 6 objects?", 10*time.Second)
	for _, want := range []string{s.Containers["exited"].Name, s.Volumes["unused"].Name, "named volume"} {
		if !strings.Contains(scr, want) {
			t.Errorf("confirmation lacks %q:\n%s", want, scr)
		}
	}
	before, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tm.keys("y")
	tm.waitText("Delete 1 named volume", 10*time.Second)
	tm.keys("y")
	// The outcomes show first; the before → after once the engine is
	// measured again.
	scr = tm.waitText("measured before and after", 60*time.Second)
	after, err := e.SystemDF(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(scr, "6 deleted, 0 failed") {
		t.Errorf("not all deleted:\n%s", scr)
	}

	gone := map[string]string{
		"image delta":      "/images/" + s.Images["delta"].ID + "/json",
		"container exited": "/containers/" + s.Containers["exited"].ID + "/json",
		"volume unused":    "/volumes/" + s.Volumes["unused"].Name,
		"network idle-1":   "/networks/" + s.Networks["idle-1"].ID,
		"network idle-2":   "/networks/" + s.Networks["idle-2"].ID,
	}
	for what, path := range gone {
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
	for role, v := range s.Volumes {
		if role != "unused" && !exists(t, e, "/volumes/"+v.Name) {
			t.Errorf("unmarked volume %s was deleted", role)
		}
	}
	if !exists(t, e, "/networks/"+s.Networks["app"].ID) {
		t.Error("unmarked network app was deleted")
	}
	records := map[string]bool{}
	for _, r := range after.BuildCache {
		records[r.ID] = true
	}
	if records[recID] {
		t.Errorf("build-cache record %s still there", recID)
	}
	for _, id := range s.BuildCache {
		if id != recID && !records[id] {
			t.Errorf("unmarked build-cache record %s was deleted", id)
		}
	}

	checkDeletionsLog(t, e, tm, s, before, recID)
	checkHistory(t, e, tm, before, after, 6)

	// Before → after are the engine's own figures.
	b, a := cleanupRow(t, scr, "Images")
	if b != model.HumanSize(before.LayersSize) || a != model.HumanSize(after.LayersSize) {
		t.Errorf("Images before/after %s → %s; engine %s → %s", b, a, model.HumanSize(before.LayersSize), model.HumanSize(after.LayersSize))
	}
	sumRw := func(du *enginetest.DiskUsage) (n int64) {
		for _, c := range du.Containers {
			n += c.SizeRw
		}
		return n
	}
	b, a = cleanupRow(t, scr, "Containers")
	if b != model.HumanSize(sumRw(before)) || a != model.HumanSize(sumRw(after)) {
		t.Errorf("Containers before/after %s → %s; engine %s → %s", b, a, model.HumanSize(sumRw(before)), model.HumanSize(sumRw(after)))
	}
}

// TestUICascade: an image used by a stopped container fails with the
// engine's reason when the cascade is refused, and goes with its container
// when it is accepted.
func TestUICascade(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	s := enginetest.Seed(t, e)
	tm := startBilge(t, e)
	gamma := s.Images["gamma"]

	filterAndMark(tm, "2", s.Repo+"/gamma", false)
	tm.keys("d")
	scr := tm.waitText("used by stopped container", 10*time.Second)
	if !strings.Contains(scr, s.Containers["failed"].Name) {
		t.Errorf("the dialog does not name the stopped container:\n%s", scr)
	}
	tm.keys("y")
	scr = tm.waitText("Last clean-up", 60*time.Second)
	if !strings.Contains(scr, "image is being used by stopped container") {
		t.Fatalf("the engine's reason is not shown:\n%s", scr)
	}
	if !exists(t, e, "/images/"+gamma.ID+"/json") || !exists(t, e, "/containers/"+s.Containers["failed"].ID+"/json") {
		t.Fatal("refused cascade still deleted something")
	}

	tm.keys("x")
	filterAndMark(tm, "2", s.Repo+"/gamma", false)
	tm.keys("d")
	tm.waitText("press c", 10*time.Second)
	tm.keys("c")
	tm.waitText("Delete 2 objects?", 10*time.Second)
	tm.keys("y")
	scr = tm.waitText("2 deleted, 0 failed", 60*time.Second)
	if exists(t, e, "/images/"+gamma.ID+"/json") || exists(t, e, "/containers/"+s.Containers["failed"].ID+"/json") {
		t.Fatalf("cascade did not delete the image and its container:\n%s", scr)
	}
	for _, role := range []string{"alpha", "beta", "delta", "dangling"} {
		if !exists(t, e, "/images/"+s.Images[role].ID+"/json") {
			t.Errorf("image %s deleted", role)
		}
	}
	_ = fmt.Sprint
}
