package ui

// Layout: what the screen shows is scrolled, clamped and wrapped here, at
// the end of every Update (a change of size, data, cursor, filter, mode or
// content can move it), never in View. View then only reads it, so it
// changes nothing, and paging acts on the screen as it is now, whether a
// frame was drawn in between or not. Only what the current screen shows is
// laid out: the others are when they come on screen, by the Update that
// brings them.

// helpPage is the ? screen wrapped to the width, and how far it scrolls
// (helpTop is clamped to maxTop).
type helpPage struct {
	lines  []string
	width  int
	dark   bool
	maxTop int
}

// layout lays out the screen for View.
func (a *App) layout() {
	a.errLines = a.filterErrLines() // first: the body's height depends on it
	if a.width == 0 || a.mode() == modeTooSmall {
		return // nothing but the too-small message is drawn
	}
	h := a.height - a.chrome() // the body, as render draws it
	switch a.screen() {
	case modeHelp:
		a.layoutHelp(h)
	case modeConfirm:
		a.layoutDialog(h)
	case modePresets:
		// Its rows are drawn when its age changes; nothing scrolls.
	case modeHistory:
		if a.hist.err != "" {
			h-- // the note above it
		}
		a.layoutHistory(h)
	default:
		if a.active == 0 {
			a.layoutTrend()
			a.layoutOverview(h)
		} else {
			a.layoutTable(h)
		}
	}
}

// layoutTable keeps the cursor's row in view and wraps the details of the
// object under it to their pane, clamping their scroll.
func (a *App) layoutTable(h int) {
	t := a.tab()
	t.scroll(h - 1) // the column header takes a line
	a.detail = nil
	if !a.showDetails || t.dirty {
		return
	}
	var detail []string
	if i := t.current(); i >= 0 {
		detail = t.view.details(&a.st, a.snap, a.index, i, a.now)
		if len(detail) > 0 && a.marks.Has(t.view.kind(), t.view.id(a.snap, i)) {
			detail[0] += "  " + a.st.Marked.Render("● marked")
			if r := a.ruleOf(t.view.kind(), t.view.id(a.snap, i)); r != "" {
				detail = append(detail[:1], append([]string{a.st.Marked.Render("rule: " + r)}, detail[1:]...)...)
			}
		}
	}
	w := a.width // over the table
	if a.width >= splitWidth {
		w = a.width - a.width*55/100 - 3 // beside it
	}
	a.detail = wrapLines(detail, w)
	// The title stays on the first line; the rest scrolls under it.
	a.detailTop = min(max(a.detailTop, 0), max(len(a.detail)-h, 0))
}

// layoutHelp wraps the help to the width (again only when the width or
// the colours change) and clamps its scroll.
func (a *App) layoutHelp(h int) {
	p := &a.helpPage
	if p.lines == nil || p.width != a.width || p.dark != a.isDark {
		p.lines, p.width, p.dark = a.helpText(), a.width, a.isDark
	}
	p.maxTop = max(0, len(p.lines)-h+1)
	a.helpTop = min(max(a.helpTop, 0), p.maxTop)
}

// layoutOverview lays out the last clean-up's results in the room the
// Overview leaves them; only a list of what was not deleted needs to know
// that room.
func (a *App) layoutOverview(h int) {
	r := a.lastRun
	if r == nil {
		return
	}
	room := 0
	if r.failed+r.skipped+r.cancelledN > 0 {
		room = h - len(a.overviewTop())
	}
	r.shown = a.resultLines(room)
}
