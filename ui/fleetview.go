// The fleet's Engines view: the table of engines, the totals, the help.

package ui

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// ---- view

// layout keeps the cursor's row in view.
func (f *Fleet) layout() {
	room := f.rowsRoom()
	at := max(slices.Index(f.order, f.cursor), 0)
	f.top = min(max(f.top, at-room+1), at)
	f.top = max(min(f.top, len(f.order)-room), 0)
}

// rowsRoom is how many engine rows fit: the body less the column header,
// the totals (a blank line and the row) and the legend.
func (f *Fleet) rowsRoom() int { return max(f.height-chromeRows-4, 1) }

// View draws the Engines view, or the tabs of the engine on screen.
func (f *Fleet) View() tea.View {
	v := tea.NewView(f.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "bilge fleet"
	return v
}

func (f *Fleet) render() string {
	if f.width == 0 {
		return ""
	}
	if f.active >= 0 {
		s := f.entries[f.active].app.render()
		if !f.quitAsk && !f.quitting {
			return s
		}
		// The fleet's question replaces the status line of the tabs.
		lines := strings.Split(s, "\n")
		if len(lines) == f.height && f.height >= minHeight {
			lines[len(lines)-2] = ansi.Truncate(f.quitQuestion(), f.width, "…")
			return strings.Join(lines, "\n")
		}
		return ansi.Wordwrap(ansi.Strip(f.quitQuestion()), f.width, "")
	}
	if f.width < minWidth || f.height < minHeight {
		msg := fmt.Sprintf("Terminal too small: bilge needs %d×%d, this is %d×%d. Until it is bigger only q and ctrl+c act.", minWidth, minHeight, f.width, f.height)
		if f.quitAsk {
			msg += "\n\n" + ansi.Strip(f.quitQuestion())
		}
		return lipgloss.Place(f.width, f.height, lipgloss.Center, lipgloss.Center, ansi.Wordwrap(msg, f.width, ""))
	}
	bodyH := f.height - chromeRows
	var body []string
	if f.showHelp {
		body = f.helpBody()
	} else {
		body = f.tableBody()
	}
	lines := make([]string, 0, f.height)
	lines = append(lines, f.header(), f.bar())
	for i := range bodyH {
		l := ""
		if i < len(body) {
			l = body[i]
		}
		lines = append(lines, l)
	}
	lines = append(lines, f.statusLine(), f.helpLine())
	for i, l := range lines {
		if ansi.StringWidth(l) > f.width {
			lines[i] = ansi.Truncate(l, f.width, "…")
		}
	}
	return strings.Join(lines, "\n")
}

func (f *Fleet) header() string {
	title := f.st.Title.Render("bilge") + " " + f.st.Header.Render(fmt.Sprintf("fleet · %d %s", len(f.members), plural(len(f.members), "engine", "engines")))
	var up, down, waiting int
	for _, e := range f.entries {
		switch e.state {
		case fleetConnected:
			up++
		case fleetUnreachable:
			down++
		default:
			waiting++
		}
	}
	var parts []string
	if up > 0 {
		parts = append(parts, f.st.Connected.Render(fmt.Sprintf("● %d connected", up)))
	}
	if down > 0 {
		parts = append(parts, f.st.Offline.Render(fmt.Sprintf("✗ %d unreachable", down)))
	}
	if waiting > 0 {
		parts = append(parts, f.st.Muted.Render(fmt.Sprintf("%d connecting…", waiting)))
	}
	right := strings.Join(parts, f.st.Muted.Render(" · "))
	if f.measuring() {
		right = f.spin.View() + " " + right
	}
	return spread(title, right, f.width)
}

// bar is the tab bar's line: the view's name, and where enter leads.
func (f *Fleet) bar() string {
	l := f.st.TabActive.Render("Engines")
	var open []string
	for i, e := range f.entries {
		if e.app != nil {
			open = append(open, f.members[i].Name)
		}
	}
	if len(open) > 0 {
		l += f.st.Muted.Render("  open: " + strings.Join(open, ", "))
	}
	return l
}

// fleetColumns are the Engines view's columns at width w: with each kind
// as SIZE/EXACT when they fit, else the totals only; the endpoint and
// version go first when room is short (the status line shows them).
func (f *Fleet) fleetColumns(w int) (cols []column, keys []fleetCol, widths []int) {
	type def struct {
		c   column
		key fleetCol
	}
	content := func(title string, get func(i int) string) int {
		n := ansi.StringWidth(title) + 2 // the sort arrow
		for i := range f.members {
			n = max(n, ansi.StringWidth(get(i)))
		}
		return n
	}
	nameW := min(content("ENGINE", func(i int) string { return f.members[i].Name }), 24)
	nameW = max(nameW, ansi.StringWidth("TOTAL"))
	base := []def{
		{column{title: "ENGINE", min: nameW}, fcName},
		{column{title: "ENDPOINT", min: 12, flex: 1, drop: 3, elide: true}, fcEndpoint},
		{column{title: "STATE", min: 13}, fcState},
		{column{title: "VERSION", min: min(content("VERSION", func(i int) string { return f.entries[i].row.Version }), 16), drop: 4}, fcVersion},
		{column{title: "STORAGE", min: 10, drop: 2}, fcStorage},
	}
	var kinds []def
	for j := range FleetKinds {
		title := fleetTitles[j]
		kw := content(title, func(i int) string { return f.cellText(i, j) })
		kw = max(kw, ansi.StringWidth(f.totalCell(j)))
		kinds = append(kinds, def{column{title: title, min: kw, right: true}, fcKind + 2*fleetCol(j)})
	}
	totals := []def{
		{column{title: "SIZE", min: content("SIZE", func(i int) string { s, _ := f.entries[i].row.Total(); return s.String() }), right: true}, fcSize},
		{column{title: "RECLAIMABLE", min: ansi.StringWidth("RECLAIMABLE") + 2*b2i(f.sortBy == fcExact), right: true}, fcExact},
	}
	build := func(withKinds bool) []def {
		out := slices.Clone(base)
		if withKinds {
			out = append(out, kinds...)
		}
		return append(out, totals...)
	}
	need := func(ds []def) int {
		n := 0
		for _, d := range ds {
			if d.c.drop == 0 {
				n += d.c.min + colGap
			}
		}
		return n - colGap
	}
	ds := build(true)
	if need(ds) > w {
		ds = build(false)
	}
	for _, d := range ds {
		cols = append(cols, d.c)
		keys = append(keys, d.key)
	}
	return cols, keys, layout(cols, w)
}

// cellText is engine i's SIZE/EXACT of kind j.
func (f *Fleet) cellText(i, j int) string {
	r := f.entries[i].row
	if f.entries[i].state != fleetConnected {
		return ""
	}
	return r.Size[j].String() + "/" + r.Exact[j].String()
}

// totals sums the engines that answered.
func (f *Fleet) totals() (row FleetRow, answered int) {
	for _, e := range f.entries {
		if e.state != fleetConnected {
			continue
		}
		answered++
		for j := range FleetKinds {
			row.Size[j].add(e.row.Size[j])
			row.Exact[j].add(e.row.Exact[j])
		}
	}
	return row, answered
}

func (f *Fleet) totalCell(j int) string {
	t, n := f.totals()
	if n == 0 {
		return ""
	}
	return t.Size[j].String() + "/" + t.Exact[j].String()
}

func (f *Fleet) tableBody() []string {
	w := f.width - 3
	cols, keys, widths := f.fleetColumns(w)
	var hb strings.Builder
	first := true
	for j, c := range cols {
		if widths[j] == 0 {
			continue
		}
		if !first {
			hb.WriteString(strings.Repeat(" ", colGap))
		}
		first = false
		title, style := c.title, f.st.ColHeader
		if keys[j] == f.sortBy || keys[j]+1 == f.sortBy && keys[j] >= fcKind && keys[j] < fcSize && (keys[j]-fcKind)%2 == 0 {
			title += dirArrow(f.sortDesc)
			style = f.st.ColSorted
		}
		hb.WriteString(style.Render(fit(title, widths[j], c.right)))
	}
	lines := []string{"   " + hb.String()}
	room := f.rowsRoom()
	end := min(f.top+room, len(f.order))
	for _, i := range f.order[f.top:end] {
		lines = append(lines, f.rowLine(i, cols, keys, widths, w))
	}
	if len(f.order) == 0 {
		lines = append(lines, f.st.Muted.Render("  no engines: no docker context, and no -H"))
	}
	lines = append(lines, "", "   "+f.totalLine(cols, keys, widths))
	legend := "each kind: SIZE/EXACT RECLAIMABLE, what pruning it frees, exactly · ≥ a lower bound · - unknown"
	if !slices.Contains(keys, fcKind) {
		legend = "RECLAIMABLE: what pruning frees, exactly · a wider terminal shows each kind"
	}
	return append(lines, f.st.Muted.Render("  "+legend))
}

// columnAt is the column whose title is drawn at x on the column header
// line (as tableBody lays it out).
func (f *Fleet) columnAt(x int) (fleetCol, bool) {
	_, keys, widths := f.fleetColumns(f.width - 3)
	at := 3
	for j, w := range widths {
		if w == 0 {
			continue
		}
		if x >= at && x < at+w {
			return keys[j], true
		}
		at += w + colGap
	}
	return 0, false
}

// rowLine is engine i's row: its figures, or the reason it did not answer
// across the columns after its state.
func (f *Fleet) rowLine(i int, cols []column, keys []fleetCol, widths []int, w int) string {
	e := f.entries[i]
	m := f.members[i]
	cur := i == f.cursor
	var b strings.Builder
	first := true
	used := 0
	size, exact := e.row.Total()
	for j, c := range cols {
		if widths[j] == 0 {
			continue
		}
		if !first {
			b.WriteString(strings.Repeat(" ", colGap))
			used += colGap
		}
		first = false
		var text string
		style := f.st.Row
		switch k := keys[j]; {
		case k == fcName:
			text = m.Name
		case k == fcEndpoint:
			text = m.Endpoint
		case k == fcState:
			switch e.state {
			case fleetConnecting:
				text, style = "connecting…", f.st.Muted
			case fleetConnected:
				text, style = "● connected", f.st.Connected
			case fleetUnreachable:
				text, style = "✗ unreachable", f.st.Offline
			}
		case e.state != fleetConnected:
			if e.state == fleetUnreachable {
				// The reason, on one line, across the figures.
				rest := max(w-used, 1)
				b.WriteString(f.cellStyle(cur, f.st.Error).Render(fit(e.row.Err, rest, false)))
				return f.rowPrefix(i) + f.cursorRow(cur, b.String())
			}
			text = ""
		case k == fcVersion:
			text = e.row.Version
		case k == fcStorage:
			text = cmp.Or(e.row.Storage, "-")
		case k == fcSize:
			text = size.String()
		case k == fcExact:
			text, style = exact.String(), f.st.Good
		default:
			text = f.cellText(i, int(k-fcKind)/2)
		}
		var s string
		if c.elide && !c.right {
			s = fitMiddle(text, widths[j])
		} else {
			s = fit(text, widths[j], c.right)
		}
		b.WriteString(f.cellStyle(cur, style).Render(s))
		used += widths[j]
	}
	return f.rowPrefix(i) + f.cursorRow(cur, b.String())
}

func (f *Fleet) rowPrefix(i int) string {
	if i == f.cursor {
		return f.st.RowCursor.Render(" ▸ ")
	}
	return "   "
}

// cellStyle is a cell's style; the cursor's row is drawn plain, then in
// one style (cursorRow), so its background runs unbroken.
func (f *Fleet) cellStyle(cur bool, s lipgloss.Style) lipgloss.Style {
	if cur {
		return lipgloss.NewStyle()
	}
	return s
}

func (f *Fleet) cursorRow(cur bool, line string) string {
	if !cur {
		return line
	}
	return f.st.RowCursor.Render(line)
}

func (f *Fleet) totalLine(cols []column, keys []fleetCol, widths []int) string {
	t, n := f.totals()
	size, exact := t.Total()
	// How many answered goes in the first column shown after the name.
	countCol := -1
	for j := range cols {
		if keys[j] != fcName && widths[j] > 0 {
			countCol = j
			break
		}
	}
	var b strings.Builder
	first := true
	for j, c := range cols {
		if widths[j] == 0 {
			continue
		}
		if !first {
			b.WriteString(strings.Repeat(" ", colGap))
		}
		first = false
		var text string
		switch k := keys[j]; {
		case k == fcName:
			text = "TOTAL"
		case j == countCol:
			text = fmt.Sprintf("%d/%d answered", n, len(f.members))
		case n == 0, k < fcKind:
		case k == fcSize:
			text = size.String()
		case k == fcExact:
			text = exact.String()
		default:
			text = f.totalCell(int(k-fcKind) / 2)
		}
		b.WriteString(f.st.DetailHead.Render(fit(text, widths[j], c.right)))
	}
	return b.String()
}

func (f *Fleet) statusLine() string {
	if f.quitAsk || f.quitting {
		return f.quitQuestion()
	}
	if f.flash != "" {
		return f.st.Warn.Render(f.flash)
	}
	if len(f.order) == 0 {
		return ""
	}
	i := f.cursor
	e, m := f.entries[i], f.members[i]
	s := m.Name + " · " + m.Endpoint
	switch e.state {
	case fleetConnected:
		s += " · Docker " + e.row.Version + " · " + cmp.Or(e.row.Storage, "storage unknown")
		if e.app != nil {
			s += " · open"
		}
		return f.st.Status.Render(s)
	case fleetUnreachable:
		return f.st.Status.Render(s+" · ") + f.st.Error.Render(e.row.Err)
	}
	return f.st.Status.Render(s + " · connecting…")
}

func (f *Fleet) helpLine() string {
	k := f.keys
	if f.quitAsk {
		return f.help.ShortHelpView([]key.Binding{hint(NewKeyMap(false).Confirm, "y", "quit"), hint(key.NewBinding(key.WithKeys("z")), "any other key", "stays")})
	}
	if f.showHelp {
		return f.help.ShortHelpView([]key.Binding{hint(k.Help, "?/esc", "close"), k.Quit})
	}
	keys := []key.Binding{hint(k.Open, "enter", "open engine"), hint(k.SortSize, "s/e/n", "sort"), hint(k.SortLeft, "< >", "column"), hint(k.Reverse, "r", "reverse"),
		hint(k.Refresh, "ctrl+r", "refresh"), hint(k.Help, "?", "help"), hint(k.Quit, "q", "quit")}
	width := func(bs []key.Binding) int {
		n := 0
		for _, b := range bs {
			n += ansi.StringWidth(b.Help().Key) + 1 + ansi.StringWidth(b.Help().Desc) + 3
		}
		return n - 3
	}
	for len(keys) > 2 && width(keys) > f.width {
		keys = slices.Delete(keys, len(keys)-3, len(keys)-2)
	}
	return f.help.ShortHelpView(keys)
}

// helpBody is the ? screen: the keymap's groups, in two columns when
// they fit, then how the figures are read.
func (f *Fleet) helpBody() []string {
	keyW, descW := 0, 0
	groups := f.keys.helpGroups()
	for _, g := range groups {
		for _, b := range g.keys {
			keyW = max(keyW, ansi.StringWidth(b.Help().Key))
			descW = max(descW, ansi.StringWidth(b.Help().Desc))
		}
	}
	block := func(gs []helpGroup) []string {
		var out []string
		for n, g := range gs {
			if n > 0 {
				out = append(out, "")
			}
			out = append(out, "  "+f.st.DetailHead.Render(g.title))
			for _, b := range g.keys {
				h := b.Help()
				out = append(out, "    "+f.st.Prompt.Render(fit(h.Key, keyW, false))+"  "+f.st.Muted.Render(h.Desc))
			}
		}
		return out
	}
	colW := 4 + keyW + 2 + descW + 1
	var lines []string
	if f.width >= 2*colW {
		left, right := block(groups[:2]), block(groups[2:])
		for n := range max(len(left), len(right)) {
			l, r := "", ""
			if n < len(left) {
				l = left[n]
			}
			if n < len(right) {
				r = right[n]
			}
			lines = append(lines, l+strings.Repeat(" ", max(colW-ansi.StringWidth(l), 0))+r)
		}
	} else {
		lines = block(groups)
	}
	lines = append(lines, "")
	lines = append(lines, wrapHanging(fmt.Sprintf("Every engine is measured in parallel, each within its own deadline, as bilge df --fleet does, again every %s. In an engine's tabs the keys are the tabs' own: marks and deletions act on that engine only. Mouse: the wheel moves, a click selects, a click on a title sorts.", shortDur(f.opts.Refresh)), "  ", "  ", f.width, f.st.Muted)...)
	return append(lines, "", f.st.Muted.Render("  ? or esc closes this help"))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
