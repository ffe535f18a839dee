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

	"bilge/model"
)

// manyContainers adds n stopped containers of the api image to the sample
// state: a table longer than any screen, and a dialog that scrolls.
func manyContainers(n int) func(*model.Snapshot, *model.DiskUsage) {
	return func(s *model.Snapshot, du *model.DiskUsage) {
		for i := 0; i < n; i++ {
			id := hexID("", 5000+i)
			s.Containers = append(s.Containers, model.Container{ID: id, Name: fmt.Sprintf("worker-with-a-long-name-%03d", i), Image: "myapp/api:1.4.2",
				ImageID: hexID("sha256:", 3), State: "exited", Created: testNow.Add(-time.Duration(i+1) * time.Hour)})
			du.Containers = append(du.Containers, model.ContainerUsage{ID: id, SizeRw: int64(i) * 1000, SizeRootFs: 1_180_000_000})
		}
	}
}

// failedRun deletes every image with the engine refusing each: the
// Overview then shows the results with a list of what was not deleted.
func failedRun(a *App, f *fakeEngine) {
	for _, img := range a.snap.Images {
		f.refuse[img.ID] = "conflict: unable to remove repository reference (must force) - container is using its referenced image"
		a.setMark(model.KindImage, img.ID, true)
	}
	press(a, "d")
	_, cmd := a.Update(keyMsg("y"))
	runAll(cmd, a)
}

// plainState prints the App's state, following pointers, leaving out what
// is not state of the screen: channels, functions, contexts and the engine.
func plainState(a *App) string {
	var b strings.Builder
	ctxType := reflect.TypeFor[context.Context]()
	engType := reflect.TypeFor[Engine]()
	type seenKey struct {
		t reflect.Type
		p uintptr
	}
	seen := map[seenKey]bool{}
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Chan, reflect.Func, reflect.UnsafePointer:
			b.WriteString("-")
		case reflect.Pointer:
			if v.IsNil() {
				b.WriteString("nil")
				return
			}
			k := seenKey{v.Type(), v.Pointer()}
			if seen[k] {
				b.WriteString("&seen")
				return
			}
			seen[k] = true
			b.WriteString("&")
			walk(v.Elem())
		case reflect.Interface:
			if v.IsNil() {
				b.WriteString("nil")
				return
			}
			walk(v.Elem())
		case reflect.Struct:
			b.WriteString("{")
			for i := 0; i < v.NumField(); i++ {
				f := v.Type().Field(i)
				if f.Type == ctxType || f.Type == engType {
					continue
				}
				b.WriteString(f.Name + ":")
				walk(v.Field(i))
				b.WriteString(" ")
			}
			b.WriteString("}")
		case reflect.Slice, reflect.Array:
			if v.Kind() == reflect.Slice && v.IsNil() {
				b.WriteString("nil")
				return
			}
			b.WriteString("[")
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i))
				b.WriteString(",")
			}
			b.WriteString("]")
		case reflect.Map:
			if v.IsNil() {
				b.WriteString("nil")
				return
			}
			var entries []string
			for it := v.MapRange(); it.Next(); {
				outer := b
				b = strings.Builder{}
				walk(it.Key())
				b.WriteString(":")
				walk(it.Value())
				entries = append(entries, b.String())
				b = outer
			}
			slices.Sort(entries)
			b.WriteString("map[" + strings.Join(entries, ",") + "]")
		default:
			fmt.Fprint(&b, v)
		}
	}
	walk(reflect.ValueOf(a).Elem())
	return b.String()
}

// viewStates puts the App in every mode: browsing each tab, typing a
// filter, details, the help scrolled, the presets, a long dialog
// scrolled, a run, its results, the quit prompt, too small.
var viewStates = []struct {
	name  string
	mode  mode
	build func(a *App, f *fakeEngine)
	// scrolled says the state is scrolled, as its name says, where the
	// screen is small enough for it to scroll.
	scrolled func(a *App) bool
}{
	{"overview", modeBrowse, func(a *App, _ *fakeEngine) { press(a, "1") }, nil},
	{"images", modeBrowse, func(a *App, _ *fakeEngine) { press(a, "2", "down") }, nil},
	{"containers scrolled", modeBrowse, func(a *App, _ *fakeEngine) { press(a, "3", "end", "up") }, func(a *App) bool { return a.tab().offset > 0 }},
	{"images by repository, one open", modeBrowse, func(a *App, _ *fakeEngine) { press(a, "2", "R", "enter", "down") }, nil},
	{"volumes", modeBrowse, func(a *App, _ *fakeEngine) { press(a, "4") }, nil},
	{"networks", modeBrowse, func(a *App, _ *fakeEngine) { press(a, "5") }, nil},
	{"build cache", modeBrowse, func(a *App, _ *fakeEngine) { press(a, "6") }, nil},
	{"filter", modeFilter, func(a *App, _ *fakeEngine) { press(a, "3", "/"); typeText(a, "worker") }, nil},
	{"filter error", modeFilter, func(a *App, _ *fakeEngine) {
		press(a, "3", "/")
		typeText(a, "is:nothing-of-the-sort and a long tail of words so that the error wraps")
	}, nil},
	{"details scrolled", -1, func(a *App, _ *fakeEngine) { press(a, "2", "enter", "down", "down") }, func(a *App) bool { return a.detailTop > 0 }},
	{"help scrolled", modeHelp, func(a *App, _ *fakeEngine) { press(a, "?", "pgdown") }, func(a *App) bool { return a.helpTop > 0 }},
	{"presets", modePresets, func(a *App, _ *fakeEngine) { press(a, "p") }, nil},
	{"dialog scrolled", modeConfirm, func(a *App, _ *fakeEngine) { press(a, "3", "*", "2", "*", "d", "pgdown") }, func(a *App) bool { return a.dialog.top > 0 }},
	{"running", modeRunning, func(a *App, _ *fakeEngine) {
		a.setMark(model.KindContainer, hexID("", 5000), true)
		press(a, "3", "d", "y")
	}, nil},
	{"results scrolled", modeBrowse, func(a *App, f *fakeEngine) { failedRun(a, f); press(a, "pgdown") }, func(a *App) bool { return a.lastRun.listTop > 0 }},
	{"quit prompt", modeQuitPrompt, func(a *App, _ *fakeEngine) { press(a, "3", "space", "q") }, nil},
	{"too small", modeTooSmall, func(a *App, _ *fakeEngine) { a.Update(tea.WindowSizeMsg{Width: 50, Height: 12}) }, nil},
}

// TestViewIsPure: in every mode and at several sizes, View draws the same
// screen twice and changes nothing in the model.
func TestViewIsPure(t *testing.T) {
	t.Parallel()
	for _, size := range [][2]int{{80, 24}, {120, 40}, {60, 16}, {160, 45}} {
		for _, st := range viewStates {
			t.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], st.name), func(t *testing.T) {
				a, f := newLoadedWith(t, size[0], size[1], manyContainers(60))
				st.build(a, f)
				want := st.mode
				if want < 0 { // details: over the table or beside it
					want = modeDetails
					if a.width >= splitWidth {
						want = modeBrowse
					}
				}
				if got := a.mode(); got != want {
					t.Fatalf("the state is in mode %v, want %v", got, want)
				}
				if st.scrolled != nil && a.height <= 24 && !st.scrolled(a) {
					t.Fatal("the state is not scrolled")
				}
				before := plainState(a)
				first := a.View().Content
				if after := plainState(a); after != before {
					t.Fatalf("View changed the model:\n%s", firstDiff(before, after))
				}
				if second := a.View().Content; second != first {
					t.Fatalf("a second View drew another screen:\n%s", firstDiff(first, second))
				}
			})
		}
	}
}

// firstDiff shows where two long strings part.
func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-120, 0)
	return fmt.Sprintf("at %d:\n  %q\nvs\n  %q", i, a[from:min(i+120, len(a))], b[from:min(i+120, len(b))])
}

// TestPagingNeedsNoFrame: after a resize, the page and end keys act on the
// screen at its new size whether a frame was drawn in between or not: the
// same keys give the same screen with a View after each message or with
// none until the end.
func TestPagingNeedsNoFrame(t *testing.T) {
	t.Parallel()
	resize := func(w, h int) tea.Msg { return tea.WindowSizeMsg{Width: w, Height: h} }
	click := func(row int) tea.Msg { return tea.MouseClickMsg{X: 5, Y: bodyTop + 1 + row, Button: tea.MouseLeft} }
	cases := []struct {
		name  string
		setup func(a *App, f *fakeEngine)
		msgs  []tea.Msg
		// check is what the last screen must show.
		check func(t *testing.T, a *App, out string)
	}{
		{"help", func(a *App, _ *fakeEngine) { press(a, "?") },
			[]tea.Msg{keyMsg("end"), resize(120, 40), keyMsg("up")},
			func(t *testing.T, a *App, out string) {
				// One line up from the end at the new size.
				if !strings.Contains(out, "… 1 more lines") {
					t.Errorf("up after the resize is not one line above the end:\n%s", out)
				}
			}},
		{"dialog", func(a *App, _ *fakeEngine) { press(a, "3", "*", "2", "*", "d") },
			[]tea.Msg{resize(100, 30), keyMsg("pgdown")},
			func(t *testing.T, a *App, out string) {
				d := a.dialog
				if d.top != d.page-1 || !strings.Contains(out, fmt.Sprintf("lines %d–", d.page)) {
					t.Errorf("pgdown moved the dialog to line %d, want a page of the new size (%d):\n%s", d.top, d.page-1, out)
				}
			}},
		{"dialog end", func(a *App, _ *fakeEngine) { press(a, "3", "*", "2", "*", "d") },
			[]tea.Msg{resize(80, 24), keyMsg("end"), resize(120, 40), keyMsg("up")},
			func(t *testing.T, a *App, out string) {
				if d := a.dialog; d.top != d.maxTop-1 {
					t.Errorf("up from the end after a resize: top %d, want %d", d.top, d.maxTop-1)
				}
			}},
		{"results", failedRun,
			[]tea.Msg{resize(90, 26), keyMsg("pgdown")},
			func(t *testing.T, a *App, out string) {
				if a.lastRun.listTop == 0 || strings.Contains(out, "lines 1–") {
					t.Errorf("pgdown did not scroll the failures:\n%s", out)
				}
			}},
		{"table", func(a *App, _ *fakeEngine) { press(a, "3", "end") },
			[]tea.Msg{resize(120, 40), click(2)},
			func(t *testing.T, a *App, out string) {
				tb := a.tab()
				if want := len(tb.rows) - a.tableRows() + 2; tb.cursor != want {
					t.Errorf("click on the third row shown put the cursor on %d, want %d", tb.cursor, want)
				}
			}},
		{"table shrinks", func(a *App, _ *fakeEngine) { press(a, "3") },
			[]tea.Msg{resize(100, 40), keyMsg("end"), resize(100, 20), click(0)},
			func(t *testing.T, a *App, out string) {
				tb := a.tab()
				if want := len(tb.rows) - a.tableRows(); tb.cursor != want {
					t.Errorf("click on the first row shown put the cursor on %d, want %d", tb.cursor, want)
				}
			}},
		{"details", func(a *App, _ *fakeEngine) { press(a, "2", "enter") },
			[]tea.Msg{keyMsg("end"), keyMsg("up")},
			func(t *testing.T, a *App, out string) {
				if a.detailTop != len(a.detail)-(a.height-chromeRows)-1 {
					t.Errorf("up from the end of the details: top %d of %d lines", a.detailTop, len(a.detail))
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			run := func(draw bool) (*App, string) {
				a, f := newLoadedWith(t, 80, 16, manyContainers(60))
				c.setup(a, f)
				for _, m := range c.msgs {
					a.Update(m)
					if draw {
						a.View()
					}
				}
				return a, screen(a)
			}
			drawn, want := run(true)
			a, got := run(false)
			if got != want {
				t.Errorf("without a frame between the keys the screen differs:\n%s\n--- with frames ---\n%s", got, want)
			}
			c.check(t, drawn, want)
			c.check(t, a, got)
		})
	}
}
