// Input: keys, clicks and the wheel, dispatched on the mode on screen
// (mode.go); each mode's handler and the browse actions it offers.

package ui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

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
	case modeHistory:
		return a.onHistoryKey(msg)
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
	default:
		a.helpTop, _ = scrollKey(k, msg, a.helpTop, a.pageSize(), a.helpPage.maxTop)
	}
	return nil
}

// scrollKey is top (within 0..maxTop) after a scrolling key: a line, a
// page of page lines, or an end; ok is false for any other key.
func scrollKey(k KeyMap, msg tea.KeyPressMsg, top, page, maxTop int) (_ int, ok bool) {
	switch {
	case key.Matches(msg, k.Up):
		top--
	case key.Matches(msg, k.Down):
		top++
	case key.Matches(msg, k.PageUp):
		top -= page
	case key.Matches(msg, k.PageDown):
		top += page
	case key.Matches(msg, k.Top):
		top = 0
	case key.Matches(msg, k.Bottom):
		top = maxTop
	default:
		return top, false
	}
	return min(max(top, 0), maxTop), true
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
	case key.Matches(msg, k.History):
		return a.openHistory()
	}
	for i, b := range k.Tab {
		if key.Matches(msg, b) {
			a.setActive(i)
			return nil
		}
	}
	if d, ok := moveDelta(msg, a.pageSize(), k.moves()); ok {
		a.moveCursor(d)
		return nil
	}
	switch {
	case key.Matches(msg, k.NextTab):
		a.setActive((a.active + 1) % numTabs)
	case key.Matches(msg, k.PrevTab):
		a.setActive((a.active + numTabs - 1) % numTabs)
	case key.Matches(msg, k.Refresh):
		a.listing = false
		return tea.Batch(a.startLists(), a.requestDF(true), a.pingCmd(), a.startSpinner())
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
	case key.Matches(msg, k.Repos):
		a.toggleGrouped()
	case key.Matches(msg, k.Expand):
		a.openRepo(1)
	case key.Matches(msg, k.Collapse):
		a.openRepo(-1)
	case key.Matches(msg, k.Details):
		if a.active == 0 {
			a.setActive(tabOf(a.usage[a.ovCursor].Kind))
			return nil
		}
		if v, ok := a.tab().view.(*reposView); ok && !a.showDetails && v.isRepo(a.tab().current()) {
			a.openRepo(0) // enter opens or closes a repository
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
	case key.Matches(msg, k.ClearFilter), key.Matches(msg, k.Back):
		esc := key.Matches(msg, k.ClearFilter)
		switch {
		case a.showDetails:
			a.showDetails = false
		case esc && a.tab() != nil && !a.tab().filter.Empty():
			a.setFilter(model.Filter{})
			a.filterErr = ""
		case key.Matches(msg, k.Back):
			// Nothing left to close: back to the fleet (fleet.go).
			return func() tea.Msg { return backMsg{} }
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
	a.hist.open = false
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
	case modeHistory:
		a.hist.top = min(max(a.hist.top+delta, 0), a.hist.page.maxTop)
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
