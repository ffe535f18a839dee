package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// runPhase is where a clean-up is.
type runPhase int

const (
	phaseBefore   runPhase = iota // measuring disk usage before deleting
	phaseDeleting                 // the worker runs
	phaseAfter                    // measuring disk usage after
)

// cleanup is one confirmed deletion: its progress while it runs, and its
// before/after once measured.
type cleanup struct {
	plan      model.Plan
	predicted model.Reclaim
	phase     runPhase
	// measureFrom: a disk-usage scan must start after this to count as
	// "before" (or "after") of this run.
	measureFrom time.Time
	started     time.Time
	took        time.Duration
	cancel      context.CancelFunc
	cancelled   bool
	ch          <-chan model.Outcome

	done                     int
	deleted, failed, skipped int
	failures                 []model.Outcome
	// freed tallies what the deleted items free, on the index of the
	// snapshot the plan was made from.
	freed *model.Tally

	before, after map[model.Kind]int64
}

type runStartedMsg struct{ ch <-chan model.Outcome }

type outcomeMsg struct {
	o  model.Outcome
	ok bool
}

func waitOutcome(ch <-chan model.Outcome) tea.Cmd {
	return func() tea.Msg {
		o, ok := <-ch
		return outcomeMsg{o: o, ok: ok}
	}
}

// startRun begins a confirmed clean-up: first a fresh measure of disk
// usage, so "before" is what the disk held right before deleting.
func (a *App) startRun(plan model.Plan, predicted model.Reclaim) tea.Cmd {
	a.run = &cleanup{plan: plan, predicted: predicted, phase: phaseBefore, started: a.now, measureFrom: a.now, freed: a.index.Tally()}
	a.lastRun = nil
	// What the user confirmed is settled: clear those marks now.
	for _, it := range plan.Items {
		a.setMark(it.Kind, it.ID, false)
	}
	a.reclaim = a.tally.Result()
	return tea.Batch(a.requestDF(true), a.startSpinner())
}

// onRunMeasured takes a disk-usage report that finished during a run.
func (a *App) onRunMeasured(du *model.DiskUsage) tea.Cmd {
	r := a.run
	switch r.phase {
	case phaseBefore:
		r.before = du.Totals()
		r.phase = phaseDeleting
		ctx, cancel := context.WithCancel(a.ctx)
		r.cancel = cancel
		eng, plan, parallel := a.eng, r.plan, a.opts.Parallel
		return func() tea.Msg { return runStartedMsg{ch: eng.Delete(ctx, plan, parallel)} }
	case phaseAfter:
		r.after = du.Totals()
		r.took = a.now.Sub(r.started)
		a.lastRun = r
		a.run = nil
		a.setActive(0)
		if a.quitting {
			return tea.Quit
		}
	}
	return nil
}

func (a *App) onOutcome(msg outcomeMsg) tea.Cmd {
	r := a.run
	if r == nil {
		return nil
	}
	if !msg.ok {
		// Every item has an outcome: measure after.
		if r.cancel != nil {
			r.cancel()
		}
		if a.quitting && a.forceQuit {
			return tea.Quit
		}
		r.phase = phaseAfter
		r.measureFrom = a.now
		a.dfDirty = false
		return tea.Batch(a.requestDF(true), a.startSpinner())
	}
	r.done++
	switch msg.o.Status {
	case model.Deleted:
		r.deleted++
		if msg.o.Item.Kind != model.KindNetwork {
			r.freed.Set(msg.o.Item.Kind, msg.o.Item.ID, true)
		}
	case model.Failed:
		r.failed++
		r.failures = append(r.failures, msg.o)
	case model.Skipped:
		r.skipped++
		r.failures = append(r.failures, msg.o)
	}
	return waitOutcome(r.ch)
}

func (a *App) cancelRun() {
	if a.run != nil && a.run.cancel != nil && !a.run.cancelled {
		a.run.cancel()
		a.run.cancelled = true
		a.flash = "cancelling: what has not started is skipped"
	}
}

// progressLine is the status line while a clean-up runs.
func (a *App) progressLine() string {
	r := a.run
	st := &a.st
	switch r.phase {
	case phaseBefore:
		return a.spin.View() + " " + st.Muted.Render("measuring disk usage before deleting…")
	case phaseAfter:
		return a.spin.View() + " " + st.Muted.Render("measuring disk usage after deleting…")
	}
	total := r.plan.Len()
	w := 24
	filled := 0
	if total > 0 {
		filled = w * r.done / total
	}
	bar := st.BarUsed.Render(strings.Repeat("█", filled)) + st.BarEmpty.Render(strings.Repeat("░", w-filled))
	freed := r.freed.Result()
	s := fmt.Sprintf(" %d/%d · freed %s of %s", r.done, total, model.HumanSize(freed.Total), model.HumanSize(r.predicted.Total))
	if r.failed+r.skipped > 0 {
		s += st.Error.Render(fmt.Sprintf(" · %d failed", r.failed+r.skipped))
	}
	hint := " · esc cancels the rest"
	if r.cancelled {
		hint = " · cancelling…"
	}
	return "Deleting " + bar + s + st.Muted.Render(hint)
}

// resultLines are the Overview's before → after table of the last run.
func (a *App) resultLines() []string {
	r := a.lastRun
	if r == nil {
		return nil
	}
	st := &a.st
	lines := []string{"", "  " + st.DetailHead.Render("Last clean-up") + st.Muted.Render(fmt.Sprintf("  %d deleted, %d failed, %d skipped in %s · measured with the engine's disk usage before and after",
		r.deleted, r.failed, r.skipped, r.took.Round(100*time.Millisecond)))}
	lines = append(lines, st.ColHeader.Render(fmt.Sprintf("  %-14s %10s    %10s %12s %12s", "TYPE", "BEFORE", "AFTER", "FREED", "PREDICTED")))
	// Bytes BuildKit's cache keeps move from Images to Build Cache: predict
	// the build cache growing by them, as the engine will measure it.
	pred := map[model.Kind]int64{
		model.KindImage: r.predicted.Images, model.KindContainer: r.predicted.Containers,
		model.KindVolume: r.predicted.Volumes, model.KindBuildCache: r.predicted.BuildCache - r.predicted.HeldByBuildCache,
	}
	var tb, ta, tp int64
	for _, k := range []model.Kind{model.KindImage, model.KindContainer, model.KindVolume, model.KindBuildCache} {
		b, af := r.before[k], r.after[k]
		tb, ta, tp = tb+b, ta+af, tp+pred[k]
		lines = append(lines, fmt.Sprintf("  %-14s %10s  → %10s %12s %12s", k.String(), model.HumanSize(b), model.HumanSize(af),
			signedSize(b-af), signedSize(pred[k])))
	}
	total := fmt.Sprintf("  %-14s %10s  → %10s %12s %12s", "Total", model.HumanSize(tb), model.HumanSize(ta), signedSize(tb-ta), signedSize(tp))
	lines = append(lines, st.DetailHead.Render(total))
	if r.predicted.HeldByBuildCache > 0 {
		lines = append(lines, st.Warn.Render(fmt.Sprintf("  ! %s of the freed image layers stays in build cache until it is pruned", model.HumanSize(r.predicted.HeldByBuildCache))))
	}
	if len(r.failures) > 0 {
		lines = append(lines, "", "  "+st.Error.Render(fmt.Sprintf("Not deleted (%d)", len(r.failures)))+st.Muted.Render("  x dismisses"))
		for _, o := range r.failures {
			lines = append(lines, fmt.Sprintf("  %s %s %s: %s", st.Error.Render("✗"), strings.ToLower(kindNoun(o.Item.Kind, 1)), shortName(o.Item.Name), o.Err))
		}
	}
	return lines
}

func signedSize(n int64) string {
	if n < 0 {
		return "-" + model.HumanSize(-n)
	}
	return model.HumanSize(n)
}
