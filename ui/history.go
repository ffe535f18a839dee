// History (issue 14): the samples of this engine's disk use over time and
// the clean-ups between them. The UI records a sample when it has a full
// measurement (at most every 10 minutes) and before and after each
// clean-up; the Overview draws each kind's SIZE over 30 days and its
// change over a week, and the History view (h) the growth by repository.
// Every call to the history runs in a command with a deadline; its
// answers come back as messages, so the UI never waits on the database.

package ui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"bilge/model"
)

// History is what the UI needs of the history database, for the engine it
// shows: ui.Options.History is nil when there is none. The implementation
// names the engine (model.EngineRef) in what it records and reads only
// that engine's history; the UI leaves Sample.Engine and Cleanup.Engine
// empty. Every method may be called from any goroutine.
type History interface {
	// Samples are the engine's samples since then, oldest first; with
	// repos false their Repos may be left out.
	Samples(ctx context.Context, since time.Time, withRepos bool) ([]model.Sample, error)
	// Cleanups are the engine's clean-ups since then, oldest first.
	Cleanups(ctx context.Context, since time.Time) ([]model.Cleanup, error)
	// AddSampleIfDue records smp unless the engine has a sample younger
	// than every (another bilge may have recorded one).
	AddSampleIfDue(ctx context.Context, smp model.Sample, every time.Duration) (added bool, err error)
	// AddSample records smp whatever the last sample's age.
	AddSample(ctx context.Context, smp model.Sample) error
	// AddCleanup records a clean-up.
	AddCleanup(ctx context.Context, c model.Cleanup) error
}

const (
	// sampleEvery is the least time between two samples the UI takes of
	// its own measurements (not those around a clean-up).
	sampleEvery = 10 * time.Minute
	// historyTimeout bounds every call to the history.
	historyTimeout = 10 * time.Second
	// trendSpan is what the Overview's sparklines cover; trendChange the
	// span of the change beside them.
	trendSpan   = 30 * 24 * time.Hour
	trendChange = 7 * 24 * time.Hour
	// changeW is the width of the change cell ("+999.9MB 7d").
	changeW = 12
	// byInteractive is a clean-up confirmed in the UI.
	byInteractive = "interactive"
)

// historyWindows are the spans the History view offers ([ and ]).
var historyWindows = []struct {
	name string
	span time.Duration
}{
	{"7 days", 7 * 24 * time.Hour},
	{"30 days", 30 * 24 * time.Hour},
	{"90 days", 90 * 24 * time.Hour},
	{"1 year", 365 * 24 * time.Hour},
}

// defaultWindow is the History view's window when it first opens (30 days).
const defaultWindow = 1

// historyState is the UI's copy of the history and what it shows of it.
type historyState struct {
	// samples are the last trendSpan (and a day) of samples, without
	// repositories, oldest first: the Overview's sparklines. gen counts
	// their changes.
	samples []model.Sample
	loaded  bool
	gen     int
	// err is the last failure to read or write the history, one line: a
	// note, never a stop.
	err string
	// want: a disk-usage scan completed since the last sample; one is
	// taken once its figures are known (maybeSample). lastTry is when the
	// UI last asked for one (at most every sampleEvery).
	want    bool
	lastTry time.Time

	// trend is each sized kind's sparkline and change, computed in
	// layout when the samples or the width change (trendKey), never per
	// frame.
	trend    map[model.Kind]trendCells
	trendKey [3]int64

	// The History view.
	open    bool
	window  int
	seq     int // of the last load asked for; older answers are dropped
	loading bool
	view    *historyData
	top     int
	page    helpPage
	pageGen int // view data the page was laid out from
	viewGen int
}

// trendCells is one Overview row's sparkline and change.
type trendCells struct{ spark, change string }

// historyData is what the History view shows: one window's samples (with
// repositories) and clean-ups, and the growth over it.
type historyData struct {
	window   int
	since    time.Time
	samples  []model.Sample
	cleanups []model.Cleanup
	growth   model.GrowthReport
}

// ---- messages

type historySamplesMsg struct {
	samples []model.Sample
	err     error
}

type historyViewMsg struct {
	seq  int
	data *historyData
	err  error
}

// historyAddedMsg says what became of samples and a clean-up sent to the
// history: added are the samples recorded.
type historyAddedMsg struct {
	added []model.Sample
	err   error
}

// ---- commands

func (a *App) historyCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(a.ctx, historyTimeout)
}

// loadTrend reads the samples the Overview's sparklines need.
func (a *App) loadTrend() tea.Cmd {
	h := a.opts.History
	if h == nil {
		return nil
	}
	since := a.now.Add(-trendSpan - 24*time.Hour)
	ctx, cancel := a.historyCtx()
	return func() tea.Msg {
		defer cancel()
		s, err := h.Samples(ctx, since, false)
		return historySamplesMsg{samples: s, err: err}
	}
}

// loadView reads the History view's window.
func (a *App) loadView() tea.Cmd {
	h := a.opts.History
	if h == nil {
		return nil
	}
	a.hist.seq++
	a.hist.loading = true
	seq, window := a.hist.seq, a.hist.window
	since := a.now.Add(-historyWindows[window].span)
	ctx, cancel := a.historyCtx()
	return func() tea.Msg {
		defer cancel()
		s, err := h.Samples(ctx, since, true)
		if err != nil {
			return historyViewMsg{seq: seq, err: err}
		}
		c, err := h.Cleanups(ctx, since)
		if err != nil {
			return historyViewMsg{seq: seq, err: err}
		}
		return historyViewMsg{seq: seq, data: &historyData{window: window, since: since, samples: s, cleanups: c, growth: model.Growth(s, since)}}
	}
}

// maybeSample records a sample of the current measurement when a scan
// completed since the last one, its figures are in (lists, sizes and
// every layer that could be read), no clean-up is measuring, and the last
// sample the UI asked for is sampleEvery old.
func (a *App) maybeSample() tea.Cmd {
	h := a.opts.History
	if h == nil || !a.hist.want {
		return nil
	}
	if !a.loaded || !a.snap.Sized || a.snap.ContainersPending || a.layersBusy || a.run != nil || a.lastRun != nil && a.lastRun.afterPending {
		return nil // not yet: a later scan or layer batch asks again
	}
	a.hist.want = false
	if !a.hist.lastTry.IsZero() && a.now.Sub(a.hist.lastTry) < sampleEvery {
		return nil
	}
	a.hist.lastTry = a.now
	smp := model.SampleOf(a.snap, a.index, model.EngineRef{}, a.now)
	ctx, cancel := a.historyCtx()
	return func() tea.Msg {
		defer cancel()
		added, err := h.AddSampleIfDue(ctx, smp, sampleEvery)
		if err != nil || !added {
			return historyAddedMsg{err: err}
		}
		return historyAddedMsg{added: []model.Sample{smp}}
	}
}

// sampleNow records a sample of the current measurement whatever the
// last one's age: before and after a clean-up.
func (a *App) sampleNow() tea.Cmd {
	h := a.opts.History
	if h == nil {
		return nil
	}
	a.hist.lastTry = a.now
	smp := model.SampleOf(a.snap, a.index, model.EngineRef{}, a.now)
	ctx, cancel := a.historyCtx()
	return func() tea.Msg {
		defer cancel()
		if err := h.AddSample(ctx, smp); err != nil {
			return historyAddedMsg{err: err}
		}
		return historyAddedMsg{added: []model.Sample{smp}}
	}
}

// recordCleanup records the run as a clean-up, after its sample after:
// what it freed measured before → after when both were, else as predicted.
func (a *App) recordCleanup(r *cleanup) tea.Cmd {
	h := a.opts.History
	if h == nil || r.historyDone || r.deleted == 0 {
		return nil
	}
	r.historyDone = true
	c := a.cleanupOf(r)
	ctx, cancel := a.historyCtx()
	return func() tea.Msg {
		defer cancel()
		return historyAddedMsg{err: h.AddCleanup(ctx, c)}
	}
}

// cleanupOf is the run as the history records it.
func (a *App) cleanupOf(r *cleanup) model.Cleanup {
	end := r.started.Add(r.took)
	if r.took == 0 {
		end = a.now // it had not ended
	}
	c := model.Cleanup{Time: end, By: byInteractive, Objects: r.deleted, PerKind: map[model.Kind]int64{}}
	if r.before != nil && r.after != nil {
		for _, k := range model.SizedKinds {
			c.PerKind[k] = r.before[k] - r.after[k]
			c.Freed += c.PerKind[k]
		}
		return c
	}
	p := r.actual
	if r.took == 0 && r.index != nil {
		p = r.index.Compute(r.gone) // what went so far
	}
	c.PerKind = map[model.Kind]int64{model.KindImage: p.Images, model.KindContainer: p.Containers,
		model.KindVolume: p.Volumes, model.KindBuildCache: p.BuildCache}
	c.Freed = p.Total
	return c
}

// HistoryLeft is the clean-up the history has not got because the UI
// ended first (before the measure after came, or during the run), with
// what it freed as predicted: the caller records it once the program has
// stopped. ok is false when there is none.
func (a *App) HistoryLeft() (c model.Cleanup, ok bool) {
	if a.opts.History == nil {
		return model.Cleanup{}, false
	}
	for _, r := range []*cleanup{a.run, a.exitRun, a.lastRun} {
		if r != nil && !r.historyDone && r.deleted > 0 {
			return a.cleanupOf(r), true
		}
	}
	return model.Cleanup{}, false
}

// ---- Update

func (a *App) onHistorySamples(msg historySamplesMsg) {
	if msg.err != nil {
		a.hist.err = "history: cannot read it: " + oneLine(msg.err.Error())
		return
	}
	a.hist.loaded, a.hist.err = true, ""
	// Samples recorded while these were read stay.
	a.hist.samples = mergeSamples(msg.samples, a.hist.samples)
	a.hist.gen++
}

func (a *App) onHistoryAdded(msg historyAddedMsg) tea.Cmd {
	if msg.err != nil {
		a.hist.err = "history: cannot record: " + oneLine(msg.err.Error())
		return nil
	}
	if len(msg.added) == 0 {
		return nil
	}
	a.hist.err = ""
	add := make([]model.Sample, len(msg.added))
	for i, s := range msg.added {
		s.Repos = nil // the sparklines do not need them
		add[i] = s
	}
	a.hist.samples = mergeSamples(a.hist.samples, add)
	a.hist.gen++
	var cmds []tea.Cmd
	if !a.hist.loaded {
		// The first read failed (the engine did not say who it is, or the
		// database was busy): the history works now, read it again.
		cmds = append(cmds, a.loadTrend())
	}
	if a.hist.open {
		cmds = append(cmds, a.loadView())
	}
	return tea.Batch(cmds...)
}

// mergeSamples is both lists, oldest first, each time once.
func mergeSamples(a, b []model.Sample) []model.Sample {
	if len(b) == 0 {
		return a
	}
	out := append(append(make([]model.Sample, 0, len(a)+len(b)), a...), b...)
	slices.SortStableFunc(out, func(x, y model.Sample) int { return x.Time.Compare(y.Time) })
	return slices.CompactFunc(out, func(x, y model.Sample) bool { return x.Time.Equal(y.Time) })
}

func (a *App) onHistoryView(msg historyViewMsg) {
	if msg.seq != a.hist.seq {
		return
	}
	a.hist.loading = false
	if msg.err != nil {
		a.hist.err = "history: cannot read it: " + oneLine(msg.err.Error())
		return
	}
	a.hist.view, a.hist.err = msg.data, ""
	a.hist.viewGen++
}

// openHistory shows the History view, reading its window afresh.
func (a *App) openHistory() tea.Cmd {
	a.hist.open, a.hist.top = true, 0
	return a.loadView()
}

// onHistoryKey scrolls, changes the window of, or closes the History view.
func (a *App) onHistoryKey(msg tea.KeyPressMsg) tea.Cmd {
	k := a.keys
	switch {
	case key.Matches(msg, k.Quit):
		return a.onQuitKey(msg)
	case key.Matches(msg, k.Help):
		a.showHelp, a.helpTop = true, 0
	case key.Matches(msg, k.History), key.Matches(msg, k.ClearFilter):
		a.hist.open = false
	case key.Matches(msg, k.HistoryShorter):
		if a.hist.window > 0 {
			a.hist.window--
			a.hist.top = 0
			return a.loadView()
		}
	case key.Matches(msg, k.HistoryLonger):
		if a.hist.window < len(historyWindows)-1 {
			a.hist.window++
			a.hist.top = 0
			return a.loadView()
		}
	default:
		a.hist.top, _ = scrollKey(k, msg, a.hist.top, a.pageSize(), a.hist.page.maxTop)
	}
	return nil
}

// ---- Overview

// sparkWidth is the width of the Overview's sparklines at this terminal
// width, 0 when they are not shown: no history, or a terminal too narrow
// for them beside the table and a bar of at least 10 cells.
func (a *App) sparkWidth() int {
	if a.opts.History == nil {
		return 0
	}
	w := 20
	if a.width >= 140 {
		w = min(30, 20+(a.width-140)/4)
	}
	if a.width-ovBaseWidth-(w+1+changeW+2)-2 < 10 {
		return 0
	}
	return w
}

// ovBaseWidth is the Overview table without DOCKER SAYS: TYPE, TOTAL,
// ACTIVE, SIZE and RECLAIMABLE with their gaps.
const ovBaseWidth = 14 + 6 + 6 + 9 + 16 + 5*colGap

// layoutTrend computes the sparklines and changes when the samples or the
// width changed since the last time, or an hour passed.
func (a *App) layoutTrend() {
	w := a.sparkWidth()
	// The hour too: the picture's 30 days move on even without samples.
	key := [3]int64{int64(a.hist.gen), int64(w), a.now.Unix() / 3600}
	if a.hist.trend != nil && a.hist.trendKey == key {
		return
	}
	a.hist.trendKey = key
	a.hist.trend = trendOf(a.hist.samples, a.now, w)
}

// trendOf is each sized kind's sparkline of SIZE over the trendSpan up to
// now in w cells, and its change over the last trendChange (or the
// shorter span the history covers); nothing for a kind with fewer than two
// known sizes.
func trendOf(samples []model.Sample, now time.Time, w int) map[model.Kind]trendCells {
	out := map[model.Kind]trendCells{}
	if w == 0 {
		return out
	}
	// Only the span drawn counts, and the sample before it (the size
	// carried into its first cell): a long history costs no more.
	from := now.Add(-trendSpan)
	i, _ := slices.BinarySearchFunc(samples, from, func(s model.Sample, t time.Time) int { return s.Time.Compare(t) })
	samples = samples[max(i-1, 0):]
	for _, k := range model.SizedKinds {
		delta, span, ok := model.SizeChange(samples, k, trendChange)
		if !ok {
			continue
		}
		vals := model.SizeSeries(samples, k, from, now, w)
		out[k] = trendCells{spark: model.Sparkline(vals), change: model.HumanDelta(delta) + " " + spanText(span)}
	}
	return out
}

// spanText is how long a change covers: "7d", "2d", "5h", "40m".
func spanText(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd", int((d+12*time.Hour)/(24*time.Hour)))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int((d+30*time.Minute)/time.Hour))
	}
	return fmt.Sprintf("%dm", max(int(d/time.Minute), 1))
}

// trendCell is the Overview row's sparkline and change, w+1+changeW wide.
func (a *App) trendCell(k model.Kind, first bool, w int) string {
	st := &a.st
	if !k.Info().Sized {
		return strings.Repeat(" ", w+1+changeW)
	}
	c, ok := a.hist.trend[k]
	if !ok {
		if first && len(a.hist.trend) == 0 && a.hist.loaded {
			// No kind has a trend yet: say where it comes from, once.
			return st.Muted.Render(fit("no history yet · h", w+1+changeW, false))
		}
		return strings.Repeat(" ", w+1+changeW)
	}
	change := fit(c.change, changeW, true)
	switch {
	case strings.HasPrefix(c.change, "+"):
		change = st.Warn.Render(change)
	case strings.HasPrefix(c.change, "-"):
		change = st.Good.Render(change)
	default:
		change = st.Muted.Render(change)
	}
	return st.BarUsed.Render(fit(c.spark, w, false)) + " " + change
}

// ---- the History view

// layoutHistory lays the History view out (again only when its data, the
// width or the colours change) and clamps its scroll.
func (a *App) layoutHistory(h int) {
	p := &a.hist.page
	if p.lines == nil || p.width != a.width || p.dark != a.isDark || a.hist.pageGen != a.hist.viewGen {
		p.lines, p.width, p.dark, a.hist.pageGen = a.historyText(), a.width, a.isDark, a.hist.viewGen
	}
	p.maxTop = max(0, len(p.lines)-h+1)
	a.hist.top = min(max(a.hist.top, 0), p.maxTop)
}

// historyBody is the History view as layout laid it out, from its scroll.
func (a *App) historyBody(height int) []string {
	lines := a.hist.page.lines
	if a.hist.loading && a.hist.view == nil {
		lines = []string{a.historyTitle(), "", a.st.Muted.Render("  reading the history…")}
	}
	var out []string
	if a.hist.err != "" {
		out = append(out, a.st.Warn.Render(ansi.Truncate("  "+a.hist.err, a.width, "…")))
		height--
	}
	if height > 0 && len(lines) > height {
		top := min(max(a.hist.top, 0), len(lines)-height+1)
		more := len(lines) - top - (height - 1)
		hint := "  ↑/↓ scroll · [ ] window · esc or h closes"
		if more > 0 {
			hint = fmt.Sprintf("  … %d more lines (↓ to scroll) · esc or h closes", more)
		}
		return append(append(out, lines[top:top+height-1]...), a.st.Muted.Render(hint))
	}
	return append(out, lines...)
}

func (a *App) historyTitle() string {
	st := &a.st
	var tabs []string
	for i, w := range historyWindows {
		name := strings.ReplaceAll(strings.ReplaceAll(w.name, " days", "d"), " year", "y")
		if i == a.hist.window {
			tabs = append(tabs, st.Prompt.Render(name))
		} else {
			tabs = append(tabs, st.Muted.Render(name))
		}
	}
	return "  " + st.DetailHead.Render("History") + st.Muted.Render(" · last "+historyWindows[a.hist.window].name+" · ") +
		strings.Join(tabs, " ") + st.Muted.Render(" ([ ])")
}

// historyText is the whole History view at this width: per kind then →
// now with a sparkline, the clean-ups, and the repositories that changed,
// those that grew most first. With no samples it says how to start a
// history.
func (a *App) historyText() []string {
	st := &a.st
	d := a.hist.view
	lines := []string{a.historyTitle(), ""}
	w := max(a.width-2, 20)
	wrap := func(s string) []string { return wrapHanging(s, "  ", "  ", w) }
	if d == nil {
		return append(lines, st.Muted.Render("  reading the history…"))
	}
	if len(d.samples) == 0 {
		lines = append(lines, "  "+st.DetailHead.Render("No history yet")+" for this engine in the last "+historyWindows[d.window].name+".", "")
		lines = append(lines, wrap("bilge records a sample of the disk use (each kind, each image repository) each time the UI's disk-usage scan completes, at most every 10 minutes, and before and after every clean-up. For a history that does not depend on the UI being open, run `bilge record` from cron or a systemd timer, e.g. in crontab -e:")...)
		lines = append(lines, "", st.Prompt.Render("      */30 * * * * bilge record"), "")
		lines = append(lines, wrap("The Overview then shows each kind's size over 30 days and its change over the last week; this screen shows which repositories grew and what clean-ups freed.")...)
		return lines
	}
	g := d.growth
	span := g.Now.Time.Sub(g.Then.Time)
	lines = append(lines, st.Muted.Render(fmt.Sprintf("  %d %s from %s to %s (%s)", len(d.samples), plural(len(d.samples), "sample", "samples"),
		a.histTime(g.Then.Time), a.histTime(g.Now.Time), spanText(span))), "")

	// Per kind.
	sparkW := min(max(w-54, 0), 40)
	head := fmt.Sprintf("  %-14s %9s    %9s %10s", "TYPE", "THEN", "NOW", "CHANGE")
	if sparkW >= 8 {
		head += "  " + fit("SIZE OVER "+strings.ToUpper(historyWindows[d.window].name), sparkW, false)
	}
	lines = append(lines, st.ColHeader.Render(head))
	for _, c := range g.Kinds {
		if !c.Kind.Info().Sized {
			continue
		}
		change := "-"
		if delta, ok := c.Delta(); ok {
			change = model.HumanDelta(delta)
		}
		row := fmt.Sprintf("  %-14s %9s  → %9s %10s", c.Kind.String(), model.SizeText(c.Then.Size), model.SizeText(c.Now.Size), change)
		if sparkW >= 8 {
			row += "  " + st.BarUsed.Render(model.Sparkline(model.SizeSeries(d.samples, c.Kind, d.since, g.Now.Time, sparkW)))
		}
		lines = append(lines, row)
	}
	if len(d.samples) == 1 {
		lines = append(lines, "", st.Muted.Render("  one sample so far: changes show from the next one (at most 10 minutes on, or `bilge record`)"))
	}

	// Clean-ups.
	lines = append(lines, "", "  "+st.DetailHead.Render(fmt.Sprintf("Clean-ups (%d)", len(d.cleanups))))
	if len(d.cleanups) == 0 {
		lines = append(lines, st.Muted.Render("  none in this window"))
	} else {
		byW := min(max(w-54, 12), 30)
		lines = append(lines, st.ColHeader.Render(fmt.Sprintf("  %-16s  %s %7s %10s", "WHEN", fit("BY", byW, false), "OBJECTS", "FREED")))
		for i := len(d.cleanups) - 1; i >= 0; i-- { // newest first
			c := d.cleanups[i]
			lines = append(lines, fmt.Sprintf("  %-16s  %s %7d %10s", a.histTime(c.Time), fit(c.By, byW, false), c.Objects, signedSize(c.Freed)))
		}
	}

	// Repositories.
	lines = append(lines, "", "  "+st.DetailHead.Render(fmt.Sprintf("Repositories that changed (%d)", len(g.Repos)))+st.Muted.Render(" · grew most first"))
	if len(g.Repos) == 0 {
		return append(lines, st.Muted.Render("  none: every repository has the same tags and size as at the start"))
	}
	repoW := min(max(w-2-5-1-7-1-23-1-10, 12), 40)
	lines = append(lines, st.ColHeader.Render(fmt.Sprintf("  %s %-5s %7s %23s %10s", fit("REPOSITORY", repoW, false), "", "TAGS", "SIZE THEN → NOW", "CHANGE")))
	for _, r := range g.Repos {
		mark := ""
		switch {
		case r.New:
			mark = st.Warn.Render(fit("NEW", 5, false))
		case r.Gone:
			mark = st.Good.Render(fit("GONE", 5, false))
		default:
			mark = fit("", 5, false)
		}
		tags := fmt.Sprintf("%d→%d", r.TagsThen, r.TagsNow)
		sizes := fmt.Sprintf("%s → %s", model.HumanSize(r.SizeThen), model.HumanSize(r.SizeNow))
		switch {
		case r.New:
			tags, sizes = fmt.Sprintf("-→%d", r.TagsNow), "- → "+model.HumanSize(r.SizeNow)
		case r.Gone:
			tags, sizes = fmt.Sprintf("%d→-", r.TagsThen), model.HumanSize(r.SizeThen)+" → -"
		}
		lines = append(lines, fmt.Sprintf("  %s %s %7s %23s %10s", fitMiddle(r.Repo, repoW), mark, tags, sizes, model.HumanDelta(r.Delta())))
	}
	return lines
}

// histTime is a sample's or clean-up's time, in the UI clock's zone.
func (a *App) histTime(t time.Time) string {
	return t.In(a.now.Location()).Format("2006-01-02 15:04")
}
