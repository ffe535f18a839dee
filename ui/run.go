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
	plan model.Plan
	// predicted is what the whole plan frees, as confirmed; index is the
	// exact-reclaim index it was computed on.
	predicted model.Reclaim
	index     *model.ReclaimIndex
	phase     runPhase
	// measureFrom: a disk-usage scan must start after this to count as
	// "before" (or "after") of this run.
	measureFrom time.Time
	started     time.Time
	took        time.Duration
	cancel      context.CancelFunc
	cancelled   bool
	ch          <-chan model.Outcome

	done int
	// deleted went; failed the engine refused; skipped were not tried
	// because something they depend on did not go; cancelled had not
	// started when esc was pressed.
	deleted, failed, skipped, cancelledN int
	failures, skips                      []model.Outcome
	// gone is what was deleted; freed tallies what it frees, on index,
	// as the outcomes come in.
	gone  *model.Marks
	freed *model.Tally
	// actual is the exact reclaim of what was deleted (on index), once
	// every outcome is in: the prediction the measured change is checked
	// against, leaving out what failed or was cancelled.
	actual model.Reclaim

	before, after map[model.Kind]int64

	// The not-deleted list on the Overview scrolls: its first line shown,
	// and its length and visible lines as last drawn.
	listTop, listLen, listRoom int
	// marked are the marks when the run was confirmed, given back if it
	// is cancelled before anything is deleted.
	marked *model.Marks
}

// cancelledReason is the worker's reason for an item that had not started
// when the run was cancelled.
const cancelledReason = "cancelled"

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
	a.run = &cleanup{plan: plan, predicted: predicted, index: a.index, phase: phaseBefore, started: a.now, measureFrom: a.now,
		gone: model.NewMarks(), freed: a.index.Tally(), marked: a.marks.Clone()}
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
		r.actual = r.index.Compute(r.gone)
		if a.quitting && a.forceQuit {
			return tea.Quit
		}
		r.phase = phaseAfter
		r.measureFrom = a.now
		a.dfDirty = false
		return tea.Batch(a.requestDF(true), a.startSpinner())
	}
	r.done++
	o := msg.o
	switch {
	case o.Status == model.Deleted:
		r.deleted++
		r.gone.Set(o.Item.Kind, o.Item.ID, true)
		if o.Item.Kind != model.KindNetwork {
			r.freed.Set(o.Item.Kind, o.Item.ID, true)
		}
	case o.Status == model.Failed:
		r.failed++
		r.failures = append(r.failures, o)
	case o.Err == cancelledReason:
		r.cancelledN++
	default:
		r.skipped++
		r.skips = append(r.skips, o)
	}
	return waitOutcome(r.ch)
}

func (a *App) cancelRun() {
	if r := a.run; r != nil && r.phase == phaseBefore {
		// Nothing was sent yet: drop the run and give the marks back.
		a.run = nil
		for _, k := range model.Kinds {
			for _, id := range r.marked.IDs(k) {
				a.setMark(k, id, true)
			}
		}
		a.reclaim = a.tally.Result()
		a.flash = "cancelled before anything was deleted: the marks are back"
		return
	}
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
	s := fmt.Sprintf(" %d/%d · freed %s", r.done, total, model.HumanSize(freed.Total))
	if !r.cancelled {
		s += " of " + model.HumanSize(r.predicted.Total)
	}
	if n := r.failed + r.skipped; n > 0 {
		s += st.Error.Render(fmt.Sprintf(" · %d not deleted", n))
	}
	if r.cancelledN > 0 {
		s += fmt.Sprintf(" · %d cancelled", r.cancelledN)
	}
	hint := " · esc cancels the rest"
	if r.cancelled {
		hint = " · cancelling… (in-flight deletions finish)"
	}
	return "Deleting " + bar + s + st.Muted.Render(hint)
}

// resultLines are the Overview's before → after table of the last run,
// in at most room lines (the list of what was not deleted scrolls).
func (a *App) resultLines(room int) []string {
	r := a.lastRun
	if r == nil {
		return nil
	}
	st := &a.st
	w := max(a.width-2, 20)
	summary := fmt.Sprintf("%d deleted, %d failed", r.deleted, r.failed)
	if r.skipped > 0 {
		summary += fmt.Sprintf(", %d skipped", r.skipped)
	}
	if r.cancelledN > 0 {
		summary += fmt.Sprintf(", %d cancelled", r.cancelledN)
	}
	summary += fmt.Sprintf(" in %s · measured before and after", r.took.Round(100*time.Millisecond))
	table := append([]string{""}, wrapHanging(summary, "  "+st.DetailHead.Render("Last clean-up")+"  ", "  ", w, st.Muted)...)
	table = append(table, st.ColHeader.Render(fmt.Sprintf("  %-14s %10s    %10s %12s %12s", "TYPE", "BEFORE", "AFTER", "FREED", "PREDICTED")))
	// The prediction is for what went: bytes BuildKit's cache keeps move
	// from Images to Build Cache, so predict the build cache growing by
	// them, as the engine will measure it.
	p := r.actual
	pred := map[model.Kind]int64{
		model.KindImage: p.Images, model.KindContainer: p.Containers,
		model.KindVolume: p.Volumes, model.KindBuildCache: p.BuildCache - p.HeldByBuildCache,
	}
	var tb, ta, tp int64
	for _, k := range []model.Kind{model.KindImage, model.KindContainer, model.KindVolume, model.KindBuildCache} {
		b, af := r.before[k], r.after[k]
		tb, ta, tp = tb+b, ta+af, tp+pred[k]
		table = append(table, fmt.Sprintf("  %-14s %10s  → %10s %12s %12s", k.String(), model.HumanSize(b), model.HumanSize(af),
			signedSize(b-af), signedSize(pred[k])))
	}
	total := fmt.Sprintf("  %-14s %10s  → %10s %12s %12s", "Total", model.HumanSize(tb), model.HumanSize(ta), signedSize(tb-ta), signedSize(tp))
	table = append(table, st.DetailHead.Render(total))
	if r.deleted < r.plan.Len() {
		table = append(table, wrapHanging(fmt.Sprintf("PREDICTED is for the %d deleted of %d (all %d: %s)",
			r.deleted, r.plan.Len(), r.plan.Len(), model.HumanSize(r.predicted.Total)), "  ", "  ", w, st.Muted)...)
	}
	if p.HeldByBuildCache > 0 {
		table = append(table, wrapHanging(fmt.Sprintf("! %s of the freed image layers stays in build cache until it is pruned", model.HumanSize(p.HeldByBuildCache)), "  ", "    ", w, st.Warn)...)
	}
	if r.failed+r.skipped+r.cancelledN == 0 {
		return table
	}

	var parts []string
	if r.failed > 0 {
		parts = append(parts, fmt.Sprintf("%d failed", r.failed))
	}
	if r.skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped", r.skipped))
	}
	if r.cancelledN > 0 {
		parts = append(parts, fmt.Sprintf("%d cancelled before they started", r.cancelledN))
	}
	n := r.failed + r.skipped + r.cancelledN
	head := wrapHanging(strings.Join(parts, ", ")+" · x dismisses", "  "+st.Error.Render(fmt.Sprintf("Not deleted (%d):", n))+" ", "  ", w, st.Muted)
	// Failures with the engine's whole reason, then what was skipped and
	// why, wrapped.
	var list []string
	if len(r.failures) > 0 && len(r.skips) > 0 {
		// Headed only when both kinds are listed; the line above counts them.
		list = append(list, "  "+st.Error.Render(fmt.Sprintf("Failed (%d)", len(r.failures)))+st.Muted.Render(": the engine's reasons"))
	}
	for _, o := range r.failures {
		list = append(list, wrapHanging(outcomeText(o), "  "+st.Error.Render("✗")+" ", "    ", w)...)
	}
	if len(r.skips) > 0 {
		list = append(list, "  "+st.Warn.Render(fmt.Sprintf("Skipped (%d)", len(r.skips)))+st.Muted.Render(": something they depend on was not deleted"))
		for _, o := range r.skips {
			list = append(list, wrapHanging(outcomeText(o), "  "+st.Warn.Render("–")+" ", "    ", w)...)
		}
	}

	// The list gets the room left; when the table leaves it less than a
	// few lines, the table shrinks to one line of totals.
	lines := append(table, "")
	if want := min(len(list), 5); room-len(lines)-len(head) < want {
		line := fmt.Sprintf("%d deleted · freed %s, predicted %s", r.deleted, signedSize(tb-ta), signedSize(tp))
		lines = append([]string{""}, wrapHanging(line, "  "+st.DetailHead.Render("Last clean-up")+"  ", "  ", w, st.Muted)...)
	}
	lines = append(lines, head...)
	avail := room - len(lines)
	r.listLen = len(list)
	if len(list) <= avail {
		r.listTop, r.listRoom = 0, len(list)
		return append(lines, list...)
	}
	show := max(avail-1, 1) // one line says where the scroll is
	r.listRoom = show
	r.listTop = min(max(r.listTop, 0), len(list)-show)
	end := r.listTop + show
	lines = append(lines, list[r.listTop:end]...)
	return append(lines, st.Muted.Render(fmt.Sprintf("  lines %d–%d of %d · pgup/pgdn scroll", r.listTop+1, end, len(list))))
}

// scrollResults scrolls the last run's not-deleted list on the Overview
// when it is too long to show whole: pages (pgup/pgdn) and wheel steps
// move it, while ↑/↓ and home/end (deltas of 1 and of the whole length)
// keep moving the Overview's cursor. It reports whether it scrolled.
func (a *App) scrollResults(delta int) bool {
	r := a.lastRun
	if r == nil || r.listLen <= r.listRoom || delta == 1 || delta == -1 || delta >= 1<<30 || delta <= -1<<30 {
		return false
	}
	page := max(r.listRoom-1, 1)
	delta = min(max(delta, -page), page)
	r.listTop = min(max(r.listTop+delta, 0), r.listLen-r.listRoom)
	return true
}

func outcomeText(o model.Outcome) string {
	return fmt.Sprintf("%s %s: %s", strings.ToLower(kindNoun(o.Item.Kind, 1)), shortName(o.Item.Name), o.Err)
}

func signedSize(n int64) string {
	if n < 0 {
		return "-" + model.HumanSize(-n)
	}
	return model.HumanSize(n)
}
