package ui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// deletingRun marks the given images, confirms, and returns once the
// worker has started (the test feeds the outcomes).
func deletingRun(t *testing.T, w, h int, ids ...string) (*App, *fakeEngine, *gatedEngine) {
	t.Helper()
	a, f := newLoaded(t, w, h)
	g := &gatedEngine{fakeEngine: f}
	a.eng = g
	for _, id := range ids {
		a.setMark(model.KindImage, id, true)
	}
	press(a, "d")
	_, cmd := a.Update(keyMsg("y"))
	untilDeleting(t, cmd, a)
	if a.run == nil || a.run.phase != phaseDeleting || g.plan.Len() != len(ids) {
		t.Fatalf("not deleting: %+v", a.run)
	}
	return a, f, g
}

func planItem(t *testing.T, g *gatedEngine, id string) model.PlanItem {
	t.Helper()
	for _, it := range g.plan.Items {
		if it.ID == id {
			return it
		}
	}
	t.Fatalf("%s not in the plan", id)
	return model.PlanItem{}
}

func isQuit(cmd tea.Cmd) bool {
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

var ctrlC = tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}

// TestSecondCtrlCQuitsWhileCallsHang: with a call in flight that does not
// return, the second ctrl+c quits at once, and the exit report names the
// call whose outcome is unknown.
func TestSecondCtrlCQuitsWhileCallsHang(t *testing.T) {
	t.Parallel()
	node, dangling, golang := hexID("sha256:", 2), hexID("sha256:", 4), hexID("sha256:", 6)
	a, _, g := deletingRun(t, 160, 45, node, dangling, golang)
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, dangling), Status: model.Started}})
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, dangling), Status: model.Deleted}})
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, node), Status: model.Started}})
	if s := screen(a); !strings.Contains(s, "1/3 · freed 310MB") || !strings.Contains(s, " · 1 in flight") {
		t.Errorf("progress does not count the call in flight:\n%s", s)
	}
	if _, cmd := a.Update(ctrlC); cmd != nil || !a.quitAsk {
		t.Fatal("first ctrl+c did not ask")
	}
	if s := screen(a); !strings.Contains(s, "ctrl+c quits now") {
		t.Errorf("the question does not offer ctrl+c:\n%s", s)
	}
	_, cmd := a.Update(ctrlC)
	if !isQuit(cmd) {
		t.Fatal("second ctrl+c did not quit at once while a call is in flight")
	}
	if g.ctx.Err() == nil {
		t.Error("quitting did not cancel what has not started")
	}
	rep := a.ExitReport()
	for _, want := range []string{"clean-up of 3 objects interrupted: 1 deleted (freed 310MB), 0 failed", "1 cancelled or never started",
		"1 in flight, outcome unknown (may be half-done):\n  image node:20 (" + model.ShortID(node) + ")"} {
		if !strings.Contains(rep, want) {
			t.Errorf("exit report lacks %q:\n%s", want, rep)
		}
	}
}

// TestQuitWithYWaitsForInFlightOnly: q y cancels what has not started and
// quits when the calls in flight return; ctrl+c then still quits at once.
func TestQuitWithYWaitsForInFlightOnly(t *testing.T) {
	t.Parallel()
	node, dangling := hexID("sha256:", 2), hexID("sha256:", 4)
	a, _, g := deletingRun(t, 160, 45, node, dangling)
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, dangling), Status: model.Started}})
	press(a, "q")
	if _, cmd := a.Update(keyMsg("y")); cmd != nil || !a.quitting || a.quitAsk {
		t.Fatal("q y did not wait for the call in flight")
	}
	if g.ctx.Err() == nil {
		t.Fatal("q y did not cancel what has not started")
	}
	if s := screen(a); !strings.Contains(s, "quitting after the calls in flight · ctrl+c quits now") || strings.Contains(s, "Quit anyway?") {
		t.Fatalf("status while quitting:\n%s", s)
	}
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, node), Status: model.Cancelled, Err: "the clean-up was cancelled before it started"}})
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, dangling), Status: model.Deleted}})
	if _, cmd := a.Update(outcomeMsg{ok: false}); !isQuit(cmd) {
		t.Fatal("did not quit when the run ended")
	}
	if rep := a.ExitReport(); !strings.Contains(rep, "clean-up of 2 objects cancelled: 1 deleted") || !strings.Contains(rep, "nothing was in flight") {
		t.Errorf("exit report:\n%s", rep)
	}

	b, _, _ := deletingRun(t, 160, 45, node)
	press(b, "q", "y")
	if _, cmd := b.Update(ctrlC); !isQuit(cmd) {
		t.Fatal("ctrl+c while waiting to quit did not quit at once")
	}
}

// TestResultsShowAtOnceWhenEngineDies: the engine goes away mid-run; every
// outcome is in, so the results show at once, a new clean-up can start,
// the measure after says it waits for the engine and arrives when it is
// back, and what failed stays marked.
func TestResultsShowAtOnceWhenEngineDies(t *testing.T) {
	t.Parallel()
	node, dangling, golang := hexID("sha256:", 2), hexID("sha256:", 4), hexID("sha256:", 6)
	a, f, g := deletingRun(t, 160, 45, node, dangling, golang)
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, dangling), Status: model.Deleted}})
	f.mu.Lock()
	f.offline = true
	f.mu.Unlock()
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, node), Status: model.Failed, Err: errOffline.Error()}})
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, golang), Status: model.Cancelled, Err: stoppedAnsweringForTest}})
	_, cmd := a.Update(outcomeMsg{ok: false})
	if a.run != nil || a.lastRun == nil {
		t.Fatal("the results wait for the measure after")
	}
	runAll(cmd, a) // the measure after fails: the engine is down
	out := screen(a)
	for _, want := range []string{"Last clean-up", "1 deleted, 1 failed, 1 cancelled", "after: not measured: engine unreachable", "✗ image node:20: Cannot connect"} {
		if !strings.Contains(out, want) {
			t.Errorf("results lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "measuring disk usage after") {
		t.Errorf("still measuring in the status line:\n%s", out)
	}
	if !a.marks.Has(model.KindImage, node) || !a.marks.Has(model.KindImage, golang) || a.marks.Has(model.KindImage, dangling) {
		t.Errorf("marks after the run: node %v golang %v dangling %v; want the failed and cancelled kept, the deleted gone",
			a.marks.Has(model.KindImage, node), a.marks.Has(model.KindImage, golang), a.marks.Has(model.KindImage, dangling))
	}
	// The engine is back: the next scan is the measure after.
	f.mu.Lock()
	f.offline = false
	f.mu.Unlock()
	a.dfRunning, a.dfStart = true, testNow
	a.Update(diskUsageMsg{du: f.du})
	if a.lastRun.afterPending || !strings.Contains(screen(a), "measured before and after") {
		t.Fatalf("the measure after did not arrive:\n%s", screen(a))
	}
	// A new clean-up is not blocked.
	press(a, "2", "d")
	if a.dialog == nil {
		t.Fatalf("d after the run did not open the confirmation:\n%s", screen(a))
	}
}

const stoppedAnsweringForTest = "the engine stopped answering (an earlier call timed out)"

// TestQuitPromptAndCancellingClearWhenRunEnds: the quit question and the
// cancelling note go when the run they are about ends.
func TestQuitPromptAndCancellingClearWhenRunEnds(t *testing.T) {
	t.Parallel()
	dangling := hexID("sha256:", 4)
	a, _, g := deletingRun(t, 160, 45, dangling)
	press(a, "esc")
	if !strings.Contains(screen(a), "cancelling…") {
		t.Fatalf("no cancelling note:\n%s", screen(a))
	}
	press(a, "q")
	if !strings.Contains(screen(a), "Quit anyway?") {
		t.Fatalf("no quit question:\n%s", screen(a))
	}
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, dangling), Status: model.Cancelled, Err: "the clean-up was cancelled before it started"}})
	_, cmd := a.Update(outcomeMsg{ok: false})
	if isQuit(cmd) {
		t.Fatal("quit although the question was not answered")
	}
	out := screen(a)
	if a.quitAsk || strings.Contains(out, "Quit anyway?") || strings.Contains(out, "cancelling") {
		t.Fatalf("question or cancelling note left after the run:\n%s", out)
	}
	// y now is no answer to a question gone: it does not quit.
	if _, cmd := a.Update(keyMsg("y")); isQuit(cmd) {
		t.Fatal("y quit after the question went")
	}
}

// TestStaleRunMessages: an outcome of a run that ended, and the measure
// after of a run replaced by a new one, change nothing they should not.
func TestStaleRunMessages(t *testing.T) {
	t.Parallel()
	node, dangling := hexID("sha256:", 2), hexID("sha256:", 4)
	a, f, g := deletingRun(t, 160, 45, dangling)
	item := planItem(t, g, dangling)
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: item, Status: model.Deleted}})
	a.Update(outcomeMsg{ok: false})
	first := a.lastRun
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: item, Status: model.Failed, Err: "late"}})
	if first.deleted != 1 || first.failed != 0 || a.run != nil {
		t.Fatalf("a late outcome changed the ended run: %+v", first)
	}
	// A second run starts while the first one's measure after is out: that
	// scan began before the second run and is not its before.
	clock := testNow.Add(time.Minute)
	a.opts.Now = func() time.Time { return clock }
	a.setMark(model.KindImage, node, true)
	press(a, "2", "d")
	_, cmd := a.Update(keyMsg("y"))
	if a.run == nil || a.run.phase != phaseBefore || a.lastRun != nil {
		t.Fatalf("second run did not start at once: %+v", a.run)
	}
	_ = cmd
	a.Update(diskUsageMsg{du: f.du}) // the first run's measure after
	if a.run.phase != phaseBefore || !a.dfRunning || !a.dfStart.Equal(clock) {
		t.Fatalf("an older scan was taken as the second run's before: phase %d", a.run.phase)
	}
	a.Update(diskUsageMsg{du: f.du})
	if a.run.phase != phaseDeleting {
		t.Fatalf("the second run's own scan did not start it: phase %d", a.run.phase)
	}
}

// TestEngineGoneBeforeDeleting: the engine goes away while the clean-up
// measures before deleting: the status line says it waits for the engine
// with nothing sent, and esc gets out with the marks back.
func TestEngineGoneBeforeDeleting(t *testing.T) {
	t.Parallel()
	a, f := newLoaded(t, 160, 45)
	dangling := hexID("sha256:", 4)
	a.setMark(model.KindImage, dangling, true)
	press(a, "d")
	a.Update(keyMsg("y"))
	f.mu.Lock()
	f.offline = true
	f.mu.Unlock()
	a.Update(diskUsageMsg{err: errOffline})
	if a.run == nil || a.run.phase != phaseBefore {
		t.Fatalf("run: %+v", a.run)
	}
	if s := screen(a); !strings.Contains(s, "engine unreachable: the clean-up waits to measure before deleting (nothing sent yet) · esc cancels it") {
		t.Fatalf("status line while the engine is gone:\n%s", s)
	}
	press(a, "esc")
	if a.run != nil || !a.marks.Has(model.KindImage, dangling) {
		t.Fatal("esc did not drop the run and give the mark back")
	}
	if rep := a.ExitReport(); rep != "" {
		t.Errorf("exit report after the run was dropped: %q", rep)
	}
}

// TestExitReportWhileWorkerStarts: leaving between the start of the worker
// and its first message does not claim that nothing was in flight.
func TestExitReportWhileWorkerStarts(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 160, 45)
	a.setMark(model.KindImage, hexID("sha256:", 4), true)
	press(a, "d")
	a.Update(keyMsg("y"))
	a.Update(diskUsageMsg{du: a.du}) // the measure before: the worker starts
	if a.run == nil || a.run.phase != phaseDeleting || a.run.ch != nil {
		t.Fatalf("run: %+v", a.run)
	}
	rep := a.ExitReport()
	if !strings.Contains(rep, "the worker was starting: its first calls may have been sent") || strings.Contains(rep, "nothing was in flight") {
		t.Errorf("exit report: %q", rep)
	}
}
