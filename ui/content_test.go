package ui

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"bilge/model"
)

// byID is a container created from its image's ID (docker run sha256:…):
// the engine reports that ID as its image reference.
func byID(s *model.Snapshot, _ *model.DiskUsage) {
	s.Containers[3].Image = s.Containers[3].ImageID
}

// TestContainersShowShortImageIDs: the Containers tab names an image given
// by ID as docker ps does, by its short ID.
func TestContainersShowShortImageIDs(t *testing.T) {
	t.Parallel()
	a, _ := newLoadedWith(t, 160, 30, byID)
	press(a, "3")
	out := screen(a)
	id := hexID("", 5)
	if strings.Contains(out, "sha256:") {
		t.Errorf("full image ID on the Containers tab:\n%s", out)
	}
	if !strings.Contains(out, id[:12]) {
		t.Errorf("no short image ID %s on the Containers tab:\n%s", id[:12], out)
	}
}

// TestContainerDetailsNameTheImageOnce: a container created from the
// image's ID lists that ID once; one created from a tag lists the tag and
// the ID.
func TestContainerDetailsNameTheImageOnce(t *testing.T) {
	t.Parallel()
	a, _ := newLoadedWith(t, 160, 45, byID)
	press(a, "3")
	cursorTo(t, a, hexID("", 104))
	press(a, "enter")
	// The details pane may cut the long ID: count its start.
	if n := strings.Count(pane(screen(a)), hexID("sha256:", 5)[:24]); n != 1 {
		t.Errorf("image ID shown %d times in the details:\n%s", n, screen(a))
	}
	press(a, "esc")
	cursorTo(t, a, hexID("", 101))
	press(a, "enter")
	out := pane(screen(a))
	if strings.Count(out, "postgres:16") != 1 || strings.Count(out, hexID("sha256:", 1)[:24]) != 1 {
		t.Errorf("details of a container created from a tag should name the tag and the ID once each:\n%s", out)
	}
}

// cursorTo puts the current tab's cursor on the object id.
func cursorTo(t *testing.T, a *App, id string) {
	t.Helper()
	tb := a.tab()
	for pos, i := range tb.rows {
		if tb.view.id(a.snap, i) == id {
			tb.moveTo(a.snap, pos)
			return
		}
	}
	t.Fatalf("%s is not a row of the tab", id)
}

// pane is the details pane of a screen: the right of each line's │.
func pane(out string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if _, right, ok := strings.Cut(l, "│"); ok {
			b.WriteString(right + "\n")
		}
	}
	return b.String()
}

// TestPresetsAddToTheMarks: a preset keeps the marks already made (by hand
// or by another preset) and the status line says what it changed.
func TestPresetsAddToTheMarks(t *testing.T) {
	t.Parallel()
	a, f := newLoaded(t, 160, 45)
	a.setMark(model.KindContainer, hexID("", 101), true) // the running db, by hand
	a.setMark(model.KindVolume, "pgdata", true)
	press(a, "p", "4") // stopped containers: 102, 103, 104
	got := a.marks.IDs(model.KindContainer)
	if len(got) != 4 || !a.marks.Has(model.KindContainer, hexID("", 101)) || !a.marks.Has(model.KindVolume, "pgdata") {
		t.Fatalf("preset 4 left containers %v marked, pgdata %v: the marks made before are gone", got, a.marks.Has(model.KindVolume, "pgdata"))
	}
	if !strings.Contains(a.flash, "stopped containers: +3 marked · 5 marked in all") {
		t.Errorf("status after preset 4: %q", a.flash)
	}
	press(a, "p", "4")
	if a.marks.Len() != 5 || !strings.Contains(a.flash, "nothing new (its 3 already marked)") {
		t.Errorf("preset 4 again: %d marked, status %q", a.marks.Len(), a.flash)
	}
	press(a, "p", "1", "p", "2") // dangling images, then all unused ones
	if a.marks.LenOf(model.KindImage) != 2 || !strings.Contains(a.flash, "unused images: +1 marked, 1 already was · 7 marked in all") {
		t.Errorf("preset 2 after 1: %d images marked, status %q", a.marks.LenOf(model.KindImage), a.flash)
	}
	if want := a.index.TallyOf(a.marks).Result().Total; a.reclaim.Total != want {
		t.Errorf("frees %d after presets, the marks free %d", a.reclaim.Total, want)
	}
	if len(f.deleted) != 0 {
		t.Fatal("a preset deleted something")
	}
}

// twoUntagged makes redis:7 untagged too: two rows named <none>:<none>.
func twoUntagged(s *model.Snapshot, _ *model.DiskUsage) {
	s.Images[4].Tags = nil
}

// TestUntaggedImagesToldApart: where untagged images are named — rows
// without the IMAGE ID column, the confirmation, the results — each says
// its short ID.
func TestUntaggedImagesToldApart(t *testing.T) {
	t.Parallel()
	ids := []string{hexID("sha256:", 4), hexID("sha256:", 5)}
	for _, w := range []int{60, 70} {
		a, _ := newLoadedWith(t, w, 20, twoUntagged)
		out := screen(a)
		if strings.Contains(out, "IMAGE ID") {
			t.Fatalf("%d columns: the IMAGE ID column is shown; the test wants it dropped", w)
		}
		for _, id := range ids {
			if !strings.Contains(out, "<none> "+model.ShortID(id)) {
				t.Errorf("%d columns: no row says %s:\n%s", w, model.ShortID(id), out)
			}
		}
	}

	// Confirmation: an untagged image used by a stopped container, and a
	// legacy untagged child that keeps its marked parent.
	a, f := newLoadedWith(t, 160, 45, func(s *model.Snapshot, du *model.DiskUsage) {
		twoUntagged(s, du)
		s.Images[3].ParentID = s.Images[0].ID // <none> 4b22… is built on postgres:16
	})
	a.setMark(model.KindImage, ids[1], true) // redis's stopped container "cache" stays
	a.setMark(model.KindImage, hexID("sha256:", 1), true)
	press(a, "d")
	out := strings.Join(strings.Fields(screen(a)), " ")
	for _, want := range []string{
		"<none>:<none> " + model.ShortID(ids[1]) + " is used by stopped container cache",
		"<none>:<none> " + model.ShortID(ids[0]) + " is built on it",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("confirmation does not say %q:\n%s", want, screen(a))
		}
	}
	press(a, "esc")
	a.marks.Clear()
	a.reindex()

	// Results: a refused untagged image.
	f.refuse[ids[0]] = "conflict: unable to delete"
	a.setMark(model.KindImage, ids[0], true)
	press(a, "d")
	_, cmd := a.Update(keyMsg("y"))
	runAll(cmd, a)
	if out := strings.Join(strings.Fields(screen(a)), " "); !strings.Contains(out, "image <none>:<none> "+model.ShortID(ids[0])+": conflict") {
		t.Errorf("the failure does not name the image's ID:\n%s", screen(a))
	}
}

// TestInUseVolumeAndRecordWarnedUpFront: a marked named volume that a
// container which stays mounts, and a build-cache record in use, are named
// in the first step's warnings; the volume is left out and no question is
// asked about it.
func TestInUseVolumeAndRecordWarnedUpFront(t *testing.T) {
	t.Parallel()
	inUse := func(_ *model.Snapshot, du *model.DiskUsage) { du.BuildCache[0].InUse = true }
	a, f := newLoadedWith(t, 160, 45, inUse)
	a.setMark(model.KindVolume, "pgdata", true) // the running db mounts it
	a.setMark(model.KindBuildCache, "k2j3h4g5f6d7s8a9", true)
	press(a, "d")
	out := strings.Join(strings.Fields(screen(a)), " ")
	for _, want := range []string{
		"named volume pgdata is left out: container db, which stays, mounts it",
		"build-cache record [builder 3/5] RUN go build ./... is in use (a build holds it): the engine will keep it",
		"Delete 1 object?",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("first step does not say %q:\n%s", want, screen(a))
		}
	}
	_, cmd := a.Update(keyMsg("y"))
	if a.dialog != nil {
		t.Fatalf("a further question after y:\n%s", screen(a))
	}
	runAll(cmd, a)
	if slices.Contains(f.deleted, "pgdata") || !slices.Contains(f.deleted, "k2j3h4g5f6d7s8a9") {
		t.Errorf("deleted %v: want the record, not pgdata", f.deleted)
	}

	// The running container marked too: the named volume is asked about
	// only if the container goes.
	b, g := newLoaded(t, 160, 45)
	b.setMark(model.KindVolume, "pgdata", true)
	b.setMark(model.KindContainer, hexID("", 101), true)
	press(b, "d", "y")
	if b.dialog == nil || b.dialog.step != stepRunning {
		t.Fatalf("no running-container step:\n%s", screen(b))
	}
	_, cmd = b.Update(keyMsg("n")) // db stays: pgdata cannot go
	if b.dialog != nil {
		t.Fatalf("asked about pgdata, which db (left out) mounts:\n%s", screen(b))
	}
	runAll(cmd, b)
	if len(g.deleted) != 0 {
		t.Errorf("deleted %v", g.deleted)
	}
	c, _ := newLoaded(t, 160, 45)
	c.setMark(model.KindVolume, "pgdata", true)
	c.setMark(model.KindContainer, hexID("", 101), true)
	press(c, "d", "y", "y")
	if c.dialog == nil || c.dialog.step != stepNamedVolumes || !strings.Contains(screen(c), "Delete 1 named volume") {
		t.Fatalf("db goes: pgdata should be asked about:\n%s", screen(c))
	}
}

// TestCancelKeepsTheMarksOfWhatStays: cancelling at any point — the
// running-container step, the measure before deleting, or the deletions —
// leaves marked whatever was not deleted, so the user can resume.
func TestCancelKeepsTheMarksOfWhatStays(t *testing.T) {
	t.Parallel()
	db, cache, dangling := hexID("", 101), hexID("", 104), hexID("sha256:", 4)
	markAll := func(a *App) {
		a.setMark(model.KindContainer, db, true) // running
		a.setMark(model.KindContainer, cache, true)
		a.setMark(model.KindImage, dangling, true)
		a.reclaim = a.tally.Result()
	}
	has := func(a *App, ids ...string) string {
		var missing []string
		for _, id := range ids {
			if !a.marks.Has(model.KindContainer, id) && !a.marks.Has(model.KindImage, id) {
				missing = append(missing, model.ShortID(id))
			}
		}
		if len(missing) > 0 || a.marks.Len() != len(ids) {
			return fmt.Sprintf("%d marked, missing %v (want %d)", a.marks.Len(), missing, len(ids))
		}
		return ""
	}

	// esc at the running-container step cancels everything: all marks stay.
	a, f := newLoaded(t, 160, 45)
	markAll(a)
	press(a, "d", "y")
	if a.dialog == nil || a.dialog.step != stepRunning {
		t.Fatalf("no running-container step:\n%s", screen(a))
	}
	press(a, "esc")
	if a.dialog != nil || len(f.deleted) != 0 {
		t.Fatal("esc at the running-container step did not cancel everything")
	}
	if msg := has(a, db, cache, dangling); msg != "" {
		t.Errorf("after esc at the running-container step: %s", msg)
	}

	// n leaves the running container out; esc during the measure before
	// deleting gives the others back; db was never settled.
	press(a, "d", "y", "n")
	if a.run == nil || a.run.phase != phaseBefore {
		t.Fatalf("run not measuring before: %+v", a.run)
	}
	if msg := has(a, db); msg != "" {
		t.Errorf("while measuring before: %s", msg)
	}
	press(a, "esc")
	if msg := has(a, db, cache, dangling); msg != "" {
		t.Errorf("after esc during the measure before: %s", msg)
	}

	// esc while deleting: the running container's stop was in flight and
	// finished; the rest was cancelled and stays marked.
	b, g0 := newLoaded(t, 160, 45)
	g := &gatedEngine{fakeEngine: g0}
	b.eng = g
	markAll(b)
	press(b, "d", "y")
	_, cmd := b.Update(keyMsg("y"))
	untilDeleting(t, cmd, b)
	if b.run == nil || b.run.phase != phaseDeleting || g.plan.Len() != 3 {
		t.Fatalf("run not deleting: %+v, plan %d", b.run, g.plan.Len())
	}
	b.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, db), Status: model.Started}})
	press(b, "esc")
	b.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, db), Status: model.Deleted}})
	b.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, cache), Status: model.Cancelled, Err: "the clean-up was cancelled before it started"}})
	b.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, dangling), Status: model.Cancelled, Err: "the clean-up was cancelled before it started"}})
	b.Update(outcomeMsg{ok: false})
	if msg := has(b, cache, dangling); msg != "" {
		t.Errorf("after esc while deleting: %s", msg)
	}
	if out := strings.Join(strings.Fields(screen(b)), " "); !strings.Contains(out, "Not deleted (2): 2 cancelled before they started · still marked: d tries again") {
		t.Errorf("the results do not say the marks are kept:\n%s", screen(b))
	}
}

// TestConnErrIsTyped: the engine counts as unreachable by the type of its
// error (it reports Unreachable), wrapped or not, not by a message's words.
func TestConnErrIsTyped(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want bool
	}{
		{errOffline, true},
		{fmt.Errorf("list images: %w", errOffline), true},
		{context.DeadlineExceeded, true},
		{errors.New("Error response from daemon: connection refused by the registry"), false},
		{errors.New("conflict: unable to delete (cannot be forced) - image is being used: EOF"), false},
	}
	for _, c := range cases {
		if got := isConnErr(c.err); got != c.want {
			t.Errorf("isConnErr(%q) = %v, want %v", c.err, got, c.want)
		}
	}
}
