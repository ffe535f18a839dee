// Package ui is bilge's full-screen terminal UI: one root model that owns
// the snapshot, the refresh loop and one table per kind.
package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"bilge/model"
)

// Options configure the UI.
type Options struct {
	// Interval is the ping period (connection state and data age), and the
	// resync period while the event stream is down.
	Interval time.Duration
	// Resync is the period of the full re-list that catches lost events.
	Resync time.Duration
	// ReadOnly disables marking and deleting.
	ReadOnly bool
	// Now is the clock; tests fix it.
	Now func() time.Time
	// Title names the engine in the header (host or context).
	Title string
	// Parallel is how many deletions run at once.
	Parallel int
	// Trace, when set, receives one line per milestone ("rows", "sized")
	// with its wall-clock time, for the benchmark harness.
	Trace io.Writer
	// Recorder, when set, logs every deletion (the deletions log).
	Recorder Recorder
	// Policy, when set, is the retention policy the presets menu offers;
	// PolicyPath names its file there. PolicyErr, when set, says in one
	// line why the policy file cannot be used (Policy is nil then).
	Policy     *model.Policy
	PolicyPath string
	PolicyErr  string
}

type connState int

const (
	connConnecting connState = iota
	connConnected
	connReconnecting
)

// Minimum terminal size the layout is drawn for.
const (
	minWidth  = 60
	minHeight = 15
)

// App is the root model.
type App struct {
	ctx  context.Context
	eng  Engine
	opts Options

	keys   KeyMap
	st     Styles
	isDark bool
	help   help.Model
	spin   spinner.Model
	input  textinput.Model

	width, height int
	active        int // 0 is the Overview; 1–5 the kinds
	tabs          [5]*tab
	ovCursor      int

	filtering bool
	filterErr string
	// errLines is filterErr wrapped above the status line when it does
	// not fit beside the input (layout.go).
	errLines []string
	// filterBefore is the filter in place when editing began.
	filterBefore model.Filter
	showHelp     bool
	helpTop      int // first line of the help shown
	helpPage     helpPage
	showDetails  bool
	detailTop    int
	// detail is the details of the object under the cursor, wrapped to
	// their pane (layout.go).
	detail []string

	snap   *model.Snapshot
	du     *model.DiskUsage
	usage  []model.Usage
	loaded bool
	now    time.Time

	conn         connState
	connErr      string
	offlineSince time.Time
	lastData     time.Time
	backoff      time.Duration
	lastErr      string

	seq        int
	applied    [5]int // seq of the data each kind shows
	listing    bool
	lastResync time.Time
	kindBusy   [5]bool
	kindAgain  [5]bool

	dfRunning, dfDirty, dfHeld bool
	dfStart                    time.Time
	dfLast                     time.Duration

	evGen      int
	evCancel   context.CancelFunc
	eventsUp   bool
	pending    [5]bool
	debouncing bool

	spinning     bool
	eventsReader tea.Cmd

	// Exact reclaim and marks.
	marks       *model.Marks
	index       *model.ReclaimIndex
	tally       *model.Tally
	reclaim     model.Reclaim
	exact       map[model.Kind]model.KindReclaim
	layers      map[string]model.ImageLayers
	layersTried map[string]bool
	layersBusy  bool

	// Deleting.
	dialog     *confirmDialog
	dialogPlan model.Plan
	presets    *presetMenu
	policy     policyState
	run        *cleanup
	lastRun    *cleanup
	quitAsk    bool
	// quitting: the user confirmed quitting during a run; bilge quits
	// when the worker's in-flight calls return.
	quitting bool
	// exitRun is the run the user quit during, for ExitReport.
	exitRun *cleanup
	// flash is a one-off message in the status line, cleared by the next key.
	flash  string
	traced map[string]bool
}

// New builds the UI over an engine. ctx bounds every engine call.
func New(ctx context.Context, eng Engine, opts Options) *App {
	if opts.Interval <= 0 {
		opts.Interval = 2 * time.Second
	}
	if opts.Resync <= 0 {
		opts.Resync = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	a := &App{
		ctx:    ctx,
		eng:    eng,
		opts:   opts,
		keys:   NewKeyMap(opts.ReadOnly),
		isDark: true,
		help:   help.New(),
		spin:   spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		input:  textinput.New(),
		snap:   &model.Snapshot{},
		now:    opts.Now(),

		marks:       model.NewMarks(),
		layers:      map[string]model.ImageLayers{},
		layersTried: map[string]bool{},
	}
	a.input.Prompt = "/"
	a.input.Placeholder = "text, is:dangling, larger:500MB, older:30d, label:k=v"
	// Past the filter's own limit the query is refused with a message;
	// beyond that the input stops growing, so a pasted wall of text costs
	// no more per key than a query at the limit.
	a.input.CharLimit = model.MaxFilterLen + 1
	a.setStyles(true)
	for i, v := range []kindView{imagesView{}, containersView{}, volumesView{}, networksView{}, buildCacheView{}} {
		a.tabs[i] = newTab(v)
	}
	a.snap.ClearSizes()
	a.usage = overviewUsage(a.snap)
	a.reindex()
	a.active = 0 // the Overview: where the space went, at a glance
	return a
}

func (a *App) setStyles(dark bool) {
	a.isDark = dark
	a.st = NewStyles(dark)
	a.help.Styles = help.Styles{
		ShortKey:       lipgloss.NewStyle().Foreground(a.st.HelpKey),
		ShortDesc:      lipgloss.NewStyle().Foreground(a.st.HelpDesc),
		ShortSeparator: lipgloss.NewStyle().Foreground(a.st.HelpSep),
		Ellipsis:       lipgloss.NewStyle().Foreground(a.st.HelpSep),
		FullKey:        lipgloss.NewStyle().Foreground(a.st.HelpKey),
		FullDesc:       lipgloss.NewStyle().Foreground(a.st.HelpDesc),
		FullSeparator:  lipgloss.NewStyle().Foreground(a.st.HelpSep),
	}
	a.spin.Style = a.st.Muted
}

// Init starts the first fetches: the cheap lists and the event stream at
// once, and the ping loop. The costly sizes start when the lists are in:
// on engines before 23.0 a disk-usage scan competes with the lists for
// the daemon's CPU and would delay the first rows by half again.
func (a *App) Init() tea.Cmd {
	return tea.Batch(
		a.trace("init"),
		tea.RequestBackgroundColor,
		a.startLists(),
		a.subscribe(),
		tickAfter(a.opts.Interval, pingTickMsg{}),
		a.startSpinner(),
	)
}

// ---- refresh loop

func (a *App) startLists() tea.Cmd {
	if a.listing {
		return nil
	}
	a.listing = true
	a.seq++
	a.lastResync = a.now
	return a.listsCmd(a.seq, !a.loaded)
}

func (a *App) startKind(k model.Kind) tea.Cmd {
	if k == model.KindBuildCache {
		return nil // build cache only comes with disk usage
	}
	if a.kindBusy[k] {
		a.kindAgain[k] = true
		return nil
	}
	a.kindBusy[k] = true
	a.seq++
	return a.kindCmd(k, a.seq)
}

type subscribedMsg struct {
	gen  int
	evc  <-chan model.Event
	errc <-chan error
}

func (a *App) subscribe() tea.Cmd {
	if a.evCancel != nil {
		a.evCancel()
	}
	a.evGen++
	gen := a.evGen
	ctx, cancel := context.WithCancel(a.ctx)
	a.evCancel = cancel
	a.eventsUp = true
	eng := a.eng
	return func() tea.Msg {
		evc, errc := eng.Events(ctx)
		return subscribedMsg{gen: gen, evc: evc, errc: errc}
	}
}

func (a *App) stopEvents() {
	if a.evCancel != nil {
		a.evCancel()
		a.evCancel = nil
	}
	a.evGen++
	a.eventsUp = false
}

// requestDF runs system df unless one is running (then it runs again after)
// or one ran too recently: the gap grows with how long df takes, so a
// host where df costs seconds is not kept busy by a stream of changes.
func (a *App) requestDF(force bool) tea.Cmd {
	if a.dfRunning {
		a.dfDirty = true
		return nil
	}
	if !force && !a.dfStart.IsZero() {
		gap := min(max(10*a.dfLast, 2*time.Second), 30*time.Second)
		if wait := gap - a.now.Sub(a.dfStart); wait > 0 {
			if !a.dfHeld {
				a.dfHeld = true
				return tickAfter(wait, diskUsageRetryMsg{})
			}
			return nil
		}
	}
	a.dfRunning = true
	a.dfStart = a.now
	return tea.Batch(a.diskUsageCmd(), a.startSpinner())
}

func (a *App) busy() bool {
	if a.listing || a.dfRunning {
		return true
	}
	for _, b := range a.kindBusy {
		if b {
			return true
		}
	}
	return false
}

func (a *App) startSpinner() tea.Cmd {
	if a.spinning {
		return nil
	}
	a.spinning = true
	return a.spin.Tick
}

// rebuild re-derives everything after data changed: relations, sizes from
// the last disk usage, the Overview, and the tables (lazily: the visible
// one now, the others when shown).
func (a *App) rebuild() tea.Cmd {
	a.snap.ClearSizes()
	a.snap.Link()
	if a.du != nil {
		a.snap.ApplyDiskUsage(a.du)
	}
	var missing []string
	if !a.snap.ContainersPending {
		// Layers wait for the full lists: their reads would compete with
		// the container list, and frees need the containers anyway.
		missing = a.snap.ApplyLayers(a.layers)
	}
	a.usage = overviewUsage(a.snap)
	a.reindex()
	for _, t := range a.tabs {
		t.dirty = true
	}
	a.applyActive()
	if a.dialog != nil {
		a.dialogDataChanged()
	}
	if a.presets != nil && a.presets.policyPending && !a.presets.editing {
		a.presetRows()
	}
	return a.fetchLayers(missing)
}

// overviewUsage is the docker system df rows in the tabs' order (model.Kinds),
// so row n of the Overview is tab n+2. bilge df keeps docker's order.
func overviewUsage(s *model.Snapshot) []model.Usage {
	out := make([]model.Usage, 0, len(model.Kinds))
	for _, k := range model.Kinds {
		out = append(out, s.UsageOf(k))
	}
	return out
}

func (a *App) applyActive() {
	if t := a.tab(); t != nil && t.dirty {
		t.apply(a.snap, a.index, a.now)
	}
}

// tab is the current table, nil on the Overview.
func (a *App) tab() *tab {
	if a.active == 0 {
		return nil
	}
	return a.tabs[a.active-1]
}

// engineDown handles an error from any call: a lost connection turns the
// header to reconnecting and keeps the rows, marked stale.
func (a *App) engineDown(err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	if !isConnErr(err) {
		a.lastErr = oneLine(err.Error())
		return
	}
	if a.conn == connConnected || a.conn == connConnecting {
		if a.conn == connConnected {
			a.offlineSince = a.now
		}
		a.conn = connReconnecting
		a.stopEvents()
	}
	a.connErr = oneLine(err.Error())
}

// unreachable is the engine's way of saying it cannot be reached: its
// connection and timeout errors (dockerapi.ConnectError, TimeoutError)
// report Unreachable. Checked by type, never by the words of a message.
type unreachable interface{ Unreachable() bool }

// isConnErr reports an error that means the engine is not reachable (or
// stopped answering), as opposed to one call that failed.
func isConnErr(err error) bool {
	var u unreachable
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &u) && u.Unreachable()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (a *App) nextBackoff() time.Duration {
	switch {
	case a.backoff == 0:
		a.backoff = 500 * time.Millisecond
	default:
		a.backoff = min(a.backoff*2, 8*time.Second)
	}
	return a.backoff
}

// ---- Update

// Update handles one message. It never does I/O: engine calls run in the
// commands it returns. Whatever the message changed (size, data, cursor,
// filter, mode), the layout follows before the next View (layout.go), so
// View only reads it and paging never depends on the last frame drawn.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	defer a.layout()
	a.now = a.opts.Now()
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		a.help.SetWidth(msg.Width)
		// Half the line for typing, the rest for what is wrong with it.
		a.input.SetWidth(min(max(msg.Width/2-4, 10), 60))
		return a, nil
	case tea.BackgroundColorMsg:
		a.setStyles(msg.IsDark())
		return a, nil
	case tea.KeyPressMsg:
		return a, a.onKey(msg)
	case tea.PasteMsg:
		// A bracketed paste goes to the filter being typed, and nowhere
		// else: pasted text never acts as keys.
		if a.mode() == modeFilter {
			return a, a.editFilter(msg)
		}
		return a, nil
	case tea.MouseWheelMsg:
		return a, a.onWheel(msg)
	case tea.MouseClickMsg:
		return a, a.onClick(msg)
	case spinner.TickMsg:
		if !a.busy() {
			a.spinning = false
			return a, nil
		}
		var cmd tea.Cmd
		a.spin, cmd = a.spin.Update(msg)
		return a, cmd
	case earlyImagesMsg:
		return a, a.onEarlyImages(msg)
	case listsMsg:
		return a, a.onLists(msg)
	case kindMsg:
		return a, a.onKind(msg)
	case diskUsageMsg:
		return a, a.onDiskUsage(msg)
	case diskUsageRetryMsg:
		a.dfHeld = false
		return a, a.requestDF(false)
	case pingTickMsg:
		return a, a.pingCmd()
	case pingMsg:
		return a, a.onPing(msg)
	case subscribedMsg:
		if msg.gen != a.evGen {
			return a, nil
		}
		a.eventsReader = waitEvents(msg.gen, msg.evc, msg.errc)
		return a, a.eventsReader
	case eventsMsg:
		return a, a.onEvents(msg)
	case eventsEndMsg:
		if msg.gen == a.evGen {
			a.eventsUp = false
			a.engineDown(msg.err)
		}
		return a, nil
	case debounceMsg:
		return a, a.onDebounce()
	case layersMsg:
		return a, a.onLayers(msg)
	case policyTimesMsg:
		a.onPolicyTimes(msg)
		return a, nil
	case runStartedMsg:
		if a.run != nil {
			a.run.ch = msg.ch
			return a, waitOutcome(msg.ch)
		}
		return a, nil
	case outcomeMsg:
		return a, a.onOutcome(msg)
	}
	if a.filtering {
		var cmd tea.Cmd
		a.input, cmd = a.input.Update(msg)
		return a, cmd
	}
	return a, nil
}

// onEarlyImages shows the image list of the first load while the other
// lists are still coming: rows, counts and image sizes, with what depends
// on containers (status, users, frees) pending.
func (a *App) onEarlyImages(msg earlyImagesMsg) tea.Cmd {
	if a.loaded || msg.seq != a.seq {
		return msg.rest
	}
	s := &model.Snapshot{Images: msg.images, ContainersPending: true}
	a.snap = s
	cmd := a.rebuild()
	return tea.Batch(cmd, a.trace("rows"), msg.rest)
}

func (a *App) onLists(msg listsMsg) tea.Cmd {
	a.listing = false
	if msg.err != nil {
		a.engineDown(msg.err)
		return nil
	}
	changed := !a.loaded || idsChanged(a.snap, msg.snap)
	old := a.snap
	s := msg.snap
	if !a.loaded {
		a.conn = connConnected
	}
	// Keep kinds a newer per-kind re-list already brought.
	for k := range a.applied {
		if a.applied[k] > msg.seq {
			switch model.Kind(k) {
			case model.KindImage:
				s.Images = old.Images
			case model.KindContainer:
				s.Containers = old.Containers
			case model.KindVolume:
				s.Volumes = old.Volumes
			case model.KindNetwork:
				s.Networks = old.Networks
			}
		} else {
			a.applied[k] = msg.seq
		}
	}
	a.snap = s
	a.loaded = true
	a.lastData = a.now
	a.lastErr = ""
	cmd := a.rebuild()
	if len(s.Images) > 0 {
		cmd = tea.Batch(cmd, a.trace("rows"), a.trace("lists"))
	}
	if a.du == nil && a.dfStart.IsZero() {
		return tea.Batch(cmd, a.requestDF(true)) // the first scan
	}
	if changed && a.du != nil {
		return tea.Batch(cmd, a.requestDF(false))
	}
	return cmd
}

// idsChanged reports whether a resync found objects that came or went.
func idsChanged(old, cur *model.Snapshot) bool {
	if len(old.Images) != len(cur.Images) || len(old.Containers) != len(cur.Containers) ||
		len(old.Volumes) != len(cur.Volumes) || len(old.Networks) != len(cur.Networks) {
		return true
	}
	ids := make(map[string]struct{}, len(old.Images)+len(old.Containers)+len(old.Volumes))
	for i := range old.Images {
		ids[old.Images[i].ID] = struct{}{}
	}
	for i := range old.Containers {
		ids[old.Containers[i].ID+"/"+old.Containers[i].State] = struct{}{}
	}
	for i := range old.Volumes {
		ids[old.Volumes[i].Name] = struct{}{}
	}
	for i := range cur.Images {
		if _, ok := ids[cur.Images[i].ID]; !ok {
			return true
		}
	}
	for i := range cur.Containers {
		if _, ok := ids[cur.Containers[i].ID+"/"+cur.Containers[i].State]; !ok {
			return true
		}
	}
	for i := range cur.Volumes {
		if _, ok := ids[cur.Volumes[i].Name]; !ok {
			return true
		}
	}
	return false
}

func (a *App) onKind(msg kindMsg) tea.Cmd {
	a.kindBusy[msg.kind] = false
	var again tea.Cmd
	if a.kindAgain[msg.kind] {
		a.kindAgain[msg.kind] = false
		again = a.startKind(msg.kind)
	}
	if msg.err != nil {
		a.engineDown(msg.err)
		return again
	}
	if msg.seq < a.applied[msg.kind] {
		return again // a newer full resync already brought this kind
	}
	a.applied[msg.kind] = msg.seq
	switch data := msg.data.(type) {
	case []model.Image:
		a.snap.Images = data
	case []model.Container:
		a.snap.Containers = data
	case []model.Volume:
		a.snap.Volumes = data
	case []model.Network:
		a.snap.Networks = data
	}
	a.lastData = a.now
	return tea.Batch(again, a.rebuild())
}

func (a *App) onDiskUsage(msg diskUsageMsg) tea.Cmd {
	a.dfRunning = false
	a.dfLast = a.now.Sub(a.dfStart)
	if msg.err != nil {
		if strings.Contains(msg.err.Error(), "already running") {
			// Someone else's df is running (engines before 23.0 refuse a
			// second one): try again shortly.
			a.dfHeld = true
			return tickAfter(2*time.Second, diskUsageRetryMsg{})
		}
		a.engineDown(msg.err)
		if r := a.lastRun; r != nil && r.afterPending {
			r.afterErr = "the engine did not answer"
			if isConnErr(msg.err) {
				r.afterErr = "engine unreachable"
			}
		}
		return nil
	}
	a.du = msg.du
	cmds := []tea.Cmd{a.rebuild(), a.trace("sized")}
	// A scan that began before the moment a run must measure from is not
	// its before (or the last run's after): measure again.
	again := false
	if r := a.run; r != nil && r.phase == phaseBefore {
		if a.dfStart.Before(r.measureFrom) {
			again = true
		} else {
			cmds = append(cmds, a.onRunMeasured(msg.du))
		}
	}
	if r := a.lastRun; r != nil && r.afterPending {
		if a.dfStart.Before(r.measureFrom) {
			again = true
		} else {
			a.onAfterMeasured(msg.du)
		}
	}
	if again {
		a.dfDirty = false
		return tea.Batch(append(cmds, a.requestDF(true))...)
	}
	if a.dfDirty {
		a.dfDirty = false
		cmds = append(cmds, a.requestDF(false))
	}
	return tea.Batch(cmds...)
}

func (a *App) onPing(msg pingMsg) tea.Cmd {
	var cmds []tea.Cmd
	if msg.err != nil {
		a.engineDown(msg.err)
		if !isConnErr(msg.err) {
			a.engineDown(errors.New("cannot connect: " + msg.err.Error()))
		}
		return tickAfter(a.nextBackoff(), pingTickMsg{})
	}
	a.backoff = 0
	if a.conn != connConnected {
		// Back: resync everything and listen again.
		a.conn = connConnected
		a.connErr = ""
		a.listing = false
		cmds = append(cmds, a.startLists(), a.subscribe(), a.requestDF(true), a.startSpinner())
	} else {
		due := a.opts.Resync
		if !a.eventsUp {
			due = a.opts.Interval
			cmds = append(cmds, a.subscribe())
		}
		if a.now.Sub(a.lastResync) >= due {
			cmds = append(cmds, a.startLists(), a.startSpinner())
		}
	}
	cmds = append(cmds, tickAfter(a.opts.Interval, pingTickMsg{}))
	return tea.Batch(cmds...)
}

func (a *App) onEvents(msg eventsMsg) tea.Cmd {
	if msg.gen != a.evGen {
		return nil
	}
	for _, ev := range msg.events {
		a.pending[ev.Kind] = true
		if ev.Kind == model.KindContainer {
			// Containers change what uses images, volumes and networks, but
			// those relations come from the container list itself.
			continue
		}
	}
	cmds := []tea.Cmd{a.rearmEvents()}
	if !a.debouncing {
		a.debouncing = true
		cmds = append(cmds, tickAfter(250*time.Millisecond, debounceMsg{}))
	}
	return tea.Batch(cmds...)
}

// rearmEvents is set by subscribedMsg; eventsMsg re-arms the same reader.
func (a *App) rearmEvents() tea.Cmd { return a.eventsReader }

func (a *App) onDebounce() tea.Cmd {
	a.debouncing = false
	var cmds []tea.Cmd
	for k, p := range a.pending {
		if p {
			cmds = append(cmds, a.startKind(model.Kind(k)))
			a.pending[k] = false
		}
	}
	cmds = append(cmds, a.requestDF(false), a.startSpinner())
	return tea.Batch(cmds...)
}

// ---- keys

// onKey lets a key act only in the mode on screen (mode.go decides which
// keys each accepts), then hands it to that mode's handler.
func (a *App) onKey(msg tea.KeyPressMsg) tea.Cmd {
	m := a.mode()
	if !a.accepts(m, msg) {
		return nil
	}
	a.flash = ""
	if (m == modeConfirm || m == modePresets) && key.Matches(msg, a.keys.Help) {
		// The help opens over the dialog or the menu; esc comes back.
		a.showHelp, a.helpTop = true, 0
		return nil
	}
	switch m {
	case modeTooSmall:
		return a.onQuitKey(msg)
	case modeQuitPrompt:
		return a.onQuitPromptKey(msg)
	case modeFilter:
		return a.onFilterKey(msg)
	case modeConfirm:
		return a.onDialogKey(msg)
	case modePresets:
		return a.onPresetKey(msg)
	case modeHelp:
		return a.onHelpKey(msg)
	}
	return a.onBrowseKey(msg)
}

// onQuitKey is q or ctrl+c outside the quit prompt: quit, or ask first
// while a clean-up runs or something is marked (the marks would be lost).
func (a *App) onQuitKey(msg tea.KeyPressMsg) tea.Cmd {
	if a.quitAsk || (a.quitting && a.run != nil) {
		return a.onQuitPromptKey(msg)
	}
	if a.run != nil || a.marks.Len() > 0 {
		a.quitAsk = true
		return nil
	}
	a.stopEvents()
	return tea.Quit
}

// onQuitPromptKey answers "Quit anyway?".
func (a *App) onQuitPromptKey(msg tea.KeyPressMsg) tea.Cmd {
	k := a.keys
	if a.run != nil && msg.String() == "ctrl+c" && (a.quitAsk || a.quitting) {
		// Second ctrl+c: quit now, whatever the worker is doing; what is
		// in flight is told on stderr (ExitReport).
		a.quitAsk, a.quitting, a.exitRun = false, true, a.run
		a.cancelRun()
		return tea.Quit
	}
	if a.quitAsk && a.run == nil {
		// Asked because of the marks: y or a second ctrl+c quits.
		a.quitAsk = false
		if key.Matches(msg, k.Confirm) || msg.String() == "ctrl+c" {
			a.stopEvents()
			return tea.Quit
		}
		return nil
	}
	if a.quitAsk {
		a.quitAsk = false
		if key.Matches(msg, k.Confirm) {
			// Quit once in-flight calls return (each has a deadline).
			a.quitting, a.exitRun = true, a.run
			a.cancelRun()
			if a.run == nil || a.run.phase != phaseDeleting {
				return tea.Quit
			}
		}
		return nil
	}
	return nil
}

// onHelpKey scrolls or closes the ? screen.
func (a *App) onHelpKey(msg tea.KeyPressMsg) tea.Cmd {
	k := a.keys
	switch {
	case key.Matches(msg, k.Quit):
		return a.onQuitKey(msg)
	case key.Matches(msg, k.Help), key.Matches(msg, k.ClearFilter):
		a.showHelp = false
	case key.Matches(msg, k.Down):
		a.helpTop = min(a.helpTop+1, a.helpPage.maxTop)
	case key.Matches(msg, k.Up):
		a.helpTop = max(a.helpTop-1, 0)
	case key.Matches(msg, k.PageDown):
		a.helpTop = min(a.helpTop+a.pageSize(), a.helpPage.maxTop)
	case key.Matches(msg, k.PageUp):
		a.helpTop = max(a.helpTop-a.pageSize(), 0)
	case key.Matches(msg, k.Top):
		a.helpTop = 0
	case key.Matches(msg, k.Bottom):
		a.helpTop = a.helpPage.maxTop
	}
	return nil
}

// onBrowseKey is a key on the Overview or a table, with details beside or
// over it, while a clean-up runs or not.
func (a *App) onBrowseKey(msg tea.KeyPressMsg) tea.Cmd {
	k := a.keys
	switch {
	case key.Matches(msg, k.Quit):
		return a.onQuitKey(msg)
	case a.run != nil && msg.String() == "esc" && !a.showDetails:
		a.cancelRun()
		return nil
	case key.Matches(msg, k.Help):
		a.showHelp = true
		a.helpTop = 0
		return nil
	}
	for i, b := range k.Tab {
		if key.Matches(msg, b) {
			a.setActive(i)
			return nil
		}
	}
	switch {
	case key.Matches(msg, k.NextTab):
		a.setActive((a.active + 1) % 6)
	case key.Matches(msg, k.PrevTab):
		a.setActive((a.active + 5) % 6)
	case key.Matches(msg, k.Refresh):
		a.listing = false
		return tea.Batch(a.startLists(), a.requestDF(true), a.pingCmd(), a.startSpinner())
	case key.Matches(msg, k.Up):
		a.moveCursor(-1)
	case key.Matches(msg, k.Down):
		a.moveCursor(1)
	case key.Matches(msg, k.PageUp):
		a.moveCursor(-a.pageSize())
	case key.Matches(msg, k.PageDown):
		a.moveCursor(a.pageSize())
	case key.Matches(msg, k.Top):
		a.moveCursor(-1 << 30)
	case key.Matches(msg, k.Bottom):
		a.moveCursor(1 << 30)
	case key.Matches(msg, k.SortSize):
		a.toggleSort(model.SortSize)
	case key.Matches(msg, k.SortAge):
		a.toggleSort(model.SortAge)
	case key.Matches(msg, k.SortName):
		a.toggleSort(model.SortName)
	case key.Matches(msg, k.SortLeft):
		a.moveSort(-1)
	case key.Matches(msg, k.SortRight):
		a.moveSort(1)
	case key.Matches(msg, k.Reverse):
		if t := a.tab(); t != nil {
			a.setSort(t, model.Sort{Key: t.sort.Key, Desc: !t.sort.Desc}, t.pressed)
		}
	case key.Matches(msg, k.Filter):
		if t := a.tab(); t != nil {
			a.filtering = true
			a.filterErr = ""
			a.filterBefore = t.filter
			a.input.SetValue(t.filter.String())
			a.input.CursorEnd()
			return a.input.Focus()
		}
	case key.Matches(msg, k.Details):
		if a.active == 0 {
			a.setActive(int(a.usage[a.ovCursor].Kind) + 1)
			return nil
		}
		a.showDetails = !a.showDetails
		a.detailTop = 0
	case a.opts.ReadOnly && isWriteKey(msg):
		a.flash = "read-only (--read-only): marking and deleting are off"
	case !a.loaded && isWriteKey(msg):
		a.flash = "still listing: marking opens once every list is in"
	case key.Matches(msg, k.Mark):
		a.toggleMark()
	case key.Matches(msg, k.MarkAll):
		a.markAllShown()
	case key.Matches(msg, k.UnmarkAll):
		a.unmarkAll()
	case key.Matches(msg, k.Delete):
		if a.run != nil {
			a.flash = "a clean-up is running: wait for it, or esc to cancel it"
			return nil
		}
		a.openConfirm()
	case key.Matches(msg, k.Presets):
		if a.run == nil {
			return a.openPresets()
		}
	case key.Matches(msg, k.Dismiss):
		a.lastRun = nil
	case key.Matches(msg, k.ClearFilter):
		switch {
		case a.showDetails:
			a.showDetails = false
		case a.tab() != nil && !a.tab().filter.Empty():
			a.setFilter(model.Filter{})
			a.filterErr = ""
		}
	}
	return nil
}

func (a *App) onFilterKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case msg.String() == "ctrl+c":
		return a.onQuitKey(msg) // q is text here; ctrl+c still quits
	case key.Matches(msg, a.keys.Apply):
		if a.filterErr == "" {
			a.filtering = false
			a.input.Blur()
		}
		return nil
	case key.Matches(msg, a.keys.Cancel):
		// Cancel the edit: the filter in place before it stays (a second
		// esc clears it).
		a.filtering = false
		a.filterErr = ""
		a.input.Blur()
		a.setFilter(a.filterBefore)
		return nil
	}
	return a.editFilter(msg)
}

// editFilter types into the filter (a key or a paste) and applies what it
// now says, or says what is wrong with it.
func (a *App) editFilter(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	before := a.input.Value()
	a.input, cmd = a.input.Update(msg)
	if q := a.input.Value(); q != before {
		f, err := model.ParseFilter(q)
		if err != nil {
			// Say what is wrong and leave the filter that was in place
			// before editing: never filter silently to nothing.
			a.filterErr = err.Error()
			a.setFilter(a.filterBefore)
		} else {
			a.filterErr = ""
			a.setFilter(f)
		}
	}
	return cmd
}

func (a *App) setFilter(f model.Filter) {
	t := a.tab()
	if t == nil {
		return
	}
	t.filter = f
	prev := t.selected
	t.apply(a.snap, a.index, a.now)
	if t.selected != prev {
		// The row under the cursor is filtered out: show the matches from
		// the top, not from wherever the old position lands.
		t.moveTo(a.snap, 0)
	}
}

func (a *App) setActive(i int) {
	a.active = i
	a.showDetails = false
	a.applyActive()
}

// toggleSort is a press of s, a or n: the first selects that column in
// its natural direction (largest, oldest, A first), the next reverses.
func (a *App) toggleSort(k model.SortKey) {
	t := a.tab()
	if t == nil {
		return
	}
	if !sortableBy(t.view, k) {
		a.flash = fmt.Sprintf("%s have no %s: sort by age (a) or name (n), or pick a column with < >", strings.ToLower(t.view.kind().String()), k)
		return
	}
	srt := model.NewSort(k)
	if t.pressed && t.sort.Key == k {
		srt = t.sort.Toggle(k)
	}
	a.setSort(t, srt, true)
}

// moveSort is < or >: sort by the next sortable column to the left or
// right (wrapping), in its natural direction.
func (a *App) moveSort(dir int) {
	t := a.tab()
	if t == nil {
		return
	}
	keys := sortKeys(t.view)
	at := 0
	for i, k := range keys {
		if k == t.sort.Key {
			at = i
		}
	}
	a.setSort(t, model.NewSort(keys[(at+dir+len(keys))%len(keys)]), false)
}

// setSort orders the tab and says how, with the key that reverses it.
func (a *App) setSort(t *tab, srt model.Sort, pressed bool) {
	t.sort, t.pressed = srt, pressed
	t.apply(a.snap, a.index, a.now)
	// A new order is read from its top: the largest, the oldest, A.
	t.moveTo(a.snap, 0)
	again := "r"
	if pressed {
		again = a.sortKeyOf(srt.Key) + " or r"
	}
	rev := model.Sort{Key: srt.Key, Desc: !srt.Desc}
	a.flash = fmt.Sprintf("sorted by %s, %s · %s: %s · < > other columns", columnTitle(t.view, srt.Key), srt.Words(), again, rev.Words())
}

// sortKeyOf is the key that sorts by k (s, a, n).
func (a *App) sortKeyOf(k model.SortKey) string {
	switch k {
	case model.SortSize:
		return a.keys.SortSize.Help().Key
	case model.SortAge:
		return a.keys.SortAge.Help().Key
	}
	return a.keys.SortName.Help().Key
}

func (a *App) moveCursor(delta int) {
	if a.showDetails && a.width < splitWidth {
		a.detailTop = max(a.detailTop+delta, 0)
		return
	}
	if a.active == 0 {
		if a.scrollResults(delta) {
			return
		}
		a.ovCursor = min(max(a.ovCursor+delta, 0), len(model.Kinds)-1)
		return
	}
	t := a.tab()
	t.move(a.snap, delta)
	a.detailTop = 0
}

func (a *App) pageSize() int { return max(a.tableRows()-1, 1) }

// ---- mouse

// onWheel scrolls what is on screen: the table, the details, the help or
// the dialog.
func (a *App) onWheel(msg tea.MouseWheelMsg) tea.Cmd {
	delta := 0
	switch msg.Button {
	case tea.MouseWheelUp:
		delta = -3
	case tea.MouseWheelDown:
		delta = 3
	}
	switch a.mode() {
	case modeBrowse, modeRunning, modeDetails:
		a.moveCursor(delta)
	case modeHelp:
		a.helpTop = min(max(a.helpTop+delta, 0), a.helpPage.maxTop)
	case modeConfirm:
		a.dialog.top = min(max(a.dialog.top+delta, 0), a.dialog.maxTop)
	}
	return nil
}

// onClick selects a tab or a row, only where the tab bar or the table is
// what the screen shows.
func (a *App) onClick(msg tea.MouseClickMsg) tea.Cmd {
	m := a.mode()
	if msg.Button != tea.MouseLeft || m != modeBrowse && m != modeRunning && m != modeDetails {
		return nil
	}
	if msg.Y == 1 {
		for i, r := range a.tabRanges() {
			if msg.X >= r[0] && msg.X < r[1] {
				a.setActive(i)
				return nil
			}
		}
		return nil
	}
	row := msg.Y - bodyTop - 1 // first line of the body is the column header
	if row < 0 || m == modeDetails {
		return nil // the details cover the table
	}
	if a.active == 0 {
		if row < len(model.Kinds) {
			a.ovCursor = row
		}
		return nil
	}
	t := a.tab()
	if pos := t.offset + row; row < a.tableRows() && pos < len(t.rows) {
		t.moveTo(a.snap, pos)
		a.detailTop = 0
	}
	return nil
}

// assert App is a tea.Model.
var _ tea.Model = (*App)(nil)

// trace records a milestone once, for the benchmark harness; the write
// happens in a command, not in Update.
func (a *App) trace(what string) tea.Cmd {
	if a.opts.Trace == nil || a.traced[what] {
		return nil
	}
	if a.traced == nil {
		a.traced = map[string]bool{}
	}
	a.traced[what] = true
	w, at := a.opts.Trace, time.Now()
	return func() tea.Msg {
		fmt.Fprintf(w, "%s %d\n", what, at.UnixNano())
		return nil
	}
}
