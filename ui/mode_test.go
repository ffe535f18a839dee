package ui

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// keymapKeys is every key the keymap binds (bindings and tabs), and a key
// it does not bind, as key presses.
func keymapKeys(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{"z": true, "0": true, "7": true, "8": true, "9": true}
	k := NewKeyMap(false)
	v := reflect.ValueOf(k)
	add := func(b key.Binding) {
		for _, s := range b.Keys() {
			seen[s] = true
		}
	}
	for i := 0; i < v.NumField(); i++ {
		switch f := v.Field(i).Interface().(type) {
		case key.Binding:
			add(f)
		case [6]key.Binding:
			for _, b := range f {
				add(b)
			}
		default:
			t.Fatalf("keymap field %s of an unknown type", v.Type().Field(i).Name)
		}
	}
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// pressOf builds the key press whose String() is s.
func pressOf(t *testing.T, s string) tea.KeyPressMsg {
	t.Helper()
	named := map[string]rune{"up": tea.KeyUp, "down": tea.KeyDown, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"home": tea.KeyHome, "end": tea.KeyEnd, "tab": tea.KeyTab, "esc": tea.KeyEscape, "enter": tea.KeyEnter,
		"delete": tea.KeyDelete, "space": tea.KeySpace, "left": tea.KeyLeft, "right": tea.KeyRight, "backspace": tea.KeyBackspace}
	var msg tea.KeyPressMsg
	switch {
	case strings.HasPrefix(s, "ctrl+"):
		msg = tea.KeyPressMsg{Code: rune(s[len("ctrl+")]), Mod: tea.ModCtrl}
	case s == "shift+tab":
		msg = tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case named[s] != 0:
		msg = tea.KeyPressMsg{Code: named[s]}
		if s == "space" {
			msg.Text = " "
		}
	default:
		r := []rune(s)
		if len(r) != 1 {
			t.Fatalf("no key press for %q", s)
		}
		msg = tea.KeyPressMsg{Code: r[0], Text: s}
	}
	if msg.String() != s {
		t.Fatalf("key press for %q reads %q", s, msg.String())
	}
	return msg
}

// observe is what a key can change, one entry per effect.
func observe(a *App, f *fakeEngine) map[string]string {
	e := map[string]string{}
	var marks, sorts, filters, cursors []string
	for _, k := range model.Kinds {
		marks = append(marks, strings.Join(a.marks.IDs(k), ","))
	}
	for _, t := range a.tabs {
		sorts = append(sorts, fmt.Sprint(t.sort))
		filters = append(filters, t.filter.String())
		cursors = append(cursors, fmt.Sprint(t.cursor, t.selected))
	}
	cursors = append(cursors, fmt.Sprint(a.ovCursor))
	e["marks"] = strings.Join(marks, "|")
	e["sort"] = strings.Join(sorts, "|")
	e["filter"] = strings.Join(filters, "|")
	e["cursor"] = strings.Join(cursors, "|")
	e["tab"] = fmt.Sprint(a.active)
	e["dialog"] = "closed"
	if d := a.dialog; d != nil {
		e["dialog"] = fmt.Sprint(d.step, d.cascade, d.top)
	}
	e["run"] = "none"
	if a.run != nil {
		e["run"] = fmt.Sprint(a.run.cancelled)
	}
	e["presets"] = "closed"
	if a.presets != nil {
		e["presets"] = fmt.Sprint(a.presets.editing)
	}
	e["help"] = fmt.Sprint(a.showHelp, a.helpTop)
	e["details"] = fmt.Sprint(a.showDetails, a.detailTop)
	e["filtering"] = fmt.Sprint(a.filtering)
	e["quit"] = fmt.Sprint(a.quitAsk, a.quitting)
	e["lastRun"] = fmt.Sprint(a.lastRun != nil)
	e["deleted"] = fmt.Sprint(len(f.deleted))
	e["listing"] = fmt.Sprint(a.listing)
	e["history"] = fmt.Sprint(a.hist.open, a.hist.top, a.hist.window)
	return e
}

// screenStates builds the app in each screen state, with a marked image.
var screenStates = []struct {
	name string
	// may lists what keys may change in that state ("*" all but those in
	// mayNot).
	may, mayNot []string
	build       func(t *testing.T) (*App, *fakeEngine)
}{
	{"too small", []string{"quit"}, nil, func(t *testing.T) (*App, *fakeEngine) {
		a, f := marked(t, 120, 30)
		a.Update(tea.WindowSizeMsg{Width: 50, Height: 12})
		return a, f
	}},
	{"help", []string{"help", "quit"}, nil, func(t *testing.T) (*App, *fakeEngine) {
		a, f := marked(t, 120, 30)
		press(a, "?")
		return a, f
	}},
	{"details", []string{"details", "cursor", "tab", "marks", "dialog", "help", "listing", "quit"}, nil, func(t *testing.T) (*App, *fakeEngine) {
		a, f := marked(t, 100, 30)
		press(a, "enter")
		return a, f
	}},
	{"presets", []string{"presets", "marks", "tab", "cursor", "quit", "help"}, nil, func(t *testing.T) (*App, *fakeEngine) {
		a, f := marked(t, 120, 30)
		press(a, "p")
		return a, f
	}},
	{"confirm", []string{"dialog", "run", "marks", "quit", "help"}, nil, func(t *testing.T) (*App, *fakeEngine) {
		a, f := marked(t, 120, 30)
		press(a, "d")
		return a, f
	}},
	{"filter editing", []string{"filtering", "filter", "cursor", "quit"}, nil, func(t *testing.T) (*App, *fakeEngine) {
		a, f := marked(t, 120, 30)
		press(a, "/")
		return a, f
	}},
	{"quit prompt", []string{"quit", "run"}, nil, func(t *testing.T) (*App, *fakeEngine) {
		a, f := running(t)
		press(a, "q")
		return a, f
	}},
	{"history", []string{"history", "help", "quit"}, nil, func(t *testing.T) (*App, *fakeEngine) {
		a, f := markedWithHistory(t)
		openHistoryView(a)
		return a, f
	}},
	{"browse with history", []string{"*"}, []string{"run", "deleted"}, func(t *testing.T) (*App, *fakeEngine) { return markedWithHistory(t) }},
	{"running", []string{"*"}, []string{"dialog", "presets", "deleted"}, running},
	{"browse", []string{"*"}, []string{"run", "deleted"}, func(t *testing.T) (*App, *fakeEngine) { return marked(t, 120, 30) }},
	{"browse by repository", []string{"*"}, []string{"run", "deleted"}, func(t *testing.T) (*App, *fakeEngine) {
		a, f := marked(t, 120, 30)
		press(a, "R", "enter")
		return a, f
	}},
}

func marked(t *testing.T, w, h int) (*App, *fakeEngine) {
	a, f := newLoaded(t, w, h)
	a.setMark(model.KindImage, hexID("sha256:", 3), true)
	a.reclaim = a.tally.Result()
	return a, f
}

// markedWithHistory is marked with a history, on the Overview.
func markedWithHistory(t *testing.T) (*App, *fakeEngine) {
	a, f := newWithHistory(t, 120, 30, readOnlyHistory{synthHistory(testNow)}, nil)
	a.setMark(model.KindImage, hexID("sha256:", 3), true)
	a.reclaim = a.tally.Result()
	return a, f
}

func running(t *testing.T) (*App, *fakeEngine) {
	a, f := marked(t, 120, 30)
	a.run = &cleanup{phase: phaseDeleting, plan: model.Plan{Items: make([]model.PlanItem, 3)}, freed: a.index.Tally(), cancel: func() {}}
	return a, f
}

// TestKeysActOnlyOnWhatIsOnScreen sends every key of the keymap, a click
// on a tab and on a row and a wheel step, in every screen state, and
// checks that nothing outside that state acts: at 50×12 "2 d y" must not
// delete what the user cannot see (issue 10, item 2).
func TestKeysActOnlyOnWhatIsOnScreen(t *testing.T) {
	t.Parallel()
	keys := keymapKeys(t)
	for _, st := range screenStates {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			may := map[string]bool{}
			for _, m := range st.may {
				may[m] = true
			}
			for _, m := range st.mayNot {
				may[m] = false
			}
			allowed := func(effect string) bool {
				ok, listed := may[effect]
				return ok || !listed && may["*"]
			}
			check := func(what string, send func(a *App) tea.Cmd) {
				a, f := st.build(t)
				before := observe(a, f)
				cmd := send(a)
				after := observe(a, f)
				if cmd != nil && reflect.ValueOf(cmd).Pointer() == reflect.ValueOf(tea.Quit).Pointer() {
					after["quit"] += " (quits)"
				}
				for effect, v := range after {
					if v != before[effect] && !allowed(effect) {
						t.Errorf("%s changed %s: %q → %q", what, effect, before[effect], v)
					}
				}
			}
			for _, k := range keys {
				msg := pressOf(t, k)
				check("key "+k, func(a *App) tea.Cmd { _, cmd := a.Update(msg); return cmd })
			}
			check("click on a tab", func(a *App) tea.Cmd {
				r := a.tabRanges()[3]
				_, cmd := a.Update(tea.MouseClickMsg{X: r[0] + 1, Y: 1, Button: tea.MouseLeft})
				return cmd
			})
			check("click on a row", func(a *App) tea.Cmd {
				_, cmd := a.Update(tea.MouseClickMsg{X: 5, Y: bodyTop + 1 + 2, Button: tea.MouseLeft})
				return cmd
			})
			check("wheel", func(a *App) tea.Cmd {
				_, cmd := a.Update(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
				return cmd
			})
		})
	}
}

// TestTooSmallTwoDY is the reported case: at 50×12, 2 d y does nothing;
// made bigger, the screen is as it was and nothing was deleted.
func TestTooSmallTwoDY(t *testing.T) {
	t.Parallel()
	a, f := newLoaded(t, 50, 12)
	press(a, "1")
	before := observe(a, f)
	for _, k := range []string{"2", "d", "y"} {
		_, cmd := a.Update(keyMsg(k))
		runAll(cmd, a)
	}
	a.Update(tea.WindowSizeMsg{Width: 120, Height: 30})
	if after := observe(a, f); !reflect.DeepEqual(before, after) {
		t.Fatalf("keys acted behind the too-small screen:\nbefore %v\nafter  %v", before, after)
	}
	if !strings.Contains(screen(a), "Overview") || a.dialog != nil || len(f.deleted) != 0 {
		t.Fatalf("after resizing:\n%s", screen(a))
	}
}
