package ui

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"bilge/model"
)

type fakeRecorder struct {
	plan   model.Plan
	images int
	run    *fakeRecordedRun
}

func (f *fakeRecorder) Begin(plan model.Plan, snap *model.Snapshot, ix *model.ReclaimIndex) RecordedRun {
	f.plan, f.images, f.run = plan, len(snap.Images), &fakeRecordedRun{out: make(chan model.Outcome)}
	return f.run
}

type fakeRecordedRun struct {
	mu  sync.Mutex
	in  <-chan model.Outcome
	out chan model.Outcome
	err error
}

func (r *fakeRecordedRun) Watch(ch <-chan model.Outcome) <-chan model.Outcome {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.in = ch
	return r.out
}

func (r *fakeRecordedRun) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

// TestDeletionsAreRecorded: a confirmed clean-up hands its plan and
// snapshot to the recorder, reads the worker's outcomes through it, and a
// failure to record is one warning in the progress line and, after the
// run, the status line; the deletion goes on.
func TestDeletionsAreRecorded(t *testing.T) {
	t.Parallel()
	dangling := hexID("sha256:", 4)
	a, f := newLoaded(t, 160, 45)
	rec := &fakeRecorder{}
	a.opts.Recorder = rec
	g := &gatedEngine{fakeEngine: f}
	a.eng = g
	a.setMark(model.KindImage, dangling, true)
	press(a, "d")
	_, cmd := a.Update(keyMsg("y"))
	untilDeleting(t, cmd, a)
	if rec.run == nil || rec.plan.Len() != 1 || rec.plan.Items[0].ID != dangling || rec.images != len(a.snap.Images) {
		t.Fatalf("Begin got plan %+v and %d images", rec.plan, rec.images)
	}
	if rec.run.in == nil || a.run.ch != (<-chan model.Outcome)(rec.run.out) {
		t.Fatal("the run does not read the worker's outcomes through the recorder")
	}
	rec.run.mu.Lock()
	rec.run.err = errors.New("deletions log: open /x: not a directory")
	rec.run.mu.Unlock()
	it := planItem(t, g, dangling)
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: it, Status: model.Started}})
	if s := screen(a); !strings.Contains(s, "not logged: deletions log: open /x: not a directory") {
		t.Errorf("the progress line does not warn:\n%s", s)
	}
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: it, Status: model.Deleted}})
	a.Update(outcomeMsg{ok: false})
	if a.lastRun == nil || a.lastRun.deleted != 1 {
		t.Fatal("the run did not end with the deletion")
	}
	if s := screen(a); !strings.Contains(s, "not all deletions were logged: deletions log: open /x: not a directory") {
		t.Errorf("the status line does not warn after the run:\n%s", s)
	}
	if w := a.LogWarning(); w != "not all deletions were logged: deletions log: open /x: not a directory" {
		t.Errorf("LogWarning = %q", w)
	}
}
