package ui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

// TestOverviewFollowsTabs: the Overview's rows come in the tabs' order,
// and enter on row n opens tab n+1 (issue 12, item 12).
func TestOverviewFollowsTabs(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	press(a, "1")
	var rows []string
	for _, l := range strings.Split(screen(a), "\n")[bodyTop+1:] {
		for _, k := range []string{"Images", "Containers", "Local Volumes", "Networks", "Build Cache"} {
			if strings.HasPrefix(strings.TrimLeft(l, " ▸"), k) {
				rows = append(rows, k)
			}
		}
	}
	want := []string{"Images", "Containers", "Local Volumes", "Networks", "Build Cache"}
	if strings.Join(rows, ",") != strings.Join(want, ",") {
		t.Fatalf("Overview rows %q, want the tabs' order %q", rows, want)
	}
	for i := range want {
		press(a, "1")
		a.ovCursor = 0
		for j := 0; j < i; j++ {
			press(a, "down")
		}
		press(a, "enter")
		if a.active != i+1 {
			t.Errorf("enter on Overview row %d (%s) opened tab %d (%s)", i, want[i], a.active+1, tabName(a.active))
		}
	}
}

// TestFirstSortPressIsNatural: on a tab already sorted by a key, the first
// press of that key keeps its natural direction and says how to reverse;
// only the second reverses. n on Networks (opened A→Z) too (item 2).
func TestFirstSortPressIsNatural(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ tab, key, first, second string }{
		{"2", "s", "myapp/api:1.4.2", "redis:7"},
		{"5", "n", "", ""},
	} {
		a, _ := newLoaded(t, 120, 30)
		press(a, tc.tab)
		before := a.tab().sort
		first := names(a)[0]
		press(a, tc.key)
		if a.tab().sort != before || names(a)[0] != first {
			t.Errorf("tab %s: first %s changed the order to %v (%s first)", tc.tab, tc.key, a.tab().sort, names(a)[0])
		}
		if scr := screen(a); !strings.Contains(scr, tc.key+" or r: ") {
			t.Errorf("tab %s: first %s does not say how to reverse:\n%s", tc.tab, tc.key, scr)
		}
		press(a, tc.key)
		if a.tab().sort.Desc == before.Desc {
			t.Errorf("tab %s: second %s did not reverse: %v", tc.tab, tc.key, a.tab().sort)
		}
	}
}

// TestSortByAnyColumn: < and > move the sort over every sortable column,
// FREES included; the header and the status line show the column and the
// direction, and r reverses (item 3).
func TestSortByAnyColumn(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 80, 24)
	press(a, "2")
	var seen []string
	for range sortKeys(a.tab().view) {
		press(a, ">")
		seen = append(seen, a.tab().sort.Key.String())
		title := columnTitle(a.tab().view, a.tab().sort.Key)
		arrow := " ▼"
		if !a.tab().sort.Desc {
			arrow = " ▲"
		}
		// At 80 columns some columns drop: the sorted one never does.
		if scr := screen(a); !strings.Contains(scr, title+arrow) || !strings.Contains(scr, title+", "+a.tab().sort.Words()) {
			t.Errorf("sorted by %s: header or status line does not say so:\n%s", title, scr)
		}
	}
	if want := "shared,unique,containers,frees,name,age,size"; strings.Join(seen, ",") != want {
		t.Errorf("> visits %s, want %s", strings.Join(seen, ","), want)
	}
	press(a, "<")
	if k := a.tab().sort; k.Key.String() != "age" || k.Desc {
		t.Fatalf("< from size: %v, want age, oldest first", k)
	}
	press(a, "<", "<") // name, then frees (wrapping)
	if k := a.tab().sort; k.Key.String() != "frees" || !k.Desc {
		t.Fatalf("< ×3 from size: %v, want frees, largest first", k)
	}
	press(a, "down") // the flash goes; the status line says the sort
	if scr := screen(a); !strings.Contains(scr, "sort frees ▼ largest first") {
		t.Errorf("status line does not say the sort:\n%s", scr)
	}
	// FREES largest first: node:20 (100MB) and <none> (310MB) lead.
	if got := names(a)[0]; got != "<none>:<none>" {
		t.Errorf("by frees, first row %q, want <none>:<none> (310MB)", got)
	}
	press(a, "r")
	if k := a.tab().sort; k.Key.String() != "frees" || k.Desc {
		t.Errorf("r: %v, want frees, smallest first", k)
	}
}

// TestEscClosesQQuits: in every overlay esc closes it and q quits; with
// marks, quitting asks first, and any key but y stays (item 9).
func TestEscClosesQQuits(t *testing.T) {
	t.Parallel()
	overlays := []struct {
		name string
		keys []string
		open func(a *App) bool
	}{
		{"help", []string{"?"}, func(a *App) bool { return a.showHelp }},
		{"presets", []string{"p"}, func(a *App) bool { return a.presets != nil }},
		{"confirm", []string{"d"}, func(a *App) bool { return a.dialog != nil }},
		{"details", []string{"2", "enter"}, func(a *App) bool { return a.showDetails }},
	}
	for _, o := range overlays {
		t.Run(o.name, func(t *testing.T) {
			t.Parallel()
			a, _ := marked(t, 100, 30)
			press(a, o.keys...)
			if !o.open(a) || a.mode() == modeBrowse {
				t.Fatalf("%v did not open the %s", o.keys, o.name)
			}
			press(a, "esc")
			if o.open(a) {
				t.Errorf("esc did not close the %s", o.name)
			}
			press(a, o.keys...)
			_, cmd := a.Update(keyMsg("q"))
			if isQuit(cmd) || a.mode() != modeQuitPrompt || !strings.Contains(screen(a), "Quit and drop 1 mark?") {
				t.Fatalf("q with a mark in the %s: quits=%v mode=%v\n%s", o.name, isQuit(cmd), a.mode(), screen(a))
			}
			press(a, "z") // any other key stays
			if !o.open(a) || a.mode() == modeQuitPrompt {
				t.Errorf("another key did not stay in the %s (mode %v)", o.name, a.mode())
			}
			press(a, "q")
			if _, cmd := a.Update(keyMsg("y")); !isQuit(cmd) {
				t.Errorf("y at the question did not quit from the %s", o.name)
			}
		})
	}
	// Without marks q quits at once, from the details too.
	a, _ := newLoaded(t, 100, 30)
	press(a, "2", "enter")
	if _, cmd := a.Update(keyMsg("q")); !isQuit(cmd) {
		t.Error("q in details without marks did not quit")
	}
}

// TestSpaceInDetailsMarksTheObjectShown: over the table (narrow) and
// beside it (wide), space marks the object the details show, stays on it
// and says so; the title stays on screen however far the details scroll
// (item 10).
func TestSpaceInDetailsMarksTheObjectShown(t *testing.T) {
	t.Parallel()
	for _, w := range []int{100, 160} {
		a, _ := newLoaded(t, w, 20)
		press(a, "2", "down", "enter")
		tb := a.tab()
		id, cursor := tb.selected, tb.cursor
		title := "Image " + id[len("sha256:"):len("sha256:")+12]
		if w < splitWidth {
			press(a, "pgdown", "pgdown") // scroll the details
		}
		press(a, "space")
		if !a.marks.Has(0, id) || tb.cursor != cursor || tb.selected != id {
			t.Errorf("%d wide: space marked %v, cursor %d→%d", w, a.marks.IDs(0), cursor, tb.cursor)
		}
		scr := screen(a)
		body := strings.Split(scr, "\n")[bodyTop]
		if !strings.Contains(body, title) || !strings.Contains(body, "● marked") {
			t.Errorf("%d wide: the title %q (marked) is not on the first line of the details:\n%s", w, title, scr)
		}
		if !strings.Contains(scr, "marked image node:20 +2 · space again unmarks it") {
			t.Errorf("%d wide: space does not say what it marked:\n%s", w, scr)
		}
		press(a, "space")
		if a.marks.Len() != 0 || !strings.Contains(screen(a), "unmarked image node:20 +2") {
			t.Errorf("%d wide: space again did not unmark:\n%s", w, screen(a))
		}
	}
}

// TestNothingCutWithoutAnEllipsis: a line too wide for the terminal ends
// in …; the tab bar keeps every tab's number however narrow; a filter
// error too long for the status line wraps above it, whole (item 11).
func TestNothingCutWithoutAnEllipsis(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 60, 20)
	press(a, "1")
	scr := screen(a)
	total := lineWith(scr, "Total")
	if !strings.HasSuffix(total, "…") {
		t.Errorf("the Total line at 60 columns is cut without …: %q", total)
	}
	if !strings.Contains(scr, "p offers prune presets") {
		t.Errorf("the Overview's hint is cut:\n%s", scr)
	}
	for w := 60; w <= 90; w += 5 {
		a.Update(tea.WindowSizeMsg{Width: w, Height: 20})
		for _, tab := range []string{"1", "6"} {
			press(a, tab)
			bar := strings.Split(screen(a), "\n")[1]
			for d := '1'; d <= '6'; d++ {
				if !strings.ContainsRune(bar, d) {
					t.Errorf("%d wide, tab %s: tab bar lacks tab %c: %q", w, tab, d, bar)
				}
			}
			if name := tabName(a.active); !strings.Contains(bar, name) {
				t.Errorf("%d wide: tab bar lacks the current tab's name %q: %q", w, name, bar)
			}
		}
	}

	a, _ = newLoaded(t, 80, 24)
	press(a, "2", "/")
	typeText(a, "is:bogus")
	if a.filterErr == "" {
		t.Fatal("is:bogus is not an error")
	}
	scr = screen(a)
	if flat := strings.Join(strings.Fields(scr), " "); !strings.Contains(flat, a.filterErr) {
		t.Errorf("the filter error is not shown whole:\n%s\nwant %q", scr, a.filterErr)
	}
	if n := len(strings.Split(scr, "\n")); n != 24 {
		t.Errorf("the screen has %d lines, want 24", n)
	}
}

// footerStates are screens whose help line TestFooter checks.
var footerStates = []struct {
	name  string
	build func(t *testing.T, w int) *App
}{
	{"overview", func(t *testing.T, w int) *App { a, _ := newLoaded(t, w, 24); press(a, "1"); return a }},
	{"overview marked", func(t *testing.T, w int) *App { a, _ := marked(t, w, 24); press(a, "1"); return a }},
	{"images", func(t *testing.T, w int) *App { a, _ := newLoaded(t, w, 24); press(a, "2"); return a }},
	{"images filtered", func(t *testing.T, w int) *App {
		a, _ := marked(t, w, 24)
		press(a, "2", "/")
		typeText(a, "is:unused")
		press(a, "enter")
		return a
	}},
	{"networks", func(t *testing.T, w int) *App { a, _ := newLoaded(t, w, 24); press(a, "5"); return a }},
	{"read-only", func(t *testing.T, w int) *App {
		a, _ := newLoaded(t, w, 24)
		a.opts.ReadOnly, a.keys = true, NewKeyMap(true)
		press(a, "2")
		return a
	}},
	{"details", func(t *testing.T, w int) *App { a, _ := newLoaded(t, w, 24); press(a, "2", "enter"); return a }},
	{"details wide", func(t *testing.T, w int) *App { a, _ := newLoaded(t, 160, 24); press(a, "2", "enter"); return a }},
	{"help", func(t *testing.T, w int) *App { a, _ := newLoaded(t, w, 24); press(a, "?"); return a }},
	{"presets", func(t *testing.T, w int) *App { a, _ := newLoaded(t, w, 24); press(a, "p"); return a }},
	{"confirm", func(t *testing.T, w int) *App { a, _ := marked(t, w, 24); press(a, "d"); return a }},
	{"filter", func(t *testing.T, w int) *App { a, _ := newLoaded(t, w, 24); press(a, "2", "/"); return a }},
	{"running", func(t *testing.T, w int) *App {
		a, _ := running(t)
		a.Update(tea.WindowSizeMsg{Width: w, Height: 24})
		press(a, "2")
		return a
	}},
	{"quit prompt", func(t *testing.T, w int) *App { a, _ := marked(t, w, 24); press(a, "q"); return a }},
}

// TestFooter: the help line ends with ? help and q quit wherever they act,
// at any width, and offers only keys that act in this mode and tab:
// pressing any of them changes something or says something (item 1).
func TestFooter(t *testing.T) {
	t.Parallel()
	for _, st := range footerStates {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			for _, w := range []int{60, 80, 120} {
				a := st.build(t, w)
				m := a.mode()
				lines := strings.Split(screen(a), "\n")
				foot := lines[len(lines)-1]
				keys, always := a.footerKeys(m)
				if strings.Contains(foot, "…") {
					t.Errorf("%d wide: help line cut: %q", w, foot)
				}
				for _, b := range always {
					if want := b.Help().Key + " " + b.Help().Desc; !strings.HasSuffix(foot, want) && !strings.Contains(foot, want+" •") {
						t.Errorf("%d wide: help line lacks %q: %q", w, want, foot)
					}
				}
				if m == modeBrowse || m == modeDetails || m == modeConfirm || m == modePresets || m == modeRunning {
					if !strings.HasSuffix(foot, "? help • q quit") {
						t.Errorf("%d wide: help line does not end with ? help • q quit: %q", w, foot)
					}
				}
				for _, b := range append(keys, always...) {
					k := b.Keys()[0]
					if !a.accepts(m, pressOf(t, k)) {
						t.Errorf("%d wide: help line offers %q (%s), which mode %v ignores", w, b.Help().Key, k, m)
						continue
					}
					fresh := st.build(t, w)
					before := observe(fresh, &fakeEngine{})
					_, cmd := fresh.Update(pressOf(t, k))
					after := observe(fresh, &fakeEngine{})
					if cmd == nil && fresh.flash == "" && fmt.Sprint(before) == fmt.Sprint(after) {
						t.Errorf("%d wide: help line offers %q %s, which does nothing here", w, b.Help().Key, b.Help().Desc)
					}
				}
			}
		})
	}
}

// TestFooterSaysWhatActsHere: the Overview offers no sorting, filtering or
// marking; the details say esc goes back; read-only offers no writing.
func TestFooterSaysWhatActsHere(t *testing.T) {
	t.Parallel()
	foot := func(name string) string {
		for _, st := range footerStates {
			if st.name == name {
				lines := strings.Split(screen(st.build(t, 120)), "\n")
				return lines[len(lines)-1]
			}
		}
		t.Fatalf("no state %q", name)
		return ""
	}
	for _, no := range []string{"sort", "/ filter", "space"} {
		if f := foot("overview"); strings.Contains(f, no) {
			t.Errorf("the Overview offers %q: %q", no, f)
		}
	}
	if f := foot("details"); !strings.HasPrefix(f, "esc back") {
		t.Errorf("the details do not say esc goes back: %q", f)
	}
	if f := foot("networks"); !strings.Contains(f, "a/n sort") {
		t.Errorf("networks (no size) offer %q", f)
	}
	for _, no := range []string{"space", "d delete", "p presets", "mark all"} {
		if f := foot("read-only"); strings.Contains(f, no) {
			t.Errorf("read-only offers %q: %q", no, f)
		}
	}
}
