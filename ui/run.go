package ui

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"bilge/model"
)

// runPhase is where a clean-up is.
type runPhase int

const (
	phaseBefore   runPhase = iota // measuring disk usage before deleting
	phaseDeleting                 // the worker runs
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
	// rec records the deletions in the deletions log (nil: none); logErr
	// is its failure, once seen.
	rec    RecordedRun
	logErr string

	done int
	// deleted went; failed the engine refused; skipped were not tried
	// because something they depend on did not go; cancelled had not
	// started when the run was cancelled (esc, or the engine stopped
	// answering).
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
	// inFlight are the items whose calls were sent and whose outcome has
	// not come: what may be half-done if bilge leaves now.
	inFlight map[string]model.PlanItem
	// afterPending: the deletions are over and the results shown; the
	// measure after comes when the engine answers (afterErr says why it
	// has not yet).
	afterPending bool
	afterErr     string

	// The not-deleted list on the Overview scrolls: its first line shown,
	// and its length and visible lines as laid out; shown is the results
	// as laid out for the screen (layout.go).
	listTop, listLen, listRoom int
	shown                      []string
	// marked are the marks when the run was confirmed, given back if it
	// is cancelled before anything is deleted.
	marked *model.Marks
	// remarked counts the marked items that did not go and are marked
	// again, for another try.
	remarked int
	// historyDone: the clean-up is recorded in the history.
	historyDone bool
}

func itemKey(it model.PlanItem) string { return it.Kind.String() + "/" + it.ID }

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
		gone: model.NewMarks(), freed: a.index.Tally(), marked: a.marks.Clone(), inFlight: map[string]model.PlanItem{}}
	if a.opts.Recorder != nil {
		a.run.rec = a.opts.Recorder.Begin(plan, a.snap, a.index)
	}
	// A last run still waiting for its measure after is recorded as
	// predicted: this run's measure before would blur it.
	var prev tea.Cmd
	if r := a.lastRun; r != nil && r.afterPending {
		prev = a.recordCleanup(r)
	}
	a.lastRun = nil
	// What the user confirmed is settled: clear those marks now.
	for _, it := range plan.Items {
		a.setMark(it.Kind, it.ID, false)
	}
	a.reclaim = a.tally.Result()
	return tea.Batch(prev, a.requestDF(true), a.startSpinner())
}

// onRunMeasured takes a disk-usage report that finished while a run
// waited for its before-measure.
func (a *App) onRunMeasured(du *model.DiskUsage) tea.Cmd {
	r := a.run
	if r.phase != phaseBefore {
		return nil
	}
	r.before = du.Totals()
	r.phase = phaseDeleting
	ctx, cancel := context.WithCancel(a.ctx)
	r.cancel = cancel
	eng, plan, parallel, rec := a.eng, r.plan, a.opts.Parallel, r.rec
	// The history gets the state before, whatever the last sample's age.
	return tea.Batch(a.sampleNow(), func() tea.Msg {
		ch := eng.Delete(ctx, plan, parallel)
		if rec != nil {
			ch = rec.Watch(ch)
		}
		return runStartedMsg{ch: ch}
	})
}

// onAfterMeasured takes a disk-usage report for the last run's after; the
// history gets the state after and the clean-up, freed as measured.
func (a *App) onAfterMeasured(du *model.DiskUsage) tea.Cmd {
	r := a.lastRun
	r.after = du.Totals()
	r.afterPending, r.afterErr = false, ""
	if r.historyDone || r.deleted == 0 {
		return nil
	}
	a.hist.want = false // this sample stands for the scan
	return tea.Batch(a.sampleNow(), a.recordCleanup(r))
}

func (a *App) onOutcome(msg outcomeMsg) tea.Cmd {
	r := a.run
	if r == nil || r.phase != phaseDeleting {
		return nil // a run already left (quit, or dropped): nothing to wait for
	}
	if !msg.ok {
		return a.endRun()
	}
	o := msg.o
	if r.rec != nil && r.logErr == "" {
		if err := r.rec.Err(); err != nil {
			r.logErr = err.Error()
		}
	}
	if o.Status == model.Started {
		r.inFlight[itemKey(o.Item)] = o.Item
		return waitOutcome(r.ch)
	}
	delete(r.inFlight, itemKey(o.Item))
	r.done++
	switch o.Status {
	case model.Deleted:
		r.deleted++
		r.gone.Set(o.Item.Kind, o.Item.ID, true)
		if o.Item.Kind.Info().Sized {
			r.freed.Set(o.Item.Kind, o.Item.ID, true)
		}
	case model.Failed:
		r.failed++
		r.failures = append(r.failures, o)
	case model.Cancelled:
		r.cancelledN++
	default:
		r.skipped++
		r.skips = append(r.skips, o)
	}
	if o.Status != model.Deleted && r.marked.Has(o.Item.Kind, o.Item.ID) {
		// Marks drop only when the object goes: what failed, was skipped
		// or cancelled stays marked for another try.
		a.setMark(o.Item.Kind, o.Item.ID, true)
		a.reclaim = a.tally.Result()
		r.remarked++
	}
	return waitOutcome(r.ch)
}

// endRun is the worker's last outcome: the results show at once on the
// Overview; the measure after follows when the engine answers, without
// holding anything up.
func (a *App) endRun() tea.Cmd {
	r := a.run
	if r.cancel != nil {
		r.cancel()
	}
	r.actual = r.index.Compute(r.gone)
	r.took = a.now.Sub(r.started)
	r.afterPending = true
	r.measureFrom = a.now
	a.lastRun = r
	a.run = nil
	// What asked about the run is moot now.
	a.quitAsk = false
	if a.quitting {
		return tea.Quit
	}
	a.setActive(0)
	a.dfDirty = false
	if r.logErr != "" {
		a.flash = "not all deletions were logged: " + r.logErr
	}
	return tea.Batch(a.requestDF(true), a.startSpinner())
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
		// The progress line says it is cancelling, for as long as it is.
		a.run.cancel()
		a.run.cancelled = true
	}
}

// ExitReport is what to tell on stderr when the UI ends while a clean-up
// has not finished (the user quit, or a signal ended bilge): what went,
// what did not, and the calls in flight whose outcome is unknown. It is ""
// when no clean-up was running. Call it after the program has stopped.
func (a *App) ExitReport() string {
	r := a.run // still running: a signal, or a second ctrl+c
	if r == nil {
		r = a.exitRun // quit with y: the run ended first, cancelled
	}
	if r == nil {
		return ""
	}
	if r.phase == phaseBefore {
		return "the clean-up had not started: nothing was deleted, nothing is half-done"
	}
	// Outcomes already sent but not yet shown are part of the story.
	if r.ch != nil && r.phase == phaseDeleting {
	drain:
		for {
			select {
			case o, ok := <-r.ch:
				if !ok {
					break drain
				}
				a.onOutcome(outcomeMsg{o: o, ok: true})
			default:
				break drain
			}
		}
	}
	var b strings.Builder
	notStarted := r.plan.Len() - r.done - len(r.inFlight)
	fmt.Fprintf(&b, "clean-up of %d objects ", r.plan.Len())
	if a.run != nil {
		b.WriteString("interrupted")
	} else {
		b.WriteString("cancelled")
	}
	freed := r.freed.Result()
	fmt.Fprintf(&b, ": %d deleted (freed %s", r.deleted, model.HumanSize(freed.Total))
	if freed.HeldByBuildCache > 0 {
		// As the marked total said it: those layers moved to build cache.
		fmt.Fprintf(&b, "; +%s once build cache is pruned", model.HumanSize(freed.HeldByBuildCache))
	}
	fmt.Fprintf(&b, "), %d failed", r.failed)
	if r.skipped > 0 {
		fmt.Fprintf(&b, ", %d skipped", r.skipped)
	}
	if n := r.cancelledN + notStarted; n > 0 {
		fmt.Fprintf(&b, ", %d cancelled or never started", n)
	}
	if r.ch == nil {
		// The worker was being started: calls may have gone out unseen.
		b.WriteString("; the worker was starting: its first calls may have been sent")
	} else if len(r.inFlight) == 0 {
		b.WriteString("; nothing was in flight")
	} else {
		fmt.Fprintf(&b, "; %d in flight, outcome unknown (may be half-done):", len(r.inFlight))
		keys := make([]string, 0, len(r.inFlight))
		for k := range r.inFlight {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			it := r.inFlight[k]
			fmt.Fprintf(&b, "\n  %s %s (%s)", strings.ToLower(it.Kind.Noun(1)), shortName(it.Name), model.ShortID(it.ID))
		}
	}
	for i, o := range r.failures {
		if i == 10 {
			fmt.Fprintf(&b, "\n  … and %d more failures", len(r.failures)-10)
			break
		}
		b.WriteString("\n  ✗ " + outcomeText(o))
	}
	return b.String()
}

// LogWarning is why the deletions log missed deletions of the last
// clean-up, "" when it missed none: worth a line on stderr once the UI has
// ended, as the status line's warning is gone with it.
func (a *App) LogWarning() string {
	for _, r := range []*cleanup{a.run, a.exitRun, a.lastRun} {
		if r == nil || r.rec == nil {
			continue
		}
		if err := r.rec.Err(); err != nil {
			return "not all deletions were logged: " + err.Error()
		}
		return ""
	}
	return ""
}

// progressLine is the status line while a clean-up runs.
func (a *App) progressLine() string {
	r := a.run
	st := &a.st
	switch r.phase {
	case phaseBefore:
		if a.conn == connReconnecting {
			// The measure before waits for the engine: say so, and how to
			// get out.
			return st.Error.Render("engine unreachable:") + st.Muted.Render(" the clean-up waits to measure before deleting (nothing sent yet) · esc cancels it")
		}
		return a.spin.View() + " " + st.Muted.Render("measuring disk usage before deleting… · esc cancels (nothing sent yet)")
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
	if n := len(r.inFlight); n > 0 {
		s += fmt.Sprintf(" · %d in flight", n)
	}
	if r.logErr != "" {
		s += st.Warn.Render(" · not logged: " + r.logErr)
	}
	hint := " · esc cancels the rest"
	switch {
	case a.quitting:
		hint = " · quitting after the calls in flight · ctrl+c quits now"
	case r.cancelled:
		hint = " · cancelling… (in-flight deletions finish)"
	}
	return "Deleting " + bar + s + st.Muted.Render(hint)
}

// resultLines are the Overview's before → after table of the last run,
// in at most room lines (the list of what was not deleted scrolls, from
// listTop, which it clamps): layout's, never View's.
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
	summary += fmt.Sprintf(" in %s", r.took.Round(100*time.Millisecond))
	switch {
	case !r.afterPending:
		summary += " · measured before and after"
	case r.afterErr != "":
		summary += " · after: not measured: " + r.afterErr + " (measured when it answers)"
	default:
		summary += " · " + a.spin.View() + " measuring after…"
	}
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
	// Images and Build Cache say in place that bytes moved between them:
	// the note when it fits, else a * for the footnote.
	held := p.HeldByBuildCache
	notes := map[model.Kind]string{}
	if held > 0 {
		notes[model.KindImage] = fmt.Sprintf("of which %s moved to build cache*", model.HumanSize(held))
		notes[model.KindBuildCache] = fmt.Sprintf("took %s of image layers*", model.HumanSize(held))
	}
	var tb, ta, tp int64
	for _, k := range model.SizedKinds {
		b, af := r.before[k], r.after[k]
		tb, ta, tp = tb+b, ta+af, tp+pred[k]
		row := fmt.Sprintf("  %-14s %10s  → %10s %12s %12s", k.String(), model.HumanSize(b), afterCell(r, model.HumanSize(af)),
			afterCell(r, signedSize(b-af)), signedSize(pred[k]))
		if n := notes[k]; n != "" {
			if ansi.StringWidth(row)+2+ansi.StringWidth(n) > a.width {
				n = "*"
			}
			row += st.Warn.Render("  " + n)
		}
		table = append(table, row)
	}
	total := fmt.Sprintf("  %-14s %10s  → %10s %12s %12s", "Total", model.HumanSize(tb), afterCell(r, model.HumanSize(ta)), afterCell(r, signedSize(tb-ta)), signedSize(tp))
	table = append(table, st.DetailHead.Render(total))
	if r.deleted < r.plan.Len() {
		table = append(table, wrapHanging(fmt.Sprintf("PREDICTED is for the %d deleted of %d (all %d: %s)",
			r.deleted, r.plan.Len(), r.plan.Len(), model.HumanSize(r.predicted.Total)), "  ", "  ", w, st.Muted)...)
	}
	if held > 0 {
		table = append(table, wrapHanging(fmt.Sprintf("* %s of image layers moved to build cache: freed once it is pruned", model.HumanSize(held)), "  ", "    ", w, st.Warn)...)
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
	tail := " · x dismisses"
	switch {
	case r.remarked == 0:
	case r.remarked == n:
		tail = " · still marked: d tries again" + tail
	default:
		tail = fmt.Sprintf(" · %d of them still marked: d tries again", r.remarked) + tail
	}
	head := wrapHanging(strings.Join(parts, ", ")+tail, "  "+st.Error.Render(fmt.Sprintf("Not deleted (%d):", n))+" ", "  ", w, st.Muted)
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
		line := fmt.Sprintf("%d deleted · freed %s, predicted %s", r.deleted, afterCell(r, signedSize(tb-ta)), signedSize(tp))
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

// afterCell is a figure that needs the measure after: "…" until it is in.
func afterCell(r *cleanup, s string) string {
	if r.afterPending {
		return "…"
	}
	return s
}

func outcomeText(o model.Outcome) string {
	return fmt.Sprintf("%s %s: %s", strings.ToLower(o.Item.Kind.Noun(1)), itemName(o.Item.Kind, o.Item.ID, o.Item.Name), o.Err)
}

func signedSize(n int64) string {
	if n < 0 {
		return "-" + model.HumanSize(-n)
	}
	return model.HumanSize(n)
}
