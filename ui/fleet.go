// The fleet (bilge --fleet): an Engines view with one row per engine,
// measured in parallel, and each engine's ordinary tabs (an App of its
// own, opened on enter and kept) behind it. Fleet is the one root model:
// every command of an engine's App is wrapped so its messages come back
// tagged with that engine, and only the engine on screen gets keys.

package ui

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// FleetMember is one engine of a fleet, as the Engines view names it.
// Both fields are safe text (the source made them so).
type FleetMember struct {
	Name     string
	Endpoint string
}

// FleetKinds are the kinds that hold disk space, in bilge df's order: the
// indexes of FleetRow's figures.
var FleetKinds = [...]model.Kind{model.KindImage, model.KindContainer, model.KindVolume, model.KindBuildCache}

// FleetFigure is a size or an exact reclaimable amount: Bytes, a lower
// bound when Lower (some part unknown), unknown when !Known.
type FleetFigure struct {
	Bytes int64
	Lower bool
	Known bool
}

func (f FleetFigure) String() string {
	if !f.Known {
		return "-"
	}
	s := model.HumanSizePrecision(f.Bytes, 3)
	if f.Lower {
		s = "≥" + s
	}
	return s
}

func (f *FleetFigure) add(o FleetFigure) {
	f.Bytes += o.Bytes
	f.Known = f.Known || o.Known
	f.Lower = f.Lower || o.Lower || !o.Known
}

// FleetRow is what one engine answered, as bilge df --fleet reads it.
type FleetRow struct {
	// Err is why the engine did not answer, on one line of safe text
	// ("" when it answered).
	Err string
	// Version is the engine's version; Storage its image store
	// ("overlay2", "containerd"; "" when it did not say).
	Version, Storage string
	// Size and Exact are each of FleetKinds' SIZE and EXACT RECLAIMABLE.
	Size, Exact [len(FleetKinds)]FleetFigure
}

// Total is the engine's size and exact reclaimable over every kind.
func (r FleetRow) Total() (size, exact FleetFigure) {
	for i := range FleetKinds {
		size.add(r.Size[i])
		exact.add(r.Exact[i])
	}
	return size, exact
}

// FleetSource is what the fleet view needs from the engines: main wires it
// with internal/fleet and dockerapi; tests with fakes.
type FleetSource interface {
	// Members are the engines, in the order listed.
	Members() []FleetMember
	// Measure reads member i's disk usage, as bilge df does, within its
	// own deadline: it always returns, with Err set when the engine did
	// not answer. It runs in a command, never in Update.
	Measure(ctx context.Context, i int) FleetRow
	// Open connects to member i for its tabs: the engine, the Options to
	// build its App with (Title, Recorder, History…), and what closes
	// them when bilge ends. It runs in a command.
	Open(ctx context.Context, i int) (Engine, Options, func(), error)
}

// FleetOptions configure the fleet view.
type FleetOptions struct {
	// Refresh is how often every engine is measured again (default 30s).
	Refresh time.Duration
	// Trace, when set, receives the milestones "fleet-first" (the first
	// engine's row is in) and "fleet" (every engine's row is in, answered
	// or not), for the benchmark harness.
	Trace io.Writer
}

// fleetTitles are the per-kind columns' titles (FleetKinds' order).
var fleetTitles = [len(FleetKinds)]string{"IMAGES", "CONTAINERS", "VOLUMES", "BUILD CACHE"}

// fleetState is an engine's state in the Engines view.
type fleetState int

const (
	fleetConnecting fleetState = iota
	fleetConnected
	fleetUnreachable
)

// fleetEntry is one engine's row: its last answer and where it is.
type fleetEntry struct {
	row       FleetRow
	state     fleetState
	measuring bool
	// app is the engine's tabs once opened (nil before); closeApp closes
	// what Open opened; opening: Open runs.
	app      *App
	closeApp func()
	opening  bool
}

// fleetCol is a column of the Engines view, and a sort key.
type fleetCol int

const (
	fcName fleetCol = iota
	fcEndpoint
	fcState
	fcVersion
	fcStorage
	fcKind       // + 2*kind index (+1 for its exact reclaimable): the per-kind columns
	fcSize       = fcKind + 2*fleetCol(len(FleetKinds))
	fcExact      = fcSize + 1
	numFleetCols = fcSize + 2
)

// words names a sort key in the status line.
func (c fleetCol) words() string {
	switch c {
	case fcName:
		return "name"
	case fcEndpoint:
		return "endpoint"
	case fcState:
		return "state"
	case fcVersion:
		return "version"
	case fcStorage:
		return "storage"
	case fcSize:
		return "total size"
	case fcExact:
		return "total exact reclaimable"
	}
	k := FleetKinds[(c-fcKind)/2]
	if (c-fcKind)%2 == 1 {
		return strings.ToLower(k.String()) + ": exact reclaimable"
	}
	return strings.ToLower(k.String()) + ": size"
}

// numeric sorts largest first by default.
func (c fleetCol) numeric() bool { return c >= fcKind }

// FleetKeyMap is the Engines view's keymap: Update matches against it and
// its help is generated from it. The keys an engine's tabs share (moving,
// sorting, ?, q) are the tabs' own.
type FleetKeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open                                    key.Binding
	SortSize, SortExact, SortName           key.Binding
	SortLeft, SortRight, Reverse            key.Binding
	Refresh, Help, Quit                     key.Binding
}

// NewFleetKeyMap returns the Engines view's bindings.
func NewFleetKeyMap() FleetKeyMap {
	k := NewKeyMap(false)
	return FleetKeyMap{
		Up: k.Up, Down: k.Down, PageUp: k.PageUp, PageDown: k.PageDown, Top: k.Top, Bottom: k.Bottom,
		Open:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open the engine's tabs")),
		SortSize:  key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort by total size")),
		SortExact: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "sort by exact reclaimable")),
		SortName:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "sort by name")),
		SortLeft:  k.SortLeft, SortRight: k.SortRight, Reverse: k.Reverse,
		Refresh: key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "measure every engine now")),
		Help:    k.Help,
		Quit:    k.Quit,
	}
}

// moves is the movement keys in moveDelta's order.
func (k FleetKeyMap) moves() [6]key.Binding {
	return [6]key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}

func (k FleetKeyMap) helpGroups() []helpGroup {
	return []helpGroup{
		{"Move", []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}},
		{"Sort", []key.Binding{k.SortSize, k.SortExact, k.SortName, k.SortLeft, k.SortRight, k.Reverse}},
		{"Engines", []key.Binding{k.Open, k.Refresh, k.Help, k.Quit}},
		{"In an engine's tabs", []key.Binding{hint(NewKeyMap(false).Back, "esc/⌫", "back to the engines")}},
	}
}

// Fleet is the root model of bilge --fleet.
type Fleet struct {
	ctx  context.Context
	src  FleetSource
	opts FleetOptions

	keys   FleetKeyMap
	st     Styles
	isDark bool
	help   help.Model
	spin   spinner.Model

	width, height int
	members       []FleetMember
	entries       []fleetEntry
	// order is the rows on screen (indexes of members); cursor is the
	// member under the cursor, followed across re-sorts.
	order    []int
	cursor   int
	top      int
	sortBy   fleetCol
	sortDesc bool
	// pressed: the sort was chosen with its own key (s, e, n), which
	// reverses it when pressed again; the first press of a key, or of one
	// whose column < > chose, gives the column's natural order.
	pressed  bool
	showHelp bool
	flash    string

	// active is the engine whose tabs are on screen, -1 for the Engines
	// view; want is the one enter asked for while it opens.
	active, want int

	spinning bool
	quitAsk  bool
	quitting bool
	traced   map[string]bool
}

// NewFleet builds the fleet view over src. ctx bounds every engine call.
func NewFleet(ctx context.Context, src FleetSource, opts FleetOptions) *Fleet {
	if opts.Refresh <= 0 {
		opts.Refresh = 30 * time.Second
	}
	f := &Fleet{
		ctx: ctx, src: src, opts: opts,
		keys:    NewFleetKeyMap(),
		help:    help.New(),
		spin:    spinner.New(spinner.WithSpinner(spinner.MiniDot)),
		members: src.Members(),
		active:  -1, want: -1,
	}
	f.entries = make([]fleetEntry, len(f.members))
	f.setStyles(true)
	f.resort()
	return f
}

func (f *Fleet) setStyles(dark bool) {
	f.isDark = dark
	f.st = NewStyles(dark)
	f.help.Styles = helpStyles(f.st)
	f.spin.Style = f.st.Muted
}

// Init measures every engine at once.
func (f *Fleet) Init() tea.Cmd {
	return tea.Batch(tea.RequestBackgroundColor, f.measureAll(), tickAfter(f.opts.Refresh, fleetTickMsg{}))
}

// ---- messages

// fleetRowMsg is one engine's measure.
type fleetRowMsg struct {
	i   int
	row FleetRow
}

// fleetTickMsg is the periodic refresh.
type fleetTickMsg struct{}

// fleetOpenedMsg is an engine opened for its tabs.
type fleetOpenedMsg struct {
	i     int
	eng   Engine
	opts  Options
	close func()
	err   error
}

// engineMsg is a message of engine i's App, tagged on its way back.
type engineMsg struct {
	i   int
	msg tea.Msg
}

// backMsg is an App asking to go back to the Engines view (Options.Fleet).
type backMsg struct{}

// teaPkg is Bubble Tea's package path: its messages (but a batch, a
// sequence and quitting) are for the program, and pass untagged.
var teaPkg = reflect.TypeFor[tea.BatchMsg]().PkgPath()

var cmdsType = reflect.TypeFor[[]tea.Cmd]()

// tag wraps engine i's command so that what it returns comes back as an
// engineMsg: a batch or a sequence is unwrapped and each of its commands
// tagged (they run as the program runs them); the program's own requests
// (the background colour…) pass as they are; tea.Quit comes back tagged,
// for the fleet to decide.
func tag(i int, cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		msg := cmd()
		switch m := msg.(type) {
		case nil:
			return nil
		case tea.BatchMsg:
			out := make(tea.BatchMsg, 0, len(m))
			for _, c := range m {
				if c != nil {
					out = append(out, tag(i, c))
				}
			}
			return out
		case tea.QuitMsg:
			return engineMsg{i: i, msg: m}
		}
		t := reflect.TypeOf(msg)
		if t.PkgPath() != teaPkg {
			return engineMsg{i: i, msg: msg}
		}
		if t.Kind() == reflect.Slice && t.ConvertibleTo(cmdsType) {
			// tea.Sequence's unexported message: the same, tagged.
			cmds := reflect.ValueOf(msg).Convert(cmdsType).Interface().([]tea.Cmd)
			tagged := make([]tea.Cmd, 0, len(cmds))
			for _, c := range cmds {
				if c != nil {
					tagged = append(tagged, tag(i, c))
				}
			}
			switch len(tagged) {
			case 0:
				return nil
			case 1:
				return tagged[0]() // one command: run it here
			}
			return tea.Sequence(tagged...)()
		}
		return msg
	}
}

// ---- Update

// Update handles one message; engine calls run in commands.
func (f *Fleet) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	defer f.layout()
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		f.width, f.height = msg.Width, msg.Height
		f.help.SetWidth(msg.Width)
		return f, f.toAll(msg)
	case tea.BackgroundColorMsg:
		f.setStyles(msg.IsDark())
		return f, f.toAll(msg)
	case tea.KeyPressMsg:
		return f, f.onKey(msg)
	case tea.PasteMsg, tea.MouseWheelMsg, tea.MouseClickMsg:
		if f.active >= 0 {
			return f, f.toEngine(f.active, msg)
		}
		f.onMouse(msg)
		return f, nil
	case spinner.TickMsg:
		if !f.measuring() {
			f.spinning = false
			return f, nil
		}
		var cmd tea.Cmd
		f.spin, cmd = f.spin.Update(msg)
		return f, cmd
	case fleetRowMsg:
		return f, f.onRow(msg)
	case fleetTickMsg:
		return f, tea.Batch(f.measureAll(), tickAfter(f.opts.Refresh, fleetTickMsg{}))
	case fleetOpenedMsg:
		return f, f.onOpened(msg)
	case engineMsg:
		return f, f.onEngineMsg(msg)
	}
	return f, nil
}

var _ tea.Model = (*Fleet)(nil)

// toAll gives every opened engine's App a message (the terminal's size,
// its background).
func (f *Fleet) toAll(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	for i := range f.entries {
		if f.entries[i].app != nil {
			cmds = append(cmds, f.toEngine(i, msg))
		}
	}
	return tea.Batch(cmds...)
}

// toEngine hands engine i's App a message, and tags what it returns.
func (f *Fleet) toEngine(i int, msg tea.Msg) tea.Cmd {
	_, cmd := f.entries[i].app.Update(msg)
	return tag(i, cmd)
}

func (f *Fleet) onEngineMsg(msg engineMsg) tea.Cmd {
	e := &f.entries[msg.i]
	if e.app == nil {
		return nil
	}
	switch msg.msg.(type) {
	case tea.QuitMsg:
		return f.onEngineQuit()
	case backMsg:
		if f.active == msg.i {
			f.active = -1
			f.flash = ""
		}
		return nil
	}
	return f.toEngine(msg.i, msg.msg)
}

// measuring reports engines being measured.
func (f *Fleet) measuring() bool {
	for _, e := range f.entries {
		if e.measuring {
			return true
		}
	}
	return false
}

// measureAll measures every engine not already being measured, each in
// its own command: one that does not answer holds no other.
func (f *Fleet) measureAll() tea.Cmd {
	var cmds []tea.Cmd
	for i := range f.entries {
		if f.entries[i].measuring {
			continue
		}
		f.entries[i].measuring = true
		src, ctx := f.src, f.ctx
		cmds = append(cmds, func() tea.Msg { return fleetRowMsg{i: i, row: src.Measure(ctx, i)} })
	}
	if len(cmds) > 0 && !f.spinning {
		f.spinning = true
		cmds = append(cmds, f.spin.Tick)
	}
	return tea.Batch(cmds...)
}

func (f *Fleet) onRow(msg fleetRowMsg) tea.Cmd {
	e := &f.entries[msg.i]
	e.measuring = false
	e.row = msg.row
	e.state = fleetConnected
	if msg.row.Err != "" {
		e.state = fleetUnreachable
	}
	f.resort()
	cmds := []tea.Cmd{f.trace("fleet-first")}
	if !slices.ContainsFunc(f.entries, func(e fleetEntry) bool { return e.state == fleetConnecting }) {
		cmds = append(cmds, f.trace("fleet"))
	}
	return tea.Batch(cmds...)
}

// trace records a milestone once (the write runs in a command).
func (f *Fleet) trace(what string) tea.Cmd {
	if f.opts.Trace == nil || f.traced[what] {
		return nil
	}
	if f.traced == nil {
		f.traced = map[string]bool{}
	}
	f.traced[what] = true
	w, at := f.opts.Trace, time.Now()
	return func() tea.Msg {
		fmt.Fprintf(w, "%s %d\n", what, at.UnixNano())
		return nil
	}
}

// open shows engine i's tabs, opening it first (in a command) the first
// time.
func (f *Fleet) open(i int) tea.Cmd {
	e := &f.entries[i]
	if e.app != nil {
		f.active, f.flash = i, ""
		return nil
	}
	f.want = i
	f.flash = "opening " + f.members[i].Name + "…"
	if e.opening {
		return nil
	}
	e.opening = true
	src, ctx := f.src, f.ctx
	return func() tea.Msg {
		eng, opts, closeFn, err := src.Open(ctx, i)
		return fleetOpenedMsg{i: i, eng: eng, opts: opts, close: closeFn, err: err}
	}
}

func (f *Fleet) onOpened(msg fleetOpenedMsg) tea.Cmd {
	e := &f.entries[msg.i]
	e.opening = false
	if msg.err != nil {
		if f.want == msg.i {
			f.want = -1
			f.flash = fmt.Sprintf("cannot open %s: %s", f.members[msg.i].Name, oneLine(model.SafeText(msg.err.Error())))
		}
		return nil
	}
	if f.quitting {
		// Asked to quit meanwhile: never started.
		if msg.close != nil {
			msg.close()
		}
		return nil
	}
	opts := msg.opts
	opts.Fleet = f.members[msg.i].Name
	e.app, e.closeApp = New(f.ctx, msg.eng, opts), msg.close
	e.app.setStyles(f.isDark)
	cmds := []tea.Cmd{tag(msg.i, e.app.Init())}
	if f.width > 0 {
		cmds = append(cmds, f.toEngine(msg.i, tea.WindowSizeMsg{Width: f.width, Height: f.height}))
	}
	if f.want == msg.i && f.active < 0 {
		f.active, f.flash = msg.i, ""
	}
	f.want = -1
	return tea.Batch(cmds...)
}

// ---- keys

func (f *Fleet) onKey(msg tea.KeyPressMsg) tea.Cmd {
	if f.quitAsk {
		return f.onQuitAnswer(msg)
	}
	if f.quitting {
		if msg.String() == "ctrl+c" {
			return f.quitNow()
		}
		return nil
	}
	if msg.String() == "ctrl+c" || key.Matches(msg, f.keys.Quit) && (f.active < 0 || !f.entries[f.active].app.takesText()) {
		return f.onQuit()
	}
	if f.active >= 0 {
		return f.toEngine(f.active, msg)
	}
	if f.width < minWidth || f.height < minHeight {
		return nil
	}
	f.flash = ""
	k := f.keys
	if f.showHelp {
		if key.Matches(msg, k.Help) || msg.String() == "esc" {
			f.showHelp = false
		}
		return nil
	}
	if d, ok := moveDelta(msg, f.rowsRoom(), k.moves()); ok {
		f.move(d)
		return nil
	}
	switch {
	case key.Matches(msg, k.Help):
		f.showHelp = true
	case key.Matches(msg, k.Open):
		if len(f.order) > 0 {
			return f.open(f.cursor)
		}
	case key.Matches(msg, k.Refresh):
		f.flash = "measuring every engine…"
		return f.measureAll()
	case key.Matches(msg, k.SortSize):
		f.pressSort(fcSize)
	case key.Matches(msg, k.SortExact):
		f.pressSort(fcExact)
	case key.Matches(msg, k.SortName):
		f.pressSort(fcName)
	case key.Matches(msg, k.SortLeft):
		f.setSort((f.sortBy+numFleetCols-1)%numFleetCols, (f.sortBy+numFleetCols-1)%numFleetCols >= fcKind)
	case key.Matches(msg, k.SortRight):
		f.setSort((f.sortBy+1)%numFleetCols, (f.sortBy+1)%numFleetCols >= fcKind)
	case key.Matches(msg, k.Reverse):
		f.setSort(f.sortBy, !f.sortDesc)
	}
	return nil
}

// onMouse is the mouse on the Engines view: the wheel moves the cursor, a
// click on a row selects it, a click on a column's title sorts by it (as
// its key does: again reverses). Nothing while a question or the help is
// on screen.
func (f *Fleet) onMouse(msg tea.Msg) {
	if f.quitAsk || f.quitting || f.showHelp || f.width < minWidth || f.height < minHeight {
		return
	}
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			f.move(-3)
		case tea.MouseWheelDown:
			f.move(3)
		}
	case tea.MouseClickMsg:
		if msg.Button != tea.MouseLeft {
			return
		}
		if msg.Y == bodyTop {
			if c, ok := f.columnAt(msg.X); ok {
				f.pressSort(c)
			}
			return
		}
		row := msg.Y - bodyTop - 1
		if row >= 0 && row < f.rowsRoom() && f.top+row < len(f.order) {
			f.cursor = f.order[f.top+row]
		}
	}
}

// takesText reports an App where q is typed text (a filter, an age).
func (a *App) takesText() bool {
	m := a.mode()
	return m == modeFilter || m == modePresets && a.presets.editing
}

// pressSort is s, e or n: that column in its natural direction, then
// reversed on the next press.
func (f *Fleet) pressSort(c fleetCol) {
	desc := c.numeric()
	if f.pressed && f.sortBy == c {
		desc = !f.sortDesc
	}
	f.setSort(c, desc)
	f.pressed = true
}

func (f *Fleet) setSort(c fleetCol, desc bool) {
	f.sortBy, f.sortDesc, f.pressed = c, desc, false
	f.resort()
	dir := "A first"
	switch {
	case c.numeric() && desc:
		dir = "largest first"
	case c.numeric():
		dir = "smallest first"
	case desc:
		dir = "Z first"
	}
	f.flash = fmt.Sprintf("sorted by %s, %s · r reverses · < > other columns", c.words(), dir)
}

func (f *Fleet) move(delta int) {
	if len(f.order) == 0 {
		return
	}
	at := slices.Index(f.order, f.cursor)
	at = min(max(at+delta, 0), len(f.order)-1)
	f.cursor = f.order[at]
}

// resort orders the rows by the sort column; engines without the figure
// (connecting, unreachable) go last whatever the direction, then by name.
func (f *Fleet) resort() {
	f.order = f.order[:0]
	for i := range f.members {
		f.order = append(f.order, i)
	}
	slices.SortStableFunc(f.order, func(x, y int) int {
		vx, okx := f.sortValue(x)
		vy, oky := f.sortValue(y)
		if okx != oky {
			if okx {
				return -1
			}
			return 1
		}
		c := 0
		switch v := vx.(type) {
		case int64:
			c = cmp.Compare(v, vy.(int64))
		case string:
			c = strings.Compare(v, vy.(string))
		}
		if f.sortDesc {
			c = -c
		}
		if c == 0 && f.sortBy != fcName {
			c = strings.Compare(f.members[x].Name, f.members[y].Name)
		}
		return c
	})
}

// sortValue is engine i's value in the sort column; ok is false when it
// has none.
func (f *Fleet) sortValue(i int) (v any, ok bool) {
	e := f.entries[i]
	m := f.members[i]
	answered := e.state == fleetConnected
	switch f.sortBy {
	case fcName:
		return m.Name, true
	case fcEndpoint:
		return m.Endpoint, true
	case fcState:
		return fmt.Sprint(int(e.state)), true
	case fcVersion:
		return e.row.Version, answered
	case fcStorage:
		return e.row.Storage, answered
	}
	size, exact := e.row.Total()
	fig := exact
	switch {
	case f.sortBy == fcSize:
		fig = size
	case f.sortBy < fcSize:
		k := (f.sortBy - fcKind) / 2
		fig = e.row.Size[k]
		if (f.sortBy-fcKind)%2 == 1 {
			fig = e.row.Exact[k]
		}
	}
	return fig.Bytes, answered && fig.Known
}

// ---- quitting

// onQuit is q or ctrl+c: quit every engine, asking first when a clean-up
// runs on any of them, or something is marked.
func (f *Fleet) onQuit() tea.Cmd {
	running, marked, _ := f.busy()
	if len(running) == 0 && marked == 0 {
		return f.quitAll()
	}
	f.quitAsk = true
	return nil
}

// busy lists the engines with a clean-up running, counts the marks of
// every engine, and names the engines with marks.
func (f *Fleet) busy() (running []string, marks int, markedOn []string) {
	for i, e := range f.entries {
		if e.app == nil {
			continue
		}
		if e.app.run != nil {
			running = append(running, f.members[i].Name)
		}
		if n := e.app.marks.Len(); n > 0 {
			marks += n
			markedOn = append(markedOn, f.members[i].Name)
		}
	}
	return running, marks, markedOn
}

func (f *Fleet) onQuitAnswer(msg tea.KeyPressMsg) tea.Cmd {
	f.quitAsk = false
	running, _, _ := f.busy()
	switch {
	case msg.String() == "ctrl+c":
		return f.quitNow()
	case !key.Matches(msg, NewKeyMap(false).Confirm):
		return nil // any other key stays
	case len(running) == 0:
		return f.quitAll()
	}
	// Quit once every engine's in-flight calls return (each has a
	// deadline): each run is cancelled and ends with its App's tea.Quit.
	for _, e := range f.entries {
		if a := e.app; a != nil && a.run != nil {
			a.quitting, a.exitRun = true, a.run
			a.cancelRun()
		}
	}
	f.quitting = true
	return f.onEngineQuit()
}

// onEngineQuit is an App's tea.Quit: while quitting, the fleet quits once
// no engine has a clean-up left; otherwise it is the App's own q, which
// the fleet answers for every engine.
func (f *Fleet) onEngineQuit() tea.Cmd {
	if !f.quitting {
		return f.onQuit()
	}
	running, _, _ := f.busy()
	if len(running) == 0 {
		return f.quitAll()
	}
	return nil
}

// quitNow is the second ctrl+c: quit at once, whatever is in flight (the
// exit report tells it, engine by engine).
func (f *Fleet) quitNow() tea.Cmd {
	for _, e := range f.entries {
		if a := e.app; a != nil && a.run != nil {
			a.quitting, a.exitRun = true, a.run
			a.cancelRun()
		}
	}
	return f.quitAll()
}

func (f *Fleet) quitAll() tea.Cmd {
	f.quitting = true
	for _, e := range f.entries {
		if e.app != nil {
			e.app.stopEvents()
		}
	}
	return tea.Quit
}

func (f *Fleet) quitQuestion() string {
	running, marks, markedOn := f.busy()
	if f.quitting {
		return f.st.Offline.Render("Quitting once in-flight deletions return… ") + f.st.Muted.Render("ctrl+c quits now")
	}
	if len(running) > 0 {
		return f.st.Offline.Render(fmt.Sprintf("Deletions are running on %s. Quit anyway? ", strings.Join(running, ", "))) +
			f.st.Muted.Render("y quits once in-flight calls return · ctrl+c quits now · any other key stays")
	}
	return f.st.Offline.Render(fmt.Sprintf("Quit and drop %d %s on %s? ", marks, plural(marks, "mark", "marks"), strings.Join(markedOn, ", "))) +
		f.st.Muted.Render("nothing was deleted · y quits · any other key stays")
}

// ExitReport is what to tell on stderr when bilge ends while clean-ups
// had not finished, engine by engine ("" when none). Call it after the
// program has stopped.
func (f *Fleet) ExitReport() string {
	var out []string
	for i, e := range f.entries {
		if e.app != nil {
			if r := e.app.ExitReport(); r != "" {
				out = append(out, f.members[i].Name+": "+r)
			}
		}
	}
	return strings.Join(out, "; ")
}

// Finish records in each engine's history a clean-up its App had no time
// to record, and returns the warnings to print (the deletions log, the
// history), each naming its engine. Call it after the program has
// stopped, before Close.
func (f *Fleet) Finish(ctx context.Context) []string {
	var warns []string
	for i, e := range f.entries {
		a := e.app
		if a == nil {
			continue
		}
		name := f.members[i].Name
		if c, ok := a.HistoryLeft(); ok {
			hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			if err := a.opts.History.AddCleanup(hctx, c); err != nil {
				warns = append(warns, fmt.Sprintf("%s: the clean-up is not in the history: %v", name, err))
			}
			cancel()
		}
		if w := a.LogWarning(); w != "" {
			warns = append(warns, name+": "+w)
		}
	}
	return warns
}

// Close closes every engine opened for its tabs.
func (f *Fleet) Close() {
	for i := range f.entries {
		if c := f.entries[i].closeApp; c != nil {
			c()
			f.entries[i].closeApp = nil
		}
	}
}
