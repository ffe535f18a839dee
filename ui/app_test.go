package ui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"bilge/internal/uidriver"
	"bilge/model"
)

// newLoaded returns an App at w×h that has received the sample state's
// lists and disk usage, as if the engine had answered.
func newLoaded(t testing.TB, w, h int) (*App, *fakeEngine) {
	t.Helper()
	return newLoadedWith(t, w, h, nil)
}

// newLoadedWith is newLoaded on the sample state as change leaves it.
func newLoadedWith(t testing.TB, w, h int, change func(*model.Snapshot, *model.DiskUsage)) (*App, *fakeEngine) {
	t.Helper()
	s, du := sampleState()
	if change != nil {
		change(s, du)
	}
	f := newFakeEngine(s, du)
	a := New(context.Background(), f, Options{Now: func() time.Time { return testNow }, Title: "unix:///var/run/docker.sock"})
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	a.listing = true
	a.Update(listsMsg{seq: 1, snap: cloneSnapshot(s)})
	a.dfRunning, a.dfStart = true, testNow.Add(-time.Second)
	a.Update(diskUsageMsg{du: du})
	f.layers = sampleLayers()
	a.layersBusy = true
	a.Update(layersMsg{layers: sampleLayers()})
	press(a, "2") // most tests work on the Images tab
	return a, f
}

func press(a *App, keys ...string) {
	for _, k := range keys {
		a.Update(keyMsg(k))
	}
}

func keyMsg(k string) tea.KeyPressMsg {
	switch k {
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "ctrl+r":
		return tea.KeyPressMsg{Code: 'r', Mod: tea.ModCtrl}
	}
	return uidriver.KeyPress(k)
}

func typeText(a *App, s string) {
	for _, r := range s {
		a.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

func screen(a *App) string { return ansi.Strip(a.View().Content) }

// names lists the current tab's row names in order.
func names(a *App) []string {
	t := a.tab()
	var out []string
	for _, i := range t.rows {
		out = append(out, t.view.cells(&a.st, a.snap, i, a.now)[0].text)
	}
	return out
}

func TestTabSwitching(t *testing.T) {
	t.Parallel()
	if a := New(context.Background(), newFakeEngine(sampleState()), Options{}); a.active != 0 {
		t.Fatalf("opens on tab %d, want the Overview", a.active)
	}
	a, _ := newLoaded(t, 120, 30)
	cases := []struct {
		key  string
		want int
	}{{"1", 0}, {"3", 2}, {"tab", 3}, {"tab", 4}, {"tab", 5}, {"tab", 0}, {"shift+tab", 5}, {"6", 5}, {"2", 1}}
	for _, c := range cases {
		press(a, c.key)
		if a.active != c.want {
			t.Fatalf("after %q active tab = %d, want %d", c.key, a.active, c.want)
		}
	}
}

func TestImagesSortedBySizeByDefault(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	got := names(a)
	want := []string{"myapp/api:1.4.2", "node:20 +2", "golang:1.26", "postgres:16", "<none>:<none>", "redis:7"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("rows = %v, want %v", got, want)
	}
	if !strings.Contains(screen(a), "SIZE ▼") {
		t.Error("the header does not show the active sort")
	}
}

func TestSortToggles(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	steps := []struct {
		key   string
		sort  model.Sort
		first string
	}{
		// Already by size, largest first: the first s selects that, the
		// second reverses (issue 12, item 2).
		{"s", model.Sort{Key: model.SortSize, Desc: true}, "myapp/api:1.4.2"},
		{"s", model.Sort{Key: model.SortSize, Desc: false}, "redis:7"},
		{"s", model.Sort{Key: model.SortSize, Desc: true}, "myapp/api:1.4.2"},
		{"a", model.Sort{Key: model.SortAge, Desc: false}, "redis:7"},
		{"a", model.Sort{Key: model.SortAge, Desc: true}, "golang:1.26"},
		{"n", model.Sort{Key: model.SortName, Desc: false}, "golang:1.26"},
		{"n", model.Sort{Key: model.SortName, Desc: true}, "redis:7"},
	}
	for _, s := range steps {
		press(a, s.key)
		if a.tab().sort != s.sort {
			t.Fatalf("after %q sort = %v, want %v", s.key, a.tab().sort, s.sort)
		}
		if got := names(a)[0]; got != s.first {
			t.Fatalf("after %q first row = %q, want %q", s.key, got, s.first)
		}
	}
}

func TestCursorFollowsObjectAcrossSort(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	press(a, "down", "down") // golang:1.26
	id := a.tab().selected
	press(a, "n")
	if a.tab().selected != id || a.tab().view.id(a.snap, a.tab().current()) != id {
		t.Fatal("the cursor did not stay on its image after re-sorting")
	}
}

func TestCursorBounds(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	press(a, "up", "up")
	if a.tab().cursor != 0 {
		t.Fatalf("cursor = %d above the top", a.tab().cursor)
	}
	press(a, "end")
	if a.tab().cursor != 5 {
		t.Fatalf("end: cursor = %d, want 5", a.tab().cursor)
	}
	press(a, "down", "j")
	if a.tab().cursor != 5 {
		t.Fatalf("cursor = %d below the bottom", a.tab().cursor)
	}
	press(a, "g")
	if a.tab().cursor != 0 {
		t.Fatalf("g: cursor = %d", a.tab().cursor)
	}
}

func TestFilterApplyClearAndError(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	press(a, "/")
	if !a.filtering {
		t.Fatal("/ did not open the filter")
	}
	typeText(a, "is:dangling")
	press(a, "enter")
	if a.filtering {
		t.Fatal("enter did not close the filter input")
	}
	if got := names(a); len(got) != 1 || got[0] != "<none>:<none>" {
		t.Fatalf("is:dangling rows = %v", got)
	}
	if !strings.Contains(screen(a), "1 of 6") {
		t.Errorf("row count missing:\n%s", screen(a))
	}

	// An unknown token: inline error, previous filter stays.
	press(a, "/")
	typeText(a, " is:bogus")
	if a.filterErr == "" {
		t.Fatal("no error for is:bogus")
	}
	if !strings.Contains(screen(a), "is:bogus") {
		t.Error("the error is not shown")
	}
	if got := names(a); len(got) != 1 {
		t.Fatalf("an invalid filter changed the rows: %v", got)
	}
	press(a, "enter")
	if !a.filtering {
		t.Fatal("enter accepted an invalid filter")
	}
	// esc cancels the edit: the filter in place before it stays.
	press(a, "esc")
	if a.filtering || a.tab().filter.String() != "is:dangling" || len(names(a)) != 1 {
		t.Fatalf("esc while editing lost the previous filter: filtering=%v filter=%q rows=%v", a.filtering, a.tab().filter.String(), names(a))
	}
	// A second esc clears it.
	press(a, "esc")
	if a.filtering || !a.tab().filter.Empty() || len(names(a)) != 6 {
		t.Fatalf("esc did not clear: filtering=%v rows=%v", a.filtering, names(a))
	}
}

// TestNewOrderFromTheTop: a filter that hides the row under the cursor,
// and a new sort order, show the rows from the top.
func TestNewOrderFromTheTop(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	press(a, "G")
	if a.tab().cursor != len(a.tab().rows)-1 {
		t.Fatal("G did not go to the end")
	}
	last := names(a)[a.tab().cursor]
	press(a, "/")
	typeText(a, "larger:1GB")
	press(a, "enter")
	if strings.Contains(strings.Join(names(a), ","), last) {
		t.Fatalf("the filter should hide %q", last)
	}
	if a.tab().cursor != 0 || a.tab().offset != 0 {
		t.Errorf("filter: cursor %d offset %d, want the top", a.tab().cursor, a.tab().offset)
	}
	press(a, "esc", "G", "n")
	if a.tab().cursor != 0 || a.tab().offset != 0 {
		t.Errorf("sort: cursor %d offset %d, want the top", a.tab().cursor, a.tab().offset)
	}
}

func TestFilterPerKind(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	cases := []struct {
		tab, query string
		want       []string
	}{
		{"3", "is:running", []string{"db"}},
		{"3", "is:stopped", []string{"api", "builder", "cache"}},
		{"4", "is:anonymous", []string{hexID("", 301)[:12] + " anonymous"}},
		{"4", "is:unused", []string{"old-data"}},
		{"5", "is:unused", []string{"ci_net"}},
		{"2", "larger:1GB", []string{"myapp/api:1.4.2", "node:20 +2"}},
		{"2", "older:30d label:team=t1", []string{"postgres:16", "redis:7"}},
		{"2", "node", []string{"node:20 +2"}},
	}
	for _, c := range cases {
		press(a, c.tab, "/")
		typeText(a, c.query)
		press(a, "enter")
		press(a, "n") // name order for a stable comparison
		got := names(a)
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("tab %s %q: rows %v, want %v", c.tab, c.query, got, c.want)
		}
		press(a, "esc", "n")
		a.tab().sort = model.DefaultSort
		a.tab().apply(a.snap, a.index, a.now)
	}
}

func TestResizeAndTooSmall(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	a.Update(tea.WindowSizeMsg{Width: 50, Height: 10})
	if !strings.Contains(screen(a), "too small") {
		t.Fatalf("no too-small message:\n%s", screen(a))
	}
	a.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	out := screen(a)
	lines := strings.Split(out, "\n")
	if len(lines) != 24 {
		t.Fatalf("%d lines at height 24", len(lines))
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 80 {
			t.Fatalf("line %d is %d wide: %q", i, w, l)
		}
	}
}

func TestDetailsPane(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 100, 30)
	press(a, "down") // node, three tags
	press(a, "enter")
	out := screen(a)
	for _, want := range []string{"node:lts", "node:latest", "removes all 3 tags", "Containers using it (0)"} {
		if !strings.Contains(out, want) {
			t.Errorf("details lack %q:\n%s", want, out)
		}
	}
	press(a, "esc")
	if a.showDetails {
		t.Error("esc did not close the details")
	}
	press(a, "4", "enter")
	if !strings.Contains(screen(a), "Containers mounting it") {
		t.Errorf("volume details missing:\n%s", screen(a))
	}
}

func TestOverviewEnterOpensKind(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	press(a, "1", "down", "down", "enter") // Local Volumes
	if a.active != 3 {
		t.Fatalf("enter on the volumes row opened tab %d", a.active)
	}
}

func TestPendingSizesNeverZero(t *testing.T) {
	t.Parallel()
	s, du := sampleState()
	f := newFakeEngine(s, du)
	a := New(context.Background(), f, Options{Now: func() time.Time { return testNow }})
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	a.listing = true
	a.Update(listsMsg{seq: 1, snap: cloneSnapshot(s)})
	press(a, "3")
	out := screen(a)
	if !strings.Contains(out, model.Pending) {
		t.Fatalf("container sizes before df are not pending:\n%s", out)
	}
	if strings.Contains(out, " 0B") {
		t.Fatalf("a pending size is shown as 0B:\n%s", out)
	}
}

func TestReconnectKeepsRowsStale(t *testing.T) {
	t.Parallel()
	a, f := newLoaded(t, 120, 30)
	f.offline = true
	a.Update(pingMsg{err: errOffline})
	out := screen(a)
	if !strings.Contains(out, "reconnecting…") || !strings.Contains(out, "stale") {
		t.Fatalf("no reconnecting state:\n%s", out)
	}
	if !strings.Contains(out, "postgres:16") {
		t.Fatal("rows vanished while offline")
	}
	f.offline = false
	cmd := a.onPing(pingMsg{})
	if a.conn != connConnected || cmd == nil || !a.listing || !a.dfRunning {
		t.Fatalf("no resync on reconnect: conn=%v listing=%v df=%v", a.conn, a.listing, a.dfRunning)
	}
}

func TestEventsRelistOnlyTouchedKinds(t *testing.T) {
	t.Parallel()
	a, f := newLoaded(t, 120, 30)
	a.eventsUp = true
	a.Update(eventsMsg{gen: a.evGen, events: []model.Event{{Kind: model.KindVolume, Action: "create"}, {Kind: model.KindVolume, Action: "mount"}}})
	if !a.debouncing {
		t.Fatal("events did not start the debounce")
	}
	cmd := a.onDebounce()
	if !a.kindBusy[model.KindVolume] || a.kindBusy[model.KindImage] || a.kindBusy[model.KindContainer] {
		t.Fatalf("re-listed the wrong kinds: %v", a.kindBusy)
	}
	runAll(cmd, a)
	if f.count("volumes") != 1 || f.count("images") != 0 || f.count("containers") != 0 {
		t.Fatalf("calls = %v", f.calls)
	}
}

// runAll runs a command tree, delivering results to the app, skipping
// timers (anything not done within a short wait).
func runAll(cmd tea.Cmd, a *App) {
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
	if batch, ok := msg.(tea.BatchMsg); ok {
		for _, c := range batch {
			runAll(c, a)
		}
		return
	}
	if msg == nil {
		return
	}
	if _, ok := msg.(eventsMsg); ok {
		return
	}
	_, next := a.Update(msg)
	runAll(next, a)
}

func TestMouseSelectsTabAndRow(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	r := a.tabRanges()[2]
	a.Update(tea.MouseClickMsg{X: r[0] + 1, Y: 1, Button: tea.MouseLeft})
	if a.active != 2 {
		t.Fatalf("click on the Containers tab opened %d", a.active)
	}
	a.Update(tea.MouseClickMsg{X: 5, Y: bodyTop + 1 + 2, Button: tea.MouseLeft})
	if a.tab().cursor != 2 {
		t.Fatalf("click on the third row put the cursor on %d", a.tab().cursor)
	}
	a.Update(tea.MouseWheelMsg{Button: tea.MouseWheelUp})
	if a.tab().cursor != 0 {
		t.Fatalf("wheel up: cursor %d", a.tab().cursor)
	}
}

func TestHelpFromKeymap(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 40)
	press(a, "?")
	out := screen(a)
	for _, b := range a.keys.FullHelp() {
		for _, k := range b {
			if !k.Enabled() {
				continue // the history's keys, without one
			}
			if !strings.Contains(out, k.Help().Desc) {
				t.Errorf("help lacks %q", k.Help().Desc)
			}
		}
	}
	press(a, "?")
	if a.showHelp {
		t.Error("? did not close the help")
	}
}

func TestQuit(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	_, cmd := a.Update(keyMsg("q"))
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Fatal("q did not quit")
	}
}

func TestFitMiddle(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		w    int
		want string
	}{
		{"redis:7", 10, "redis:7   "},
		{"registry.example.com/team/app:1.2", 20, "registry.ex…/app:1.2"},
		{"averyveryverylongname:tag", 10, "averyvery…"},
		{"a/bbbbbbbbbbbbbbbbbbbb:1", 10, "…bbbbbbb:1"},
		{"team/app-mirror:stable +2", 16, "…irror:stable +2"},
	}
	for _, c := range cases {
		if got := fitMiddle(c.in, c.w); got != c.want || ansi.StringWidth(got) != c.w {
			t.Errorf("fitMiddle(%q, %d) = %q, want %q", c.in, c.w, got, c.want)
		}
	}
}

// TestHelpScrollsWhenSmall: at 80×24 the help does not fit; it says so and
// scrolls to its end, where the filter language and the numbers are.
func TestHelpScrollsWhenSmall(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 80, 24)
	press(a, "?")
	if scr := screen(a); !strings.Contains(scr, "more lines") || !strings.Contains(scr, "unmark all") {
		t.Fatalf("help at 80×24 does not show its keys or say it scrolls:\n%s", scr)
	}
	press(a, "G")
	scr := screen(a)
	for _, want := range []string{"label:key=value", "FREES", "closes this help"} {
		if !strings.Contains(scr, want) {
			t.Errorf("end of help lacks %q:\n%s", want, scr)
		}
	}
	press(a, "esc")
	if a.showHelp {
		t.Error("esc did not close the help")
	}
}

// TestReadOnlySaysSo: in read-only mode the keys that mark or delete say
// why they do nothing, and the Overview does not offer presets.
func TestReadOnlySaysSo(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	a.opts.ReadOnly = true
	a.keys = NewKeyMap(true)
	for _, k := range []string{"space", "*", "d", "p"} {
		press(a, k)
		if !strings.Contains(screen(a), "read-only") || a.marks.Len() != 0 {
			t.Fatalf("%s in read-only mode: no explanation or a mark:\n%s", k, screen(a))
		}
	}
	press(a, "1")
	if strings.Contains(screen(a), "prune presets") {
		t.Errorf("the read-only Overview offers presets:\n%s", screen(a))
	}
}

// TestEarlyImages: on the first load the image list shows before the
// others arrive; what depends on containers is pending, marking waits, and
// the full lists then complete the rows.
func TestEarlyImages(t *testing.T) {
	t.Parallel()
	s, _ := sampleState()
	f := newFakeEngine(s, nil)
	a := New(context.Background(), f, Options{Now: func() time.Time { return testNow }, Title: "unix:///var/run/docker.sock"})
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	cmd := a.startLists()
	var early earlyImagesMsg
	var full listsMsg
	switch m := cmd().(type) {
	case earlyImagesMsg:
		early = m
		full = m.rest().(listsMsg)
	case listsMsg: // both were ready at once: build the early message
		early = earlyImagesMsg{seq: m.seq, images: cloneSnapshot(s).Images, rest: func() tea.Msg { return m }}
		full = m
	}
	a.layers = sampleLayers() // even with layer data at hand, frees wait for the containers
	a.Update(early)
	for i := range a.snap.Images {
		if c := a.freesCell(&a.snap.Images[i]); c.text != model.Pending {
			t.Errorf("FREES of %s before the container list: %q, want pending", a.snap.Images[i].ID, c.text)
		}
	}
	scr := screen(a)
	ov := lineWith(scr, "Images")
	if !strings.Contains(ov, fmt.Sprint(len(s.Images))) {
		t.Errorf("Overview images row lacks the count %d: %q", len(s.Images), ov)
	}
	if c := lineWith(scr, "Containers"); !strings.Contains(c, model.Pending) || strings.Contains(c, " 0 ") {
		t.Errorf("containers row before its list: %q, want pending", c)
	}
	press(a, "2")
	scr = screen(a)
	if len(a.tab().rows) != len(s.Images) {
		t.Fatalf("%d image rows before the other lists, want %d", len(a.tab().rows), len(s.Images))
	}
	for _, word := range []string{"unused", "in use", "stopped only"} {
		if strings.Contains(scr, word) {
			t.Errorf("status %q shown before the containers are listed:\n%s", word, scr)
		}
	}
	press(a, "space")
	if a.marks.Len() != 0 || !strings.Contains(screen(a), "still listing") {
		t.Error("marking before every list is in")
	}
	a.Update(full)
	if a.snap.ContainersPending || !strings.Contains(screen(a), "stopped only") {
		t.Errorf("full lists did not complete the rows:\n%s", screen(a))
	}
}

// lineWith is the first line of the screen that starts with word, past
// the cursor mark and spaces (a table row, not the tab bar).
func lineWith(scr, word string) string {
	for _, l := range strings.Split(scr, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " ▸"), word) {
			return l
		}
	}
	return ""
}
