package ui

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"bilge/model"
)

// fakeFleet serves fixed rows, and a fake engine per member with the
// sample state.
type fakeFleet struct {
	members []FleetMember
	rows    []FleetRow
	engines []*fakeEngine
	opened  []int
}

func gb(n float64) FleetFigure { return FleetFigure{Bytes: int64(n * 1e9), Known: true} }

// newFakeFleet is three engines: alpha and gamma answer, beta does not.
func newFakeFleet() *fakeFleet {
	ff := &fakeFleet{
		members: []FleetMember{{"alpha", "ssh://ci@build-1"}, {"beta", "tcp://10.0.0.9:2376"}, {"gamma", "unix:///var/run/docker.sock"}},
		rows: []FleetRow{
			{Version: "29.0.2", Storage: "containerd", Size: [4]FleetFigure{gb(10), gb(1), gb(4), gb(2)}, Exact: [4]FleetFigure{gb(6), gb(0.5), gb(1), gb(2)}},
			{Err: "engine at tcp://10.0.0.9:2376 did not answer within 10s (its deadline in the fleet)"},
			{Version: "28.5.1", Storage: "overlay2", Size: [4]FleetFigure{gb(30), gb(2), gb(1), gb(8)}, Exact: [4]FleetFigure{gb(3), gb(1), {Bytes: 5e8, Known: true, Lower: true}, gb(7)}},
		},
	}
	for range ff.members {
		s, du := sampleState()
		f := newFakeEngine(s, du)
		f.layers = sampleLayers()
		ff.engines = append(ff.engines, f)
	}
	return ff
}

func (ff *fakeFleet) Members() []FleetMember                      { return ff.members }
func (ff *fakeFleet) Measure(ctx context.Context, i int) FleetRow { return ff.rows[i] }
func (ff *fakeFleet) Open(ctx context.Context, i int) (Engine, Options, func(), error) {
	ff.opened = append(ff.opened, i)
	return ff.engines[i], Options{Now: func() time.Time { return testNow }, Title: "context " + ff.members[i].Name}, func() {}, nil
}

// newTestFleet is a fleet at w×h whose engines have all answered (but
// none is open).
func newTestFleet(t *testing.T, w, h int) (*Fleet, *fakeFleet) {
	t.Helper()
	ff := newFakeFleet()
	f := NewFleet(context.Background(), ff, FleetOptions{})
	f.Update(tea.WindowSizeMsg{Width: w, Height: h})
	for i := range ff.members {
		f.entries[i].measuring = true
		f.Update(fleetRowMsg{i: i, row: ff.Measure(context.Background(), i)})
	}
	return f, ff
}

// openEngine opens engine i as enter does, and loads its App with the
// sample state through tagged messages, as the program would deliver them.
func openEngine(t *testing.T, f *Fleet, ff *fakeFleet, i int) *App {
	t.Helper()
	eng, opts, closeFn, err := ff.Open(context.Background(), i)
	f.want = i
	f.Update(fleetOpenedMsg{i: i, eng: eng, opts: opts, close: closeFn, err: err})
	a := f.entries[i].app
	if a == nil || f.active != i {
		t.Fatalf("engine %d not open (active %d)", i, f.active)
	}
	s, du := sampleState()
	a.listing = true
	f.Update(engineMsg{i: i, msg: listsMsg{seq: 1, snap: cloneSnapshot(s)}})
	a.dfRunning, a.dfStart = true, testNow.Add(-time.Second)
	f.Update(engineMsg{i: i, msg: diskUsageMsg{du: du}})
	a.layersBusy = true
	f.Update(engineMsg{i: i, msg: layersMsg{layers: sampleLayers()}})
	return a
}

func fleetScreen(f *Fleet) string { return ansi.Strip(f.View().Content) }

func fpress(f *Fleet, keys ...string) tea.Cmd {
	var cmds []tea.Cmd
	for _, k := range keys {
		_, cmd := f.Update(keyMsg(k))
		cmds = append(cmds, cmd)
	}
	return tea.Batch(cmds...)
}

// runFleetCmd runs a command as the program would, feeding what it returns
// to the fleet; a command still blocked after a moment (a tick, the event
// stream) is left.
func runFleetCmd(cmd tea.Cmd, f *Fleet) {
	if cmd == nil {
		return
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-done:
	case <-time.After(100 * time.Millisecond):
		return
	}
	switch m := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		for _, c := range m {
			runFleetCmd(c, f)
		}
		return
	case engineMsg:
		if _, ok := m.msg.(eventsMsg); ok {
			return
		}
	}
	_, next := f.Update(msg)
	runFleetCmd(next, f)
}

// An engine's commands come back tagged with it: a batch and a sequence
// are unwrapped and each command tagged, tea.Quit is tagged for the fleet
// to decide, the program's own requests pass untagged.
func TestFleetTagsEngineMessages(t *testing.T) {
	t.Parallel()
	one := func() tea.Msg { return pingMsg{} }
	two := func() tea.Msg { return debounceMsg{} }
	if m, ok := tag(2, one)().(engineMsg); !ok || m.i != 2 || m.msg != (pingMsg{}) {
		t.Fatalf("plain command: %#v", m)
	}
	batch, ok := tag(1, tea.Batch(one, two))().(tea.BatchMsg)
	if !ok || len(batch) != 2 {
		t.Fatalf("batch: %#v", batch)
	}
	for _, c := range batch {
		if m, ok := c().(engineMsg); !ok || m.i != 1 {
			t.Fatalf("batched command returned %#v", m)
		}
	}
	seq := tag(3, tea.Sequence(one, two))()
	v := reflect.ValueOf(seq)
	if v.Kind() != reflect.Slice || v.Len() != 2 || reflect.TypeOf(seq).PkgPath() != teaPkg {
		t.Fatalf("sequence: %#v", seq)
	}
	for _, c := range v.Convert(cmdsType).Interface().([]tea.Cmd) {
		if m, ok := c().(engineMsg); !ok || m.i != 3 {
			t.Fatalf("sequenced command returned %#v", m)
		}
	}
	if m, ok := tag(0, tea.Quit)().(engineMsg); !ok || m.msg != (tea.QuitMsg{}) {
		t.Fatalf("quit: %#v", m)
	}
	if _, ok := tag(0, tea.RequestBackgroundColor)().(engineMsg); ok {
		t.Fatal("the background colour request was tagged: the program would not see it")
	}
	if tag(0, nil) != nil || tag(0, func() tea.Msg { return nil })() != nil {
		t.Fatal("nothing became something")
	}
}

// A tagged message reaches its engine only; the window's size reaches
// every engine; keys only the one on screen.
func TestFleetRoutesToTheEngine(t *testing.T) {
	t.Parallel()
	f, ff := newTestFleet(t, 120, 40)
	a := openEngine(t, f, ff, 0)
	fpress(f, "esc")
	runFleetCmd(fpress(f, "esc"), f) // the first esc came back as a command: run it
	fpress(f, "end")
	c := openEngine(t, f, ff, 2)
	s, _ := sampleState()
	s.Images = s.Images[:2]
	c.listing = true
	f.Update(engineMsg{i: 2, msg: listsMsg{seq: 5, snap: cloneSnapshot(s)}})
	if len(c.snap.Images) != 2 || len(a.snap.Images) == 2 {
		t.Fatalf("lists for gamma: gamma has %d images, alpha %d", len(c.snap.Images), len(a.snap.Images))
	}
	f.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	if a.width != 100 || c.width != 100 {
		t.Fatalf("window size: alpha %d, gamma %d", a.width, c.width)
	}
	fpress(f, "3")
	if c.active != 2 || a.active == 2 { // the third tab
		t.Fatalf("key 3: gamma on tab %d, alpha on tab %d", c.active, a.active)
	}
}

// esc and backspace go back to the Engines view only when nothing in the
// tabs is left to close: the filter, the details, the dialog come first.
func TestFleetEscGoesBack(t *testing.T) {
	t.Parallel()
	f, ff := newTestFleet(t, 120, 40)
	a := openEngine(t, f, ff, 0)
	back := func(k string) bool {
		t.Helper()
		runFleetCmd(fpress(f, k), f)
		return f.active < 0
	}
	fpress(f, "2", "/")
	typeText(a, "redis")
	if back("esc") || a.filtering {
		t.Fatal("esc while typing a filter went back, or typed on")
	}
	fpress(f, "/")
	typeText(a, "redis")
	fpress(f, "enter")
	if back("esc") || !a.tab().filter.Empty() {
		t.Fatalf("esc with a filter: back %v, filter %q", f.active < 0, a.tab().filter.String())
	}
	fpress(f, "enter") // details
	if !a.showDetails || back("esc") || a.showDetails {
		t.Fatal("esc with the details open went back, or left them open")
	}
	fpress(f, "space", "d")
	if a.dialog == nil || back("esc") || a.dialog != nil {
		t.Fatal("esc in the dialog went back, or left it open")
	}
	if !back("esc") {
		t.Fatal("esc with nothing to close stayed in the tabs")
	}
	if !strings.Contains(fleetScreen(f), "Engines") {
		t.Fatalf("not the Engines view:\n%s", fleetScreen(f))
	}
	// enter opens it again, as it was (no second Open); backspace goes back too.
	fpress(f, "enter")
	if f.active != 0 || len(ff.opened) != 1 || a.marks.Len() != 1 {
		t.Fatalf("enter again: active %d, opened %v, marks %d", f.active, ff.opened, a.marks.Len())
	}
	if !back("backspace") {
		t.Fatal("backspace stayed in the tabs")
	}
}

// Marks and deletions act on the engine they were made on, and the
// confirmation names it.
func TestFleetMarksAndDeletionsPerEngine(t *testing.T) {
	t.Parallel()
	f, ff := newTestFleet(t, 120, 40)
	a := openEngine(t, f, ff, 0)
	fpress(f, "2", "space")
	runFleetCmd(fpress(f, "esc"), f)
	c := openEngine(t, f, ff, 2)
	if c.marks.Len() != 0 || a.marks.Len() != 1 {
		t.Fatalf("marks: alpha %d, gamma %d", a.marks.Len(), c.marks.Len())
	}
	fpress(f, "2", "down", "space", "d")
	if out := fleetScreen(f); !strings.Contains(out, "Delete 1 object on gamma?") {
		t.Fatalf("the confirmation does not name the engine:\n%s", out)
	}
	runFleetCmd(fpress(f, "y"), f)
	if len(ff.engines[2].deleted) != 1 || len(ff.engines[0].deleted) != 0 || len(ff.engines[1].deleted) != 0 {
		t.Fatalf("deleted: alpha %v, beta %v, gamma %v", ff.engines[0].deleted, ff.engines[1].deleted, ff.engines[2].deleted)
	}
	if ff.engines[2].deleted[0] == a.marks.IDs(model.KindImage)[0] {
		t.Fatal("gamma deleted alpha's mark")
	}
	if a.marks.Len() != 1 {
		t.Fatal("alpha's mark went with gamma's clean-up")
	}
}

// An engine that did not answer is a row with its reason, left out of the
// totals; the totals add up the others.
func TestFleetDeadEngineAndTotals(t *testing.T) {
	t.Parallel()
	f, _ := newTestFleet(t, 160, 30)
	out := fleetScreen(f)
	var beta, total string
	for _, l := range strings.Split(out, "\n") {
		switch {
		case strings.Contains(l, "beta"):
			beta = l
		case strings.Contains(l, "TOTAL"):
			total = l
		}
	}
	if !strings.Contains(beta, "✗ unreachable") || !strings.Contains(beta, "did not answer within 10s") {
		t.Errorf("beta's row: %q", beta)
	}
	// alpha 17GB/9.5GB + gamma 41GB/≥11.5GB.
	for _, want := range []string{"2/3 answered", "40GB/9GB", "58GB", "≥21GB", "≥1.5GB"} {
		if !strings.Contains(total, want) {
			t.Errorf("totals lack %q: %q", want, total)
		}
	}
	// A dead engine never holds the rows of the others: they show while
	// it is still connecting.
	ff := newFakeFleet()
	g := NewFleet(context.Background(), ff, FleetOptions{})
	g.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	g.Update(fleetRowMsg{i: 2, row: ff.rows[2]})
	out = fleetScreen(g)
	if !strings.Contains(out, "connecting…") || !strings.Contains(out, "1/3 answered") || !strings.Contains(out, "41GB") {
		t.Errorf("one answer of three:\n%s", out)
	}
}

func TestFleetSort(t *testing.T) {
	t.Parallel()
	f, _ := newTestFleet(t, 160, 30)
	order := func() string {
		var out []string
		for _, i := range f.order {
			out = append(out, f.members[i].Name)
		}
		return strings.Join(out, ",")
	}
	if got := order(); got != "alpha,beta,gamma" {
		t.Fatalf("first order %s", got)
	}
	// The first n keeps the first order (by name, A first): it is n's own.
	fpress(f, "n")
	if got := order(); got != "alpha,beta,gamma" {
		t.Fatalf("the first n: %s", got)
	}
	for _, tc := range []struct{ keys, want, col string }{
		{"s", "gamma,alpha,beta", "SIZE ▼"},  // 41GB, 17GB, none last
		{"s", "alpha,gamma,beta", "SIZE ▲"},  // reversed; none still last
		{"e", "gamma,alpha,beta", "RECLAIM"}, // ≥11.5GB, 9.5GB
		{"n", "alpha,beta,gamma", "ENGINE ▲"},
		{"n", "gamma,beta,alpha", "ENGINE ▼"},
		{"r", "alpha,beta,gamma", "ENGINE ▲"},
		{"r", "gamma,beta,alpha", "ENGINE ▼"},
		{"<", "gamma,alpha,beta", "RECLAIM"}, // the column left of the name: the last, total exact
		{">", "alpha,beta,gamma", "ENGINE ▲"},
		{">", "alpha,beta,gamma", "ENDPOINT ▲"}, // ssh://, tcp://, unix://
	} {
		fpress(f, tc.keys)
		if got := order(); got != tc.want {
			t.Errorf("after %s: %s, want %s", tc.keys, got, tc.want)
		}
		if !strings.Contains(fleetScreen(f), tc.col) {
			t.Errorf("after %s: no %q in the header", tc.keys, tc.col)
		}
	}
	// Every column sorts: > goes round them all.
	seen := map[fleetCol]bool{}
	for range numFleetCols {
		fpress(f, ">")
		seen[f.sortBy] = true
	}
	if len(seen) != int(numFleetCols) {
		t.Errorf("> reached %d columns of %d", len(seen), numFleetCols)
	}
	// The cursor follows its engine across a re-sort.
	fpress(f, "n", "end")
	fpress(f, "s")
	if f.members[f.cursor].Name != "gamma" {
		t.Errorf("cursor on %s after the sort", f.members[f.cursor].Name)
	}
}

// q asks first when deletions run, or marks would be lost, on any engine
// (naming them); without either it quits every engine at once.
func TestFleetQuit(t *testing.T) {
	t.Parallel()
	f, _ := newTestFleet(t, 120, 40)
	if cmd := fpress(f, "q"); cmd == nil || cmd() != (tea.QuitMsg{}) {
		t.Fatal("q with nothing marked did not quit")
	}
	f, ff := newTestFleet(t, 120, 40)
	openEngine(t, f, ff, 2)
	fpress(f, "2", "space")
	runFleetCmd(fpress(f, "esc"), f)
	fpress(f, "q")
	if !strings.Contains(fleetScreen(f), "Quit and drop 1 mark on gamma?") {
		t.Fatalf("no question:\n%s", fleetScreen(f))
	}
	if cmd := fpress(f, "x"); cmd != nil || f.quitAsk {
		t.Fatal("any other key did not stay")
	}
	fpress(f, "end", "enter") // gamma again: q asks over its tabs too
	fpress(f, "q")
	if out := fleetScreen(f); !strings.Contains(out, "Quit and drop 1 mark on gamma?") || !strings.Contains(out, "Images") {
		t.Fatalf("no question over the tabs:\n%s", out)
	}
	if cmd := fpress(f, "y"); cmd == nil || cmd() != (tea.QuitMsg{}) {
		t.Fatal("y did not quit")
	}
	// q is text in a filter; ctrl+c still quits.
	f, ff = newTestFleet(t, 120, 40)
	a := openEngine(t, f, ff, 0)
	fpress(f, "2", "/")
	if cmd := fpress(f, "q"); cmd != nil && cmd() == (tea.QuitMsg{}) || a.input.Value() != "q" {
		t.Fatalf("q in the filter: %q", a.input.Value())
	}
	if cmd := fpress(f, "ctrl+c"); cmd == nil || cmd() != (tea.QuitMsg{}) {
		t.Fatal("ctrl+c in the filter did not quit")
	}
}

// While a clean-up runs on one engine, q asks, naming it, wherever the
// user is; y quits (once in-flight calls return), a second ctrl+c at once.
func TestFleetQuitWhileDeleting(t *testing.T) {
	t.Parallel()
	for _, answer := range []string{"y", "ctrl+c"} {
		f, ff := newTestFleet(t, 120, 40)
		a := openEngine(t, f, ff, 0)
		fpress(f, "2", "space", "d", "y")
		if a.run == nil {
			t.Fatal("no clean-up")
		}
		runFleetCmd(fpress(f, "backspace"), f) // back: the clean-up goes on
		if f.active >= 0 || a.run == nil {
			t.Fatalf("backspace: active %d, run %v", f.active, a.run != nil)
		}
		fpress(f, "q")
		if !strings.Contains(fleetScreen(f), "Deletions are running on alpha. Quit anyway?") {
			t.Fatalf("no question:\n%s", fleetScreen(f))
		}
		if cmd := fpress(f, answer); cmd == nil || cmd() != (tea.QuitMsg{}) {
			t.Fatalf("%s did not quit", answer)
		}
		if a.evCancel != nil {
			t.Errorf("%s: alpha's event stream left open", answer)
		}
	}
}

func TestFleetGolden(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{120, 40}, {80, 24}, {160, 30}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			f, ff := newTestFleet(t, size[0], size[1])
			t.Run("engines", func(t *testing.T) { golden(t, fleetScreen(f)) })
			fpress(f, "?")
			t.Run("help", func(t *testing.T) { golden(t, fleetScreen(f)) })
			fpress(f, "?", "end", "enter")
			openEngine(t, f, ff, 2)
			fpress(f, "2", "space", "d")
			t.Run("confirm", func(t *testing.T) { golden(t, fleetScreen(f)) })
		})
	}
}

// The help is the keymap's: every binding's key and words are on it.
func TestFleetHelpFromKeymap(t *testing.T) {
	t.Parallel()
	f, _ := newTestFleet(t, 120, 40)
	fpress(f, "?")
	out := fleetScreen(f)
	for _, g := range f.keys.helpGroups() {
		for _, b := range g.keys {
			if !strings.Contains(out, b.Help().Key) || !strings.Contains(out, b.Help().Desc) {
				t.Errorf("help lacks %q %q", b.Help().Key, b.Help().Desc)
			}
		}
	}
	if !slices.ContainsFunc(f.keys.helpGroups(), func(g helpGroup) bool { return g.title == "Sort" }) {
		t.Error("no sort keys")
	}
}

// TestFleetMouse: on the Engines view the wheel moves the cursor, a click
// selects the row under it, a click on a column's title sorts by it (again
// reverses); with an engine's tabs on screen the mouse is theirs.
func TestFleetMouse(t *testing.T) {
	t.Parallel()
	f, _ := newTestFleet(t, 160, 30)
	screen := fleetScreen(f)
	lines := strings.Split(screen, "\n")
	rowOf := func(name string) int {
		for y, l := range lines {
			if strings.Contains(l, " "+name+" ") {
				return y
			}
		}
		t.Fatalf("no row for %s in\n%s", name, screen)
		return -1
	}
	name := func() string { return f.members[f.cursor].Name }
	if name() != "alpha" {
		t.Fatalf("cursor starts on %s", name())
	}
	f.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 5, Y: rowOf("gamma")})
	if name() != "gamma" {
		t.Errorf("a click on gamma's row: cursor on %s", name())
	}
	f.Update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if name() != "alpha" {
		t.Errorf("wheel up from the last row: cursor on %s, want the first", name())
	}
	f.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if name() != "gamma" {
		t.Errorf("wheel down from the first row: cursor on %s, want the last", name())
	}
	// The column header line: a click on SIZE's title sorts by size,
	// largest first; again reverses.
	header := lines[bodyTop]
	x := strings.Index(header, "SIZE")
	if x < 0 {
		t.Fatalf("no SIZE title in %q", header)
	}
	x = ansi.StringWidth(header[:x])
	f.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: x, Y: bodyTop})
	if !strings.Contains(fleetScreen(f), "SIZE ▼") {
		t.Errorf("after a click on SIZE: no SIZE ▼ in\n%s", fleetScreen(f))
	}
	f.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: x, Y: bodyTop})
	if !strings.Contains(fleetScreen(f), "SIZE ▲") {
		t.Errorf("after a second click on SIZE: no SIZE ▲ in\n%s", fleetScreen(f))
	}
	// A click below the rows or a right click changes nothing.
	before := f.cursor
	f.Update(tea.MouseClickMsg{Button: tea.MouseLeft, X: 5, Y: 28})
	f.Update(tea.MouseClickMsg{Button: tea.MouseRight, X: 5, Y: rowOf("beta")})
	if f.cursor != before {
		t.Errorf("a click off the rows or a right click moved the cursor to %s", name())
	}
}
