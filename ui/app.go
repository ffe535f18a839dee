// Package ui is bilge's full-screen terminal UI: one root model that owns
// the snapshot, the refresh loop and one table per kind.
package ui

import (
	"context"
	"fmt"
	"io"
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
	// History, when set, is this engine's disk-usage history: the
	// Overview's sparklines and the History view read it, and the UI
	// records its measurements and clean-ups in it (history.go).
	History History
	// Fleet, when set, is the engine's name in a fleet (bilge --fleet):
	// the confirmation names it, and esc or backspace with nothing to
	// close goes back to the Engines view (fleet.go).
	Fleet string
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
	active        int                  // 0 is the Overview; then the kinds (tabKind)
	tabs          [model.NumKinds]*tab // by kind
	ovCursor      int

	// grouped: the Images tab shows repoTab, its images grouped by
	// repository (R toggles; repos.go).
	grouped bool
	repoTab *tab

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
	applied    [model.NumKinds]int // seq of the data each kind shows
	listing    bool
	lastResync time.Time
	kindBusy   [model.NumKinds]bool
	kindAgain  [model.NumKinds]bool

	dfRunning, dfDirty, dfHeld bool
	dfStart                    time.Time
	dfLast                     time.Duration

	evGen      int
	evCancel   context.CancelFunc
	eventsUp   bool
	pending    [model.NumKinds]bool
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

	// hist is the history and the History view (history.go).
	hist historyState
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
	a.hist.window = defaultWindow
	if opts.Fleet != "" {
		a.keys.Back.SetEnabled(true)
	}
	if opts.History == nil {
		for _, b := range []*key.Binding{&a.keys.History, &a.keys.HistoryShorter, &a.keys.HistoryLonger} {
			b.SetEnabled(false)
		}
	}
	for _, v := range kindViews {
		a.tabs[v.kind()] = newTab(v)
	}
	a.repoTab = newTab(newReposView(a.freesCell))
	a.snap.ClearSizes()
	a.usage = overviewUsage(a.snap)
	a.reindex()
	a.active = 0 // the Overview: where the space went, at a glance
	return a
}

func (a *App) setStyles(dark bool) {
	a.isDark = dark
	a.st = NewStyles(dark)
	a.help.Styles = helpStyles(a.st)
	a.spin.Style = a.st.Muted
}

// helpStyles colours the help bar (and full help) of a Styles: the App's
// and the fleet's alike.
func helpStyles(st Styles) help.Styles {
	return help.Styles{
		ShortKey:       lipgloss.NewStyle().Foreground(st.HelpKey),
		ShortDesc:      lipgloss.NewStyle().Foreground(st.HelpDesc),
		ShortSeparator: lipgloss.NewStyle().Foreground(st.HelpSep),
		Ellipsis:       lipgloss.NewStyle().Foreground(st.HelpSep),
		FullKey:        lipgloss.NewStyle().Foreground(st.HelpKey),
		FullDesc:       lipgloss.NewStyle().Foreground(st.HelpDesc),
		FullSeparator:  lipgloss.NewStyle().Foreground(st.HelpSep),
	}
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
		a.loadTrend(),
	)
}

// ---- refresh loop

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
	case historySamplesMsg:
		a.onHistorySamples(msg)
		return a, nil
	case historyViewMsg:
		a.onHistoryView(msg)
		return a, nil
	case historyAddedMsg:
		return a, a.onHistoryAdded(msg)
	}
	if a.filtering {
		var cmd tea.Cmd
		a.input, cmd = a.input.Update(msg)
		return a, cmd
	}
	return a, nil
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
