package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// KeyMap is the one keymap the UI uses: Update matches against it and the
// help is generated from it, so they cannot disagree.
type KeyMap struct {
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	NextTab, PrevTab                        key.Binding
	Tab                                     [numTabs]key.Binding
	SortSize, SortAge, SortName             key.Binding
	SortLeft, SortRight, Reverse            key.Binding
	Filter, ClearFilter                     key.Binding
	Details, Refresh, Help, Quit            key.Binding
	Mark, MarkAll, UnmarkAll, Delete        key.Binding
	Presets, Cascade, Dismiss               key.Binding
	Confirm, Deny                           key.Binding
	// Back leaves an engine's tabs for the fleet's Engines view (enabled
	// only in a fleet: Options.Fleet).
	Back key.Binding

	// Repos groups the Images tab by repository; Expand and Collapse
	// open and close a repository there.
	Repos, Expand, Collapse key.Binding
	// History opens and closes the History view; HistoryShorter and
	// HistoryLonger change its window.
	History, HistoryShorter, HistoryLonger key.Binding
	// Filter input.
	Apply, Cancel key.Binding
}

// moves is the movement keys in moveDelta's order.
func (k KeyMap) moves() [6]key.Binding {
	return [6]key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}

// moveDelta is how far a movement key moves a cursor: one row up or down,
// a page of page rows, or to either end; ok is false for any other key.
// keys are up, down, page up, page down, top, bottom (the moves of a
// keymap), so the tabs and the Engines view move alike.
func moveDelta(msg tea.KeyPressMsg, page int, keys [6]key.Binding) (delta int, ok bool) {
	for i, d := range [6]int{-1, 1, -page, page, -1 << 30, 1 << 30} {
		if key.Matches(msg, keys[i]) {
			return d, true
		}
	}
	return 0, false
}

// NewKeyMap returns the default bindings; readOnly leaves out every key
// that marks or deletes.
func NewKeyMap(readOnly bool) KeyMap {
	k := KeyMap{
		Up:             key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:           key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:         key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown:       key.NewBinding(key.WithKeys("pgdown", "ctrl+f"), key.WithHelp("pgdn", "page down")),
		Top:            key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g/home", "first row")),
		Bottom:         key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G/end", "last row")),
		NextTab:        key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next tab")),
		PrevTab:        key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous tab")),
		SortSize:       key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort by size")),
		SortAge:        key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "sort by age")),
		SortName:       key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "sort by name")),
		SortLeft:       key.NewBinding(key.WithKeys("<"), key.WithHelp("<", "sort: column left")),
		SortRight:      key.NewBinding(key.WithKeys(">"), key.WithHelp(">", "sort: column right")),
		Reverse:        key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "reverse the sort")),
		Filter:         key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		ClearFilter:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "clear filter / close")),
		Details:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "details")),
		Refresh:        key.NewBinding(key.WithKeys("ctrl+r"), key.WithHelp("ctrl+r", "refresh now")),
		Help:           key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:           key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q/ctrl+c", "quit")),
		Mark:           key.NewBinding(key.WithKeys("space"), key.WithHelp("space", "mark")),
		MarkAll:        key.NewBinding(key.WithKeys("*"), key.WithHelp("*", "mark all shown")),
		UnmarkAll:      key.NewBinding(key.WithKeys("u"), key.WithHelp("u", "unmark all")),
		Delete:         key.NewBinding(key.WithKeys("d", "delete"), key.WithHelp("d/delete", "delete marked")),
		Presets:        key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "prune presets")),
		Cascade:        key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "include stopped containers")),
		Dismiss:        key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "dismiss results")),
		Repos:          key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "by repository / flat")),
		Expand:         key.NewBinding(key.WithKeys("right"), key.WithHelp("→/enter", "open a repository")),
		Collapse:       key.NewBinding(key.WithKeys("left"), key.WithHelp("←/enter", "close a repository")),
		History:        key.NewBinding(key.WithKeys("h"), key.WithHelp("h", "history: growth over time")),
		HistoryShorter: key.NewBinding(key.WithKeys("["), key.WithHelp("[", "history: shorter window")),
		HistoryLonger:  key.NewBinding(key.WithKeys("]"), key.WithHelp("]", "history: longer window")),
		Confirm:        key.NewBinding(key.WithKeys("y", "enter"), key.WithHelp("y/enter", "confirm")),
		Deny:           key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "cancel")),
		Apply:          key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "apply filter")),
		Cancel:         key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "cancel")),
		Back:           key.NewBinding(key.WithKeys("esc", "backspace"), key.WithHelp("esc/⌫", "back to the engines"), key.WithDisabled()),
	}
	if readOnly {
		for _, b := range k.writeKeys() {
			b.SetEnabled(false)
		}
	}
	for i := range k.Tab {
		d := string(rune('1' + i))
		k.Tab[i] = key.NewBinding(key.WithKeys(d), key.WithHelp(d, strings.ToLower(tabName(i))))
	}
	return k
}

// writeKeys are the bindings that mark or delete: off in read-only mode.
func (k *KeyMap) writeKeys() []*key.Binding {
	return []*key.Binding{&k.Mark, &k.MarkAll, &k.UnmarkAll, &k.Delete, &k.Presets}
}

// allKeys has every binding enabled, to recognise a write key pressed in
// read-only mode.
var allKeys = NewKeyMap(false)

// isWriteKey reports a key that marks or deletes (disabled read-only).
func isWriteKey(msg tea.KeyPressMsg) bool {
	for _, b := range allKeys.writeKeys() {
		if key.Matches(msg, *b) {
			return true
		}
	}
	return false
}

// helpGroup is one titled column of the ? screen.
type helpGroup struct {
	title string
	keys  []key.Binding
}

// helpGroups is the ? screen, one titled group per concern.
func (k KeyMap) helpGroups() []helpGroup {
	return []helpGroup{
		{"Move", []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}},
		{"Tabs", append(k.Tab[:], k.NextTab, k.PrevTab)},
		{"Sort and filter", []key.Binding{k.SortSize, k.SortAge, k.SortName, k.SortLeft, k.SortRight, k.Reverse, k.Filter, k.ClearFilter}},
		{"Mark and delete", []key.Binding{k.Mark, k.MarkAll, k.UnmarkAll, k.Delete, k.Presets, k.Dismiss}},
		{"Other", []key.Binding{k.Details, k.Back, k.Refresh, k.Help, k.Quit}},
		{"Images", []key.Binding{k.Repos, k.Expand, k.Collapse}},
		{"History", []key.Binding{k.History, k.HistoryShorter, k.HistoryLonger}},
	}
}

// FullHelp is the groups without their titles (bubbles' help.KeyMap).
func (k KeyMap) FullHelp() [][]key.Binding {
	var out [][]key.Binding
	for _, g := range k.helpGroups() {
		out = append(out, g.keys)
	}
	return out
}
