package ui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// mode is what the screen shows, and so which keys act: exactly one at a
// time. It is computed from the App's flags in one place (mode), and key
// handling, mouse handling and the body drawn dispatch on it, so a key
// acts only on what is on screen.
type mode int

const (
	modeBrowse     mode = iota // the Overview or a table (details beside it when wide)
	modeRunning                // browsing while a clean-up runs: esc cancels it
	modeDetails                // details over the table (narrow terminal)
	modeHelp                   // the ? screen
	modePresets                // the prune presets menu
	modeConfirm                // the confirmation dialog
	modeFilter                 // typing a filter
	modeQuitPrompt             // "Quit anyway?" while a clean-up runs
	modeTooSmall               // the terminal is too small to draw anything else
	modeHistory                // the History view (h)
)

var modeNames = [...]string{"browse", "running", "details", "help", "presets", "confirm", "filter", "quit prompt", "too small", "history"}

func (m mode) String() string { return modeNames[m] }

// mode is the current screen. A too-small terminal hides everything, so it
// comes first; the quit prompt asks over whatever is under it.
func (a *App) mode() mode {
	switch {
	case a.tooSmall():
		return modeTooSmall
	case a.quitAsk:
		return modeQuitPrompt
	}
	return a.screen()
}

// screen is what the body shows, leaving out the too-small screen and the
// quit prompt (which asks in the status line, over the body).
func (a *App) screen() mode {
	switch {
	case a.filtering:
		return modeFilter
	case a.showHelp:
		return modeHelp // over the dialog or the presets too: esc goes back to them
	case a.dialog != nil:
		return modeConfirm
	case a.presets != nil:
		return modePresets
	case a.hist.open:
		return modeHistory // over a clean-up running too: its progress stays in the status line
	case a.showDetails && a.width < splitWidth:
		return modeDetails
	case a.run != nil:
		return modeRunning
	}
	return modeBrowse
}

// modeKeys are the bindings a mode accepts; nil means every key (typed
// text, or "any other key" answers). A key outside them does nothing.
func (a *App) modeKeys(m mode) []key.Binding {
	k := a.keys
	move := []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
	tabs := append([]key.Binding{k.NextTab, k.PrevTab}, k.Tab[:]...)
	switch m {
	case modeTooSmall:
		if a.quitAsk {
			return nil // any key answers the question
		}
		return []key.Binding{k.Quit}
	case modeQuitPrompt, modeFilter:
		return nil
	case modePresets:
		if a.presets.editing {
			return nil // typing the age
		}
		out := []key.Binding{k.Deny, k.Presets, k.Quit, k.Help} // esc, n, p close; q quits
		for _, p := range model.Presets {
			out = append(out, key.NewBinding(key.WithKeys(p.Key)))
		}
		if a.opts.Policy != nil || a.opts.PolicyErr != "" {
			out = append(out, key.NewBinding(key.WithKeys(policyKey)))
		}
		return out
	case modeConfirm:
		dk := a.dialogKeys()
		return append(move, dk.Cascade, dk.Confirm, dk.Deny, dk.Quit, k.Help, key.NewBinding(key.WithKeys("enter", "n")))
	case modeHelp:
		return append(move, k.Help, k.ClearFilter, k.Quit)
	case modeHistory:
		return append(move, k.History, k.HistoryShorter, k.HistoryLonger, k.ClearFilter, k.Help, k.Quit)
	case modeDetails:
		// The table is hidden: what acts on its rows (sort, filter, mark
		// all shown) waits; the object shown can be marked and deleted.
		out := append(append(move, tabs...), k.Details, k.ClearFilter, k.Help, k.Quit, k.Refresh, k.Mark, k.Delete)
		if a.opts.ReadOnly || !a.loaded {
			out = append(out, allKeys.Mark, allKeys.Delete) // they say why they are off
		}
		return out
	}
	// Browse and running: the whole keymap (while a clean-up runs, d and p
	// only say why they wait).
	out := append(append(move, tabs...), k.SortSize, k.SortAge, k.SortName, k.SortLeft, k.SortRight, k.Reverse, k.Filter, k.ClearFilter,
		k.Details, k.Refresh, k.Help, k.Quit, k.Mark, k.MarkAll, k.UnmarkAll, k.Delete, k.Presets, k.Dismiss, k.History, k.Back)
	if t := a.tab(); t != nil && t.view.kind() == model.KindImage {
		out = append(out, k.Repos) // the Images tab only
		if a.grouped {
			out = append(out, k.Expand, k.Collapse)
		}
	}
	if a.opts.ReadOnly || !a.loaded {
		// Write keys answer with why they are off.
		for _, b := range allKeys.writeKeys() {
			out = append(out, *b)
		}
	}
	return out
}

// accepts reports whether the key acts in mode m.
func (a *App) accepts(m mode, msg tea.KeyPressMsg) bool {
	keys := a.modeKeys(m)
	if keys == nil {
		return true
	}
	for _, b := range keys {
		if key.Matches(msg, b) {
			return true
		}
	}
	return false
}
