package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"bilge/model"
)

func markedIDs(a *App, k model.Kind) []string { return a.marks.IDs(k) }

func TestMarkKeys(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	press(a, "space") // myapp/api, cursor moves down
	if a.tab().cursor != 1 {
		t.Fatalf("space did not move down: cursor %d", a.tab().cursor)
	}
	press(a, "space") // node
	if got := markedIDs(a, model.KindImage); len(got) != 2 {
		t.Fatalf("marked %v", got)
	}
	if !strings.Contains(screen(a), "● 2 marked") {
		t.Errorf("status line lacks the mark count:\n%s", screen(a))
	}
	// Marks survive sorting and filtering, and a refresh.
	press(a, "n", "/")
	typeText(a, "redis")
	press(a, "enter")
	if len(markedIDs(a, model.KindImage)) != 2 {
		t.Fatal("marks lost by sort or filter")
	}
	press(a, "*") // marks what the filter shows: redis
	if got := markedIDs(a, model.KindImage); len(got) != 3 || !slices.Contains(got, hexID("sha256:", 5)) {
		t.Fatalf("* marked %v", got)
	}
	s, _ := sampleState()
	a.listing = true
	a.Update(listsMsg{seq: 9, snap: cloneSnapshot(s)})
	if len(markedIDs(a, model.KindImage)) != 3 {
		t.Fatal("marks lost by a refresh")
	}
	// A mark drops when its object disappears.
	s.Images = slices.DeleteFunc(s.Images, func(i model.Image) bool { return i.ID == hexID("sha256:", 5) })
	a.listing = true
	a.Update(listsMsg{seq: 10, snap: cloneSnapshot(s)})
	if got := markedIDs(a, model.KindImage); len(got) != 2 {
		t.Fatalf("mark of a vanished image kept: %v", got)
	}
	press(a, "u")
	if a.marks.Len() != 0 {
		t.Fatal("u did not unmark")
	}
}

func TestBuiltinNetworkNotMarkable(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	press(a, "5", "*")
	for _, id := range markedIDs(a, model.KindNetwork) {
		for _, n := range a.snap.Networks {
			if n.ID == id && n.Builtin() {
				t.Fatalf("built-in network %s marked", n.Name)
			}
		}
	}
	if len(markedIDs(a, model.KindNetwork)) != 2 {
		t.Fatalf("marked %d networks, want app_default and ci_net", len(markedIDs(a, model.KindNetwork)))
	}
}

func TestReadOnlyCannotMarkOrDelete(t *testing.T) {
	t.Parallel()
	a, f := newLoaded(t, 120, 30)
	a.opts.ReadOnly = true
	a.keys = NewKeyMap(true)
	press(a, "space", "*", "d", "p")
	if a.marks.Len() != 0 || a.dialog != nil || a.presets != nil || len(f.deleted) != 0 {
		t.Fatal("read-only mode marked or deleted")
	}
}

// TestExactFreesOfMarkedSet: two images sharing a 1GB base free the base
// only when both go, and the api image only with its stopped container.
func TestExactFreesOfMarkedSet(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	node := hexID("sha256:", 2)
	api := hexID("sha256:", 3)
	a.setMark(model.KindImage, node, true)
	a.reclaim = a.tally.Result()
	if a.reclaim.Total != 100_000_000 {
		t.Fatalf("node alone frees %d, want 100MB", a.reclaim.Total)
	}
	a.setMark(model.KindImage, api, true)
	a.reclaim = a.tally.Result()
	if a.reclaim.Total != 100_000_000 {
		t.Fatalf("with api (held by a stopped container) frees %d, want still 100MB", a.reclaim.Total)
	}
	a.setMark(model.KindContainer, hexID("", 102), true)
	a.reclaim = a.tally.Result()
	want := int64(1_000_000_000 + 100_000_000 + 180_000_000 + 1_500_000)
	if a.reclaim.Total != want {
		t.Fatalf("node+api+its container frees %d, want %d", a.reclaim.Total, want)
	}
}

func TestConfirmCascadeAndDelete(t *testing.T) {
	t.Parallel()
	a, f := newLoaded(t, 160, 45)
	api := hexID("sha256:", 3)
	a.setMark(model.KindImage, api, true)
	press(a, "d")
	if a.dialog == nil {
		t.Fatal("d did not open the confirmation")
	}
	out := screen(a)
	for _, want := range []string{"Delete 1 object?", "used by stopped container api", "press c"} {
		if !strings.Contains(out, want) {
			t.Errorf("dialog lacks %q:\n%s", want, out)
		}
	}
	press(a, "c")
	if !strings.Contains(screen(a), "Delete 2 objects?") {
		t.Fatalf("cascade did not add the container:\n%s", screen(a))
	}
	_, cmd := a.Update(keyMsg("y"))
	if a.run == nil {
		t.Fatal("y did not start the clean-up")
	}
	runAll(cmd, a)
	if got := f.deleted; strings.Join(got, ",") != hexID("", 102)+","+api {
		t.Fatalf("engine asked to delete %v", got)
	}
	if a.run != nil || a.lastRun == nil || a.lastRun.deleted != 2 {
		t.Fatalf("run did not finish: run=%v last=%+v", a.run, a.lastRun)
	}
	if a.active != 0 || !strings.Contains(screen(a), "Last clean-up") {
		t.Fatalf("no before/after on the Overview:\n%s", screen(a))
	}
}

func TestConfirmCancelDeletesNothing(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"n", "esc"} {
		a, f := newLoaded(t, 120, 30)
		press(a, "space", "d")
		_, cmd := a.Update(keyMsg(k))
		runAll(cmd, a)
		if a.dialog != nil || a.run != nil || len(f.deleted) != 0 {
			t.Fatalf("%q: dialog=%v run=%v deleted=%v", k, a.dialog != nil, a.run != nil, f.deleted)
		}
	}
}

func TestRunningAndNamedVolumeNeedTheirOwnConfirmation(t *testing.T) {
	t.Parallel()
	a, f := newLoaded(t, 160, 45)
	a.setMark(model.KindContainer, hexID("", 101), true) // db, running
	a.setMark(model.KindVolume, "old-data", true)        // named
	a.setMark(model.KindVolume, hexID("", 301), true)    // anonymous, used by api (stopped)
	press(a, "d", "y")
	if a.dialog == nil || a.dialog.step != stepRunning || !strings.Contains(screen(a), "Stop and remove 1 running container?") {
		t.Fatalf("no running-container step:\n%s", screen(a))
	}
	press(a, "n") // leave db out
	if a.dialog == nil || a.dialog.step != stepNamedVolumes {
		t.Fatalf("no named-volume step:\n%s", screen(a))
	}
	_, cmd := a.Update(keyMsg("y"))
	runAll(cmd, a)
	got := append([]string(nil), f.deleted...)
	slices.Sort(got)
	want := []string{hexID("", 301), "old-data"}
	slices.Sort(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("deleted %v, want %v (db left out)", got, want)
	}
}

func TestFailuresListedUntilDismissed(t *testing.T) {
	t.Parallel()
	a, f := newLoaded(t, 160, 45)
	f.refuse[hexID("sha256:", 1)] = "conflict: unable to delete 3d9f (cannot be forced) - image is being used by running container 3d9f"
	a.setMark(model.KindImage, hexID("sha256:", 1), true)
	press(a, "d")
	_, cmd := a.Update(keyMsg("y"))
	runAll(cmd, a)
	if !strings.Contains(screen(a), "image is being used by running container") {
		t.Fatalf("failure reason not shown:\n%s", screen(a))
	}
	press(a, "x")
	if strings.Contains(screen(a), "Last clean-up") {
		t.Fatal("x did not dismiss")
	}
}

func TestQuitWhileRunningAsks(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	a.run = &cleanup{phase: phaseDeleting, plan: model.Plan{Items: make([]model.PlanItem, 3)}, freed: a.index.Tally()}
	_, cmd := a.Update(keyMsg("q"))
	if cmd != nil || !a.quitAsk || !strings.Contains(screen(a), "Quit anyway?") {
		t.Fatal("q during a run did not ask")
	}
	press(a, "n")
	if a.quitAsk {
		t.Fatal("the question stayed")
	}
	a.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	a.Update(tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl})
	if !a.quitting {
		t.Fatal("second ctrl+c did not start quitting")
	}
}

func TestPresetsMarkWhatDockerWouldRemove(t *testing.T) {
	t.Parallel()
	cases := []struct {
		key  string
		kind model.Kind
		want []string
	}{
		{"1", model.KindImage, []string{hexID("sha256:", 4)}},
		{"2", model.KindImage, []string{hexID("sha256:", 2), hexID("sha256:", 4)}},
		{"4", model.KindContainer, []string{hexID("", 102), hexID("", 103), hexID("", 104)}},
		{"5", model.KindVolume, nil},
		{"6", model.KindVolume, []string{"old-data"}},
		{"7", model.KindNetwork, []string{hexID("", 204)}},
		{"8", model.KindBuildCache, []string{"k2j3h4g5f6d7s8a9", "q1w2e3r4t5y6u7i8"}},
	}
	for _, c := range cases {
		a, f := newLoaded(t, 160, 45)
		press(a, "p", c.key)
		got := a.marks.IDs(c.kind)
		want := append([]string(nil), c.want...)
		slices.Sort(got)
		slices.Sort(want)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("preset %s marked %v, want %v", c.key, got, want)
		}
		if len(f.deleted) != 0 {
			t.Fatalf("preset %s deleted without confirmation", c.key)
		}
	}
	// Aged preset: images unused and older than 30 days.
	a, _ := newLoaded(t, 160, 45)
	press(a, "p", "3", "enter")
	if got := a.marks.IDs(model.KindImage); len(got) != 1 || got[0] != hexID("sha256:", 4) {
		t.Errorf("images older than 30d: %v", got)
	}
}

// TestLaterStepsTakeOnlyY: the first step takes y or enter; the steps for
// running containers and named volumes need an explicit y, and enter there
// neither confirms nor cancels.
func TestLaterStepsTakeOnlyY(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, id string
		kind     model.Kind
		step     confirmStep
		question string
	}{
		{"running container", hexID("", 101), model.KindContainer, stepRunning, "Stop and remove 1 running container?"},
		{"named volume", "old-data", model.KindVolume, stepNamedVolumes, "Delete 1 named volume and the data in it?"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, f := newLoaded(t, 160, 45)
			a.setMark(c.kind, c.id, true)
			press(a, "d", "enter") // the first step accepts enter
			if a.dialog == nil || a.dialog.step != c.step || !strings.Contains(screen(a), c.question) {
				t.Fatalf("enter on the first step did not lead to the %s step:\n%s", c.name, screen(a))
			}
			out := screen(a)
			lines := strings.Split(out, "\n")
			if help := lines[len(lines)-1]; strings.Contains(help, "enter") || !strings.Contains(help, "y confirm this step") {
				t.Errorf("help line offers enter, or not y, at the second step: %q", help)
			}
			if !strings.Contains(out, "enter does not confirm this step") {
				t.Errorf("the prompt does not say enter does not confirm:\n%s", out)
			}
			for i := 0; i < 2; i++ {
				_, cmd := a.Update(keyMsg("enter"))
				runAll(cmd, a)
			}
			if a.dialog == nil || a.dialog.step != c.step || a.run != nil || len(f.deleted) != 0 {
				t.Fatalf("enter at the %s step: dialog=%v run=%v deleted=%v", c.name, a.dialog != nil, a.run != nil, f.deleted)
			}
			if !strings.Contains(screen(a), "enter does not confirm this step: y ") {
				t.Errorf("no hint after enter:\n%s", screen(a))
			}
			_, cmd := a.Update(keyMsg("y"))
			runAll(cmd, a)
			if a.dialog != nil || !slices.Contains(f.deleted, c.id) {
				t.Fatalf("y did not confirm: dialog=%v deleted=%v", a.dialog != nil, f.deleted)
			}
		})
	}
}

// TestDialogSummaryAndWarningsFirstAndScrolls: the count, the exact bytes
// and the warnings come before the lists, warnings wrap instead of being
// cut, and the page keys scroll.
func TestDialogSummaryAndWarningsFirstAndScrolls(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 80, 24)
	press(a, "*", "4", "*", "6", "*", "d")
	d := a.dialog
	if d == nil {
		t.Fatal("no dialog")
	}
	out := screen(a)
	rows := strings.Split(out, "\n")
	find := func(s string) int {
		for i, l := range rows {
			if strings.Contains(l, s) {
				return i
			}
		}
		return -1
	}
	head, watch, list := find("Delete "), find("Watch out"), find("Containers (")
	if head < 0 || watch < 0 || head > watch || list >= 0 && list < watch {
		t.Fatalf("summary at %d, warnings at %d, first list at %d; want summary, then warnings, then lists:\n%s", head, watch, list, out)
	}
	if !strings.Contains(rows[head], "frees ") {
		t.Errorf("summary lacks the bytes: %q", rows[head])
	}
	// A warning longer than the dialog is wrapped, not cut.
	w := "myapp/api:1.4.2 is used by stopped container api: press c to remove it first, or the engine will refuse"
	if len(w) < a.width-4 {
		t.Fatal("test warning fits the width: make the screen narrower")
	}
	if !strings.Contains(strings.Join(strings.Fields(strings.NewReplacer("│", " ", "!", " ").Replace(out)), " "), w) {
		t.Errorf("warning not shown whole:\n%s", out)
	}
	for _, l := range rows {
		if strings.Contains(l, "!") && strings.Contains(l, "…") {
			t.Errorf("warning line truncated: %q", l)
		}
	}
	if !strings.Contains(out, "1 named volume holds data") && !strings.Contains(out, "2 named volumes hold data") {
		t.Errorf("named volume warning missing or misworded:\n%s", out)
	}

	total := len(d.wrapped)
	if total <= d.page {
		t.Fatalf("everything fits (%d lines in %d): the test needs a scrolling dialog", total, d.page)
	}
	if !strings.Contains(out, fmt.Sprintf("lines 1–%d of %d", d.page, total)) {
		t.Fatalf("no scroll position:\n%s", out)
	}
	a.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
	step := d.page - 1
	if d.top != step {
		t.Fatalf("pgdn moved the dialog to line %d, want %d", d.top, step)
	}
	out = screen(a)
	if !strings.Contains(out, fmt.Sprintf("lines %d–", step+1)) || !strings.Contains(out, ansi.Strip(d.wrapped[step+d.page-1])) {
		t.Errorf("pgdn did not show the next page:\n%s", out)
	}
	a.Update(tea.KeyPressMsg{Code: tea.KeyEnd})
	if out := screen(a); d.top != total-d.page || !strings.Contains(out, fmt.Sprintf("of %d", total)) || !strings.Contains(out, ansi.Strip(d.wrapped[total-1])) {
		t.Errorf("end did not show the last line (top %d):\n%s", d.top, out)
	}
	a.Update(tea.KeyPressMsg{Code: tea.KeyPgUp})
	if d.top != total-d.page-step {
		t.Errorf("pgup: top %d, want %d", d.top, total-d.page-step)
	}
	press(a, "g")
	if d.top != 0 || !strings.Contains(screen(a), "Watch out") {
		t.Errorf("g did not go back to the top: %d", d.top)
	}
	press(a, "G")
	if d.top != total-d.page {
		t.Errorf("G: top %d, want %d", d.top, total-d.page)
	}
}

// TestNetworkWarningsAndCascadeHint: marked networks with running
// containers attached are named as refused; c is offered only when a marked
// image has stopped containers.
func TestNetworkWarningsAndCascadeHint(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 160, 45)
	s, _ := sampleState()
	s.Containers[1].Networks = []string{hexID("", 204)} // api (stopped) on ci_net
	a.listing = true
	a.Update(listsMsg{seq: 2, snap: cloneSnapshot(s)})
	press(a, "5", "*", "d")
	out := screen(a)
	for _, want := range []string{
		"1 marked network has running containers attached (app_default): the engine will refuse it unless those containers go first",
		"1 marked network has only stopped containers attached (ci_net)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dialog lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(out, "\n")
	if strings.Contains(out, "c: include stopped") || strings.Contains(lines[len(lines)-1], "include stopped") {
		t.Errorf("c offered with no marked image:\n%s", out)
	}
	press(a, "c")
	if a.dialog.cascade {
		t.Error("c toggled the cascade where it does not apply")
	}
	// Marking the running container too (stopped and removed first) lifts
	// the refusal.
	press(a, "esc")
	a.setMark(model.KindContainer, hexID("", 101), true)
	press(a, "d")
	if out := screen(a); strings.Contains(out, "running containers attached") {
		t.Errorf("network warned about although its container goes first:\n%s", out)
	}

	// With a marked image used by a stopped container, c is offered.
	b, _ := newLoaded(t, 160, 45)
	b.setMark(model.KindImage, hexID("sha256:", 3), true)
	press(b, "d")
	out = screen(b)
	lines = strings.Split(out, "\n")
	if !strings.Contains(out, "c: include stopped containers of marked images — off") || !strings.Contains(lines[len(lines)-1], "include stopped containers") {
		t.Errorf("c not offered for a marked image with a stopped container:\n%s", out)
	}
}

// gatedEngine hands the test the worker's outcome channel, so a test
// decides what finishes and when.
type gatedEngine struct {
	*fakeEngine
	ctx  context.Context
	plan model.Plan
}

func (g *gatedEngine) Delete(ctx context.Context, plan model.Plan, parallel int) <-chan model.Outcome {
	g.ctx, g.plan = ctx, plan
	return make(chan model.Outcome)
}

// untilDeleting runs cmd and what follows, as the program would, until the
// worker has started; the test then feeds the outcomes.
func untilDeleting(t *testing.T, cmd tea.Cmd, a *App) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		var msg tea.Msg
		select {
		case msg = <-done:
		case <-time.After(100 * time.Millisecond):
			continue
		}
		switch m := msg.(type) {
		case nil, eventsMsg:
		case tea.BatchMsg:
			queue = append(queue, m...)
		case runStartedMsg:
			a.Update(m) // its wait for outcomes is left out: the test sends them
			return
		default:
			_, next := a.Update(m)
			queue = append(queue, next)
		}
	}
	t.Fatal("the worker never started")
}

// TestCancelPredictsOnlyWhatWasDeleted: after esc, the before/after
// predicts what was deleted, failures are listed apart from the cancelled
// items, and the progress line says in-flight deletions finish.
func TestCancelPredictsOnlyWhatWasDeleted(t *testing.T) {
	t.Parallel()
	a, f := newLoaded(t, 160, 45)
	g := &gatedEngine{fakeEngine: f}
	a.eng = g
	dangling, node := hexID("sha256:", 4), hexID("sha256:", 2)
	record := "k2j3h4g5f6d7s8a9"
	a.setMark(model.KindImage, dangling, true) // frees 310MB
	a.setMark(model.KindImage, node, true)     // 100MB, refused below
	a.setMark(model.KindBuildCache, record, true)
	press(a, "d")
	_, cmd := a.Update(keyMsg("y"))
	untilDeleting(t, cmd, a)
	r := a.run
	if r == nil || r.phase != phaseDeleting || g.plan.Len() != 3 {
		t.Fatalf("run not deleting: %+v, plan %d", r, g.plan.Len())
	}
	if r.predicted.Total != 310_000_000+100_000_000+640_000_000 {
		t.Fatalf("whole set predicted %d", r.predicted.Total)
	}
	item := func(id string) model.PlanItem {
		for _, it := range g.plan.Items {
			if it.ID == id {
				return it
			}
		}
		t.Fatalf("%s not in the plan", id)
		return model.PlanItem{}
	}
	reason := "conflict: unable to delete " + model.ShortID(node) + " (must be forced) - image is referenced in multiple repositories"
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: item(dangling), Status: model.Deleted}})
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: item(node), Status: model.Failed, Err: reason}})
	if s := screen(a); !strings.Contains(s, "esc cancels the rest") {
		t.Fatalf("no cancel hint while deleting:\n%s", s)
	}
	press(a, "esc")
	if g.ctx.Err() == nil {
		t.Fatal("esc did not cancel the worker's context")
	}
	if s := screen(a); !strings.Contains(s, "cancelling… (in-flight deletions finish)") || strings.Contains(s, "esc cancels the rest") {
		t.Fatalf("progress line after esc:\n%s", s)
	}
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: item(record), Status: model.Cancelled, Err: "the clean-up was cancelled before it started"}})
	_, cmd = a.Update(outcomeMsg{ok: false})
	runAll(cmd, a)
	last := a.lastRun
	if a.run != nil || last == nil {
		t.Fatal("run did not finish")
	}
	if last.actual.Total != 310_000_000 || last.actual.Images != 310_000_000 || last.actual.BuildCache != 0 {
		t.Fatalf("predicted after the run: %+v, want only the dangling image's 310MB", last.actual)
	}
	out := screen(a)
	row := func(name string) []string {
		for _, l := range strings.Split(out, "\n") {
			if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(strings.TrimSpace(l), name) && strings.Contains(l, "→") {
				return f
			}
		}
		t.Fatalf("no %s row:\n%s", name, out)
		return nil
	}
	if f := row("Total"); f[len(f)-1] != "310MB" {
		t.Errorf("Total row predicts %s, want 310MB: %v", f[len(f)-1], f)
	}
	if f := row("Build Cache"); f[len(f)-1] != "0B" {
		t.Errorf("Build Cache row predicts %s, want 0B (the record was cancelled): %v", f[len(f)-1], f)
	}
	for _, want := range []string{"1 deleted, 1 failed, 1 cancelled", "Not deleted (2): 1 failed, 1 cancelled before they started", "✗ image node:20: " + reason, "PREDICTED is for the 1 deleted of 3"} {
		if !strings.Contains(out, want) {
			t.Errorf("results lack %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "build-cache record") {
		t.Errorf("the cancelled record is listed one by one:\n%s", out)
	}
}

// TestFailureReasonsWrapAndScroll: a reason longer than the screen is
// shown whole on indented lines, and a long list scrolls instead of
// running off the screen.
func TestFailureReasonsWrapAndScroll(t *testing.T) {
	t.Parallel()
	a, f := newLoaded(t, 80, 30)
	reason := "error while removing network: network ci_net id " + hexID("", 204) + " has active endpoints"
	f.refuse[hexID("", 204)] = reason
	a.setMark(model.KindNetwork, hexID("", 204), true)
	press(a, "d")
	_, cmd := a.Update(keyMsg("y"))
	runAll(cmd, a)
	out := screen(a)
	if !strings.Contains(strings.Join(strings.Fields(out), " "), "✗ network ci_net: "+reason) {
		t.Fatalf("reason not shown whole:\n%s", out)
	}
	if !strings.Contains(out, "\n    "+hexID("", 204)) {
		t.Errorf("continuation not indented:\n%s", out)
	}

	// Many failures on a short screen: the list keeps to the screen and
	// pgdn scrolls it.
	b, g := newLoaded(t, 80, 24)
	for _, img := range b.snap.Images {
		g.refuse[img.ID] = "conflict: unable to remove repository reference (must force) - container is using its referenced image"
		b.setMark(model.KindImage, img.ID, true)
	}
	press(b, "d")
	_, cmd = b.Update(keyMsg("y"))
	runAll(cmd, b)
	if b.lastRun == nil || b.lastRun.failed != 6 {
		t.Fatalf("want 6 failures, got %+v", b.lastRun)
	}
	out = screen(b)
	if lines := strings.Split(out, "\n"); len(lines) != 24 || !strings.Contains(out, "pgup/pgdn scroll") {
		t.Fatalf("long list not bounded (%d lines):\n%s", len(lines), out)
	}
	top := b.lastRun.listTop
	b.Update(tea.KeyPressMsg{Code: tea.KeyPgDown})
	if b.lastRun.listTop <= top {
		t.Fatalf("pgdn did not scroll the failures: top %d", b.lastRun.listTop)
	}
	if screen(b) == out {
		t.Error("screen unchanged after pgdn")
	}
}

// TestCancelBeforeDeleting: esc while the "before" disk usage is still
// being measured drops the run: nothing is sent, the marks come back.
func TestCancelBeforeDeleting(t *testing.T) {
	t.Parallel()
	a, f := newLoaded(t, 160, 45)
	dangling := hexID("sha256:", 4)
	a.setMark(model.KindImage, dangling, true)
	press(a, "d")
	a.Update(keyMsg("y"))
	if a.run == nil || a.run.phase != phaseBefore {
		t.Fatalf("run not measuring before: %+v", a.run)
	}
	if a.marks.Len() != 0 {
		t.Fatal("marks not settled when the run started")
	}
	press(a, "esc")
	if a.run != nil {
		t.Fatal("esc did not drop the run")
	}
	if !a.marks.Has(model.KindImage, dangling) || a.marks.Len() != 1 {
		t.Fatalf("marks not given back: %d", a.marks.Len())
	}
	// The scan that was running returns: nothing starts.
	_, cmd := a.Update(diskUsageMsg{du: f.du})
	runAll(cmd, a)
	if len(f.deleted) != 0 || a.run != nil {
		t.Fatalf("deleted %v after cancelling", f.deleted)
	}
	if !strings.Contains(screen(a), "marks are back") {
		t.Errorf("no word of the cancel:\n%s", screen(a))
	}
}

// withStoppedPostgres adds two stopped containers of postgres:16, which
// the running db also uses.
func withStoppedPostgres(s *model.Snapshot, du *model.DiskUsage) {
	for i, name := range []string{"pg-old1", "pg-old2"} {
		id := hexID("", 110+i)
		s.Containers = append(s.Containers, model.Container{ID: id, Name: name, Image: "postgres:16", ImageID: hexID("sha256:", 1), State: "exited", Created: testNow.Add(-48 * time.Hour)})
		du.Containers = append(du.Containers, model.ContainerUsage{ID: id, SizeRw: 1_000_000, SizeRootFs: 433_000_000})
	}
}

// Cascade leaves the stopped containers of an image that a running
// container keeps anyway, and the dialog says so (issue 10, item 3).
func TestCascadeLeavesContainersOfBlockedImage(t *testing.T) {
	t.Parallel()
	a, f := newLoadedWith(t, 160, 45, withStoppedPostgres)
	pg := hexID("sha256:", 1)
	f.refuse[pg] = "conflict: unable to delete 3d9f (cannot be forced) - image is being used by running container 3d9f"
	a.setMark(model.KindImage, pg, true)
	press(a, "d", "c")
	if a.dialog == nil || !a.dialog.cascade {
		t.Fatalf("c did not turn cascade on:\n%s", screen(a))
	}
	out := screen(a)
	for _, want := range []string{"Delete 1 object?", "postgres:16 stays: used by running container db", "its 2 stopped containers (pg-old1, pg-old2) are left too"} {
		if !strings.Contains(out, want) {
			t.Errorf("dialog lacks %q:\n%s", want, out)
		}
	}
	_, cmd := a.Update(keyMsg("y"))
	runAll(cmd, a)
	if got := strings.Join(f.deleted, ","); got != pg {
		t.Fatalf("engine asked to delete %v, want only the image (its stopped containers stay)", f.deleted)
	}
	// Once db is marked too (and its stop confirmed) cascade takes them.
	b, f2 := newLoadedWith(t, 160, 45, withStoppedPostgres)
	b.setMark(model.KindImage, pg, true)
	b.setMark(model.KindContainer, hexID("", 101), true)
	press(b, "d", "c")
	if !strings.Contains(screen(b), "Delete 4 objects?") {
		t.Fatalf("with db marked, cascade does not add the stopped containers:\n%s", screen(b))
	}
	press(b, "y")
	_, cmd = b.Update(keyMsg("y"))
	runAll(cmd, b)
	if len(f2.deleted) != 4 {
		t.Fatalf("deleted %v, want db, both stopped containers and the image", f2.deleted)
	}
}

// relist delivers a full re-list of the fake engine's state now, as the
// refresh loop would after an event.
func relist(a *App, f *fakeEngine, seq int) {
	a.listing = true
	f.mu.Lock()
	s := cloneSnapshot(f.snap)
	f.mu.Unlock()
	a.Update(listsMsg{seq: seq, snap: s})
}

// A stopped container created while the dialog is open joins the set by
// cascade: the dialog says so, and the y that comes next (even in the same
// tick as the change) only acknowledges it; the next y confirms exactly
// the set shown (issue 10, item 4).
func TestSetChangeUnderDialogNeedsConfirmingAgain(t *testing.T) {
	t.Parallel()
	a, f := newLoaded(t, 160, 45)
	api := hexID("sha256:", 3)
	a.setMark(model.KindImage, api, true)
	press(a, "d", "c")
	if !strings.Contains(screen(a), "Delete 2 objects?") {
		t.Fatalf("cascade did not add api:\n%s", screen(a))
	}
	late := hexID("", 120)
	f.mu.Lock()
	f.snap.Containers = append(f.snap.Containers, model.Container{ID: late, Name: "late", Image: "myapp/api:1.4.2", ImageID: api, State: "created", Created: testNow})
	f.mu.Unlock()
	relist(a, f, 2)
	// y right after the change, before any frame is drawn.
	_, cmd := a.Update(keyMsg("y"))
	runAll(cmd, a)
	if a.run != nil || a.lastRun != nil || len(f.deleted) != 0 || a.dialog == nil {
		t.Fatalf("the y pressed against the old set confirmed the new one: deleted %v", f.deleted)
	}
	out := screen(a)
	for _, want := range []string{"The set changed while this was open: +1 container (late, stopped, uses a marked image)", "Press y again to confirm the new set", "Delete 3 objects?"} {
		if !strings.Contains(out, want) {
			t.Errorf("dialog lacks %q:\n%s", want, out)
		}
	}
	_, cmd = a.Update(keyMsg("y"))
	if a.run == nil || a.run.plan.Len() != 3 {
		t.Fatalf("the second y did not confirm the set shown:\n%s", screen(a))
	}
	runAll(cmd, a)
	got := append([]string(nil), f.deleted...)
	slices.Sort(got)
	want := []string{hexID("", 102), late, api}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("deleted %v, want %v", got, want)
	}
}

// Each kind of change is said, and a re-list that changes nothing asks
// nothing more.
func TestSetChangesSaid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		change func(s *model.Snapshot)
		want   string // "" for no change
	}{
		{"nothing", func(s *model.Snapshot) {}, ""},
		{"a marked container goes", func(s *model.Snapshot) {
			s.Containers = slices.DeleteFunc(s.Containers, func(c model.Container) bool { return c.Name == "cache" })
		}, "−1 container (cache)"},
		{"a marked container starts", func(s *model.Snapshot) { s.Containers[3].State = "running" }, "container cache is now running"},
		{"a tag moves", func(s *model.Snapshot) { s.Images[4].Tags = nil }, "image " + model.ShortID(hexID("sha256:", 5)) + " is now <none>:<none> (was redis:7)"},
		{"a running container starts using a marked image", func(s *model.Snapshot) {
			s.Containers = append(s.Containers, model.Container{ID: hexID("", 121), Name: "new-run", ImageID: hexID("sha256:", 2), State: "running"})
		}, "node:20 now stays: used by running container new-run"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a, f := newLoaded(t, 160, 45)
			a.setMark(model.KindContainer, hexID("", 104), true) // cache, stopped
			a.setMark(model.KindImage, hexID("sha256:", 5), true)
			a.setMark(model.KindImage, hexID("sha256:", 2), true)
			press(a, "d")
			f.mu.Lock()
			c.change(f.snap)
			f.mu.Unlock()
			relist(a, f, 2)
			out := screen(a)
			if c.want == "" {
				if a.dialog.unseen || strings.Contains(out, "The set changed") {
					t.Fatalf("a re-list with nothing new said the set changed:\n%s", out)
				}
				_, cmd := a.Update(keyMsg("y"))
				runAll(cmd, a)
				if len(f.deleted) == 0 {
					t.Fatal("y did not confirm an unchanged set")
				}
				return
			}
			if !strings.Contains(strings.Join(strings.Fields(out), " "), c.want) {
				t.Fatalf("dialog does not say %q:\n%s", c.want, out)
			}
			press(a, "y")
			if a.run != nil {
				t.Fatal("y after a change confirmed at once")
			}
		})
	}
}
