package ui

import (
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"bilge/model"
)

// Screen layout: header, tab bar, body, status line, help line.
const (
	bodyTop    = 2
	chromeRows = 4
	// splitWidth is the width from which details open beside the table
	// instead of over it.
	splitWidth = 130
)

func (a *App) tooSmall() bool { return a.width < minWidth || a.height < minHeight }

// tableRows is how many data rows fit under the column header.
func (a *App) tableRows() int { return max(a.height-a.chrome()-1, 1) }

// chrome is how many rows are not the body: header, tabs, status and
// help lines, and a filter error too long for the status line.
func (a *App) chrome() int { return chromeRows + len(a.errLines) }

// filterErrLines is the filter's error wrapped over whole lines above the
// status line, when it does not fit beside the input: an error is read in
// full, never cut. Layout keeps it in errLines.
func (a *App) filterErrLines() []string {
	if !a.filtering || a.filterErr == "" {
		return nil
	}
	if ansi.StringWidth(a.input.View())+2+ansi.StringWidth(a.filterErr) <= a.width {
		return nil
	}
	return wrapHanging(a.filterErr, "  ", "  ", a.width, a.st.Error)
}

// View draws the screen from state Update prepared (layout.go): it only
// formats the visible rows, so its cost does not grow with the number of
// objects, and it changes nothing, so drawing a frame or not never
// changes what the next key does.
func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "bilge"
	return v
}

func (a *App) render() string {
	if a.width == 0 {
		return ""
	}
	if a.mode() == modeTooSmall {
		// Nothing else is drawn, so nothing else acts (mode.go): say so.
		msg := fmt.Sprintf("Terminal too small: bilge needs %d×%d, this is %d×%d. Until it is bigger only q and ctrl+c act.", minWidth, minHeight, a.width, a.height)
		if a.quitAsk {
			msg += "\n\n" + ansi.Strip(a.quitQuestion())
		}
		return lipgloss.Place(a.width, a.height, lipgloss.Center, lipgloss.Center, ansi.Wordwrap(msg, a.width, ""))
	}
	errLines := a.errLines
	bodyH := a.height - chromeRows - len(errLines)
	var body []string
	switch a.screen() {
	case modeHelp:
		body = a.helpBody(bodyH)
	case modeConfirm:
		body = a.dialogBody(bodyH)
	case modePresets:
		body = a.presetsBody()
	case modeHistory:
		body = a.historyBody(bodyH)
	}
	switch {
	case body != nil:
	case a.active == 0:
		body = a.overviewBody()
	default:
		body = a.tableBody(bodyH)
	}
	lines := make([]string, 0, a.height)
	lines = append(lines, a.header(), a.tabBar())
	for i := 0; i < bodyH; i++ {
		l := ""
		if i < len(body) {
			l = body[i]
		}
		lines = append(lines, l)
	}
	lines = append(lines, errLines...)
	lines = append(lines, a.statusLine(), a.helpLine())
	for i, l := range lines {
		if ansi.StringWidth(l) > a.width {
			lines[i] = ansi.Truncate(l, a.width, "…")
		}
	}
	return strings.Join(lines, "\n")
}

// ---- header

func (a *App) header() string {
	title := a.st.Title.Render("bilge")
	where := a.opts.Title
	if where == "" {
		where = a.snap.Engine.Host
		if a.snap.Engine.Context != "" {
			where = "context " + a.snap.Engine.Context
		}
	}
	ro := ""
	if a.opts.ReadOnly {
		ro = " " + a.st.ReadOnly.Render("[read-only]")
	}
	engine := ""
	if e := a.snap.Engine; e.Version != "" {
		engine = a.st.Muted.Render(fmt.Sprintf(" · %s %s (API %s)", e.ProductName(), e.Version, e.APIVersion))
	}
	var right string
	switch a.conn {
	case connConnecting:
		right = a.st.Muted.Render("connecting…")
	case connConnected:
		right = a.st.Connected.Render("● connected")
		if !a.eventsUp {
			right += a.st.Warn.Render(" (polling)")
		}
	case connReconnecting:
		right = a.st.Offline.Render("reconnecting…")
		if !a.offlineSince.IsZero() {
			right += a.st.Muted.Render(" offline since " + a.offlineSince.Local().Format("15:04:05"))
		}
	}
	if !a.lastData.IsZero() {
		age := a.now.Sub(a.lastData)
		txt := " · updated " + shortDur(age) + " ago"
		if a.conn == connReconnecting {
			right += a.st.Offline.Render(txt + " (stale)")
		} else {
			right += a.st.Muted.Render(txt)
		}
	}
	// On a narrow terminal the engine version goes first, then the
	// middle of the host's name: the connection state and the data age
	// on the right always stay whole.
	fixed := ansi.StringWidth(title) + 1 + ansi.StringWidth(ro) + ansi.StringWidth(right) + 1
	if fixed+ansi.StringWidth(where)+ansi.StringWidth(engine) > a.width {
		engine = ""
	}
	if room := a.width - fixed; ansi.StringWidth(where) > room {
		where = fitMiddle(where, max(room, 1))
	}
	return spread(title+" "+a.st.Header.Render(where)+ro+engine, right, a.width)
}

// shortDur prints a data age compactly: 3s, 4m, 2h.
func shortDur(d time.Duration) string {
	switch {
	case d < time.Second:
		return "0s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	}
	return fmt.Sprintf("%dh", int(d.Hours()))
}

// spread puts left and right on one line of width w. When both do not
// fit, the right side gives way, down to a third of the line; then the
// left does.
func spread(left, right string, w int) string {
	lw, rw := ansi.StringWidth(left), ansi.StringWidth(right)
	if lw+rw+1 > w {
		keep := max(w-lw-1, w/3)
		if rw > keep {
			right = ansi.Truncate(right, keep, "…")
			rw = ansi.StringWidth(right)
		}
	}
	if lw+rw+1 > w {
		left = ansi.Truncate(left, max(w-rw-1, 0), "…")
		lw = ansi.StringWidth(left)
	}
	gap := max(w-lw-rw, 1)
	return left + strings.Repeat(" ", gap) + right
}

// ---- tabs

// Tab labels, from the most to the least said.
const (
	tabsCounted  = iota // "2 Images 6"
	tabsNamed           // "2 Images"
	tabsNumbered        // "2" beside the current tab's "3 Containers"
)

// tabDetail is how much the tab bar can say at this width: counts when
// they fit, then names, then only the numbers beside the current tab.
func (a *App) tabDetail() int {
	for d := tabsCounted; d < tabsNumbered; d++ {
		w := 0
		for i := range numTabs {
			w += ansi.StringWidth(a.tabLabelOf(i, d)) + 2
		}
		if w <= a.width {
			return d
		}
	}
	return tabsNumbered
}

func (a *App) tabLabelOf(i int, detail int) string {
	if detail == tabsNumbered && i != a.active {
		return fmt.Sprint(i + 1)
	}
	label := fmt.Sprintf("%d %s", i+1, tabName(i))
	if k, ok := tabKind(i); ok && a.loaded && detail == tabsCounted {
		label += fmt.Sprintf(" %d", a.tabs[k].view.count(a.snap))
	}
	return label
}

func (a *App) tabBar() string {
	var b strings.Builder
	d := a.tabDetail()
	for i := range numTabs {
		if i == a.active {
			b.WriteString(a.st.TabActive.Render(a.tabLabelOf(i, d)))
		} else {
			b.WriteString(a.st.TabInactive.Render(a.tabLabelOf(i, d)))
		}
	}
	return b.String()
}

// tabRanges are the x ranges of the tabs, for mouse clicks; they follow
// tabBar's layout (one cell of padding each side).
func (a *App) tabRanges() [][2]int {
	out := make([][2]int, numTabs)
	x, d := 0, a.tabDetail()
	for i := range numTabs {
		w := ansi.StringWidth(a.tabLabelOf(i, d)) + 2
		out[i] = [2]int{x, x + w}
		x += w
	}
	return out
}

// ---- tables

func (a *App) tableBody(h int) []string {
	t := a.tab()
	if t.dirty {
		// Update applies before drawing; this only guards a first frame.
		return []string{a.st.Muted.Render("sorting…")}
	}
	width := a.width
	detail := a.detail
	if a.showDetails {
		if a.width < splitWidth {
			return a.detailsFull(detail, h)
		}
		width = a.width * 55 / 100
	}
	lines := a.renderTable(t, width, h)
	if a.showDetails {
		for len(lines) < h {
			lines = append(lines, "")
		}
		dw := a.width - width - 3
		sep := a.st.Border.Render(" │ ")
		for i := range lines {
			// The title stays; what is under it scrolls.
			d := ""
			if j := i + a.detailTop; i == 0 && len(detail) > 0 {
				d = detail[0]
			} else if j < len(detail) {
				d = detail[j]
			}
			lines[i] = fit(lines[i], width, false) + sep + ansi.Truncate(d, dw, "…")
		}
	}
	return lines
}

func (a *App) renderTable(t *tab, width, h int) []string {
	cols := t.view.columns()
	for i := range cols {
		if c := &cols[i]; c.sortable && c.sort == t.sort.Key {
			// The sort column stays on screen, wide enough for its arrow.
			c.drop = 0
			c.min = max(c.min, ansi.StringWidth(c.title)+2)
		}
	}
	why := a.showWhy(t.view.kind(), width)
	if why {
		cols = append(cols, column{title: "WHY", min: 18, flex: 1})
	}
	widths := layout(cols, width-3)
	lines := make([]string, 0, h)
	lines = append(lines, "   "+renderHeader(&a.st, cols, widths, t.sort))
	if !a.loaded {
		lines = append(lines, a.st.Muted.Render("  loading…"))
		return lines
	}
	if len(t.rows) == 0 {
		msg := "  nothing here"
		if !t.filter.Empty() {
			msg = "  no " + strings.ToLower(tabName(a.active)) + " match the filter (esc clears it)"
		} else if t.view.kind() == model.KindBuildCache && a.snap.Engine.NoBuildCache {
			msg = "  " + a.snap.Engine.ProductName() + " keeps no build cache: its builds' cached steps are untagged intermediate images (Images tab)"
		} else if t.view.kind() == model.KindBuildCache && !a.snap.Sized {
			msg = "  build cache comes with the disk usage scan…"
		}
		lines = append(lines, a.st.Muted.Render(msg))
		return lines
	}
	stale := a.conn == connReconnecting
	rows := h - 1 // from t.offset, which layout keeps around the cursor
	kind := t.view.kind()
	for pos := t.offset; pos < len(t.rows) && pos < t.offset+rows; pos++ {
		i := t.rows[pos]
		cells := t.view.cells(&a.st, a.snap, i, a.now)
		rv, grouped := t.view.(*reposView)
		if kind == model.KindImage && !grouped {
			cells = append(cells, a.freesCell(&a.snap.Images[i]))
		}
		if why {
			cells = append(cells, cell{text: a.ruleOf(kind, t.view.id(a.snap, i)), style: &a.st.Marked})
		}
		// The cursor shows as ▸ too, not only as a highlight: without
		// colour (NO_COLOR) it must still be plain where it is.
		mark := " "
		if pos == t.cursor {
			mark = a.st.Prompt.Render("▸")
		}
		if a.marks.Has(kind, t.view.id(a.snap, i)) {
			mark += a.st.Marked.Render("●") + " "
		} else if grouped && rv.isRepo(i) && a.repoMarks(rv.group(i)) > 0 {
			// All its images marked, or some.
			if a.repoMarks(rv.group(i)) == len(rv.group(i).ids) {
				mark += a.st.Marked.Render("●") + " "
			} else {
				mark += a.st.Marked.Render("○") + " "
			}
		} else {
			mark += "  "
		}
		lines = append(lines, mark+renderRow(&a.st, cols, widths, cells, pos == t.cursor, stale, width-3))
	}
	return lines
}

// detailsFull draws the details over the table: the title stays on the
// first line, and what is under it scrolls.
func (a *App) detailsFull(detail []string, h int) []string {
	if len(detail) == 0 {
		return nil
	}
	lines := make([]string, 0, h)
	lines = append(lines, detail[0])
	for i := 1 + a.detailTop; i < len(detail) && len(lines) < h; i++ {
		lines = append(lines, detail[i])
	}
	return lines
}

// ---- overview

// overviewBody is the docker system df table with bilge's exact reclaimable
// (docker's own figure beside it where they differ) and a bar per kind,
// what is marked, then the last clean-up's results as layout laid them
// out in the room left.
func (a *App) overviewBody() []string {
	st := &a.st
	lines := a.overviewTop()
	if r := a.lastRun; r != nil {
		lines = append(lines, r.shown...)
	}
	if a.marks.Len() == 0 && a.lastRun == nil {
		hint := "  enter opens the kind under the cursor; 2–6 jump to a tab; p offers prune presets"
		if a.opts.ReadOnly {
			hint = "  enter opens the kind under the cursor; 2–6 jump to a tab (read-only: nothing can be marked or deleted)"
		}
		lines = append(lines, "")
		lines = append(lines, wrapHanging(strings.TrimSpace(hint), "  ", "  ", a.width, st.Muted)...)
	}
	return lines
}

// overviewTop is the Overview above the last clean-up's results.
func (a *App) overviewTop() []string {
	st := &a.st
	cols := []column{
		{title: "TYPE", min: 14},
		{title: "TOTAL", min: 6, right: true},
		{title: "ACTIVE", min: 6, right: true},
		{title: "SIZE", min: 9, right: true},
		{title: "RECLAIMABLE", min: 16, right: true},
		{title: "DOCKER SAYS", min: 16, right: true},
	}
	fixed := 0
	for _, c := range cols {
		fixed += c.min + colGap
	}
	// The history's sparklines and changes (history.go) when they fit;
	// where room is short, docker's own figure goes first.
	sparkW := a.sparkWidth()
	trendW := 0
	if sparkW > 0 {
		trendW = sparkW + 1 + changeW
		fixed += trendW + 2
	}
	if a.width-fixed-2 < 12 {
		cols = cols[:5] // narrow: drop docker's figure, keep the bars
		fixed -= 16 + colGap
	}
	barW := a.width - fixed - 2
	tableW := fixed - colGap
	if trendW > 0 {
		tableW -= trendW + 2
	}
	widths := layout(cols, tableW)
	head := "  " + renderHeader(st, cols, widths, model.Sort{Key: -1}) + "  "
	if trendW > 0 {
		head += st.ColHeader.Render(fit("SIZE, LAST 30 DAYS", sparkW, false)+" "+fit("CHANGE", changeW, true)) + "  "
	}
	lines := []string{head + st.ColHeader.Render("SPACE")}
	var largest, total, reclaim, dockerTotal, held int64
	exactPending := false
	for _, u := range a.usage {
		largest = max(largest, u.Size)
		if n := a.snap.OnDisk(u.Kind); n > 0 {
			total += n // each byte once, whatever docker's SIZE counts
		}
		if u.Reclaimable > 0 {
			dockerTotal += u.Reclaimable
		}
	}
	for i, u := range a.usage {
		size, rec, docker := "-", "-", ""
		exact := u.Reclaimable
		if u.Kind.Info().Sized {
			size = model.SizeText(u.Size)
			e, ok := a.exact[u.Kind]
			if ok && u.Size >= 0 {
				exact = e.Bytes
				rec = percentOf(e.Bytes, u.Size)
				if e.Held > 0 {
					// As bilge df: a * on what BuildKit's cache keeps,
					// said in the footnote under the table.
					rec = strings.Replace(rec, model.HumanSize(e.Bytes), model.HumanSize(e.Bytes)+"*", 1)
					held = e.Held
				}
				if e.Pending {
					rec = "≥" + rec
					exactPending = true
				}
				reclaim += e.Bytes
				if u.Reclaimable >= 0 && u.Reclaimable != e.Bytes {
					docker = percentOf(u.Reclaimable, u.Size)
				}
			} else {
				rec = model.SizeText(u.Reclaimable)
			}
		}
		cells := []cell{{text: u.Kind.String()}, {text: fmt.Sprint(u.Total)}, {text: fmt.Sprint(u.Active)}, {text: size}, {text: rec}, {text: docker, style: &st.Muted}}
		if u.Size < 0 && u.Kind.Info().Sized {
			cells[3].style, cells[4].style = &st.Pending, &st.Pending
		}
		// Counts not known yet are pending, never 0: before the lists (the
		// image list may come first), and build cache before disk usage.
		listed := a.loaded || (u.Kind == model.KindImage && a.snap.ContainersPending)
		if !listed || (u.Kind == model.KindBuildCache && !a.snap.Sized) {
			cells[1] = cell{text: model.Pending, style: &st.Pending}
		}
		if !a.loaded || (u.Kind == model.KindBuildCache && !a.snap.Sized) {
			cells[2] = cell{text: model.Pending, style: &st.Pending}
		}
		row := renderRow(st, cols, widths, cells, false, a.conn == connReconnecting, 0)
		bar := ""
		if barW >= 10 && u.Kind.Info().Sized {
			bar = a.bar(u.Size, exact, largest, barW)
		}
		mark := "  "
		if i == a.ovCursor {
			mark = st.Prompt.Render("▸ ")
			row = st.RowCursor.Render(ansi.Strip(row))
		}
		if trendW > 0 {
			row += "  " + a.trendCell(u.Kind, i == 0, sparkW)
		}
		lines = append(lines, mark+row+"  "+bar)
	}
	if held > 0 {
		// In place of the spacer, as bilge df prints it under its table.
		lines = append(lines, st.Muted.Render(fmt.Sprintf("  * of which %s stays in build cache until it is pruned too", model.HumanSize(held))))
	} else {
		lines = append(lines, "")
	}
	if a.snap.Sized {
		txt := fmt.Sprintf("  %s %s on disk, %s reclaimable", st.DetailHead.Render("Total"), model.HumanSize(total), model.HumanSize(reclaim))
		if exactPending {
			txt += st.Pending.Render(" (at least: layer data pending)")
		}
		if dockerTotal != reclaim {
			txt += st.Muted.Render(fmt.Sprintf(" · docker system df says %s", model.HumanSize(dockerTotal)))
		}
		lines = append(lines, txt)
	} else {
		lines = append(lines, st.Pending.Render("  sizes pending: the disk usage scan is running…"))
	}
	if barW >= 10 {
		lines = append(lines, "  "+st.BarUsed.Render("█")+st.Muted.Render(" stays  ")+st.BarFree.Render("▒")+st.Muted.Render(" reclaimable (each prune, exact; bars to scale)"))
	}
	if a.snap.Sized {
		lines = append(lines, "", st.Muted.Render(fmt.Sprintf("  sizes from the engine's disk usage scan %s ago (took %s); lists update live",
			shortDur(a.now.Sub(a.snap.SizedAt)), a.snap.SizeDuration.Round(time.Millisecond))))
	}
	if a.hist.err != "" {
		lines = append(lines, st.Warn.Render(ansi.Truncate("  "+a.hist.err, a.width, "…")))
	}
	return append(lines, a.markedLines()...)
}

func percentOf(n, of int64) string {
	if of > 0 {
		return fmt.Sprintf("%s (%d%%)", model.HumanSize(n), n*100/of)
	}
	return model.HumanSize(n)
}

// bar draws a kind's size to scale against the largest kind: what stays,
// then the reclaimable part.
func (a *App) bar(size, reclaim, largest int64, w int) string {
	if size < 0 {
		return a.st.Pending.Render(strings.Repeat("·", w/4))
	}
	if largest <= 0 {
		return ""
	}
	full := int(int64(w) * size / largest)
	if size > 0 && full == 0 {
		full = 1
	}
	free := 0
	if size > 0 && reclaim > 0 {
		free = int(int64(full) * min(reclaim, size) / size)
		if free == 0 {
			free = 1
		}
	}
	used := full - free
	return a.st.BarUsed.Render(strings.Repeat("█", used)) + a.st.BarFree.Render(strings.Repeat("▒", free))
}

// moreThanReclaimable says why marks of a kind can free more than its
// RECLAIMABLE (its own prune on today's state): image and volume prunes
// leave what containers use, container prune leaves running ones.
// The second form is for narrow screens.
var moreThanReclaimable = map[model.Kind][2]string{
	model.KindImage:     {"the marked containers' images go too", "incl. marked containers' images"},
	model.KindVolume:    {"the marked containers' volumes go too", "incl. marked containers' volumes"},
	model.KindContainer: {"running containers marked", "incl. running containers"},
}

// markedLines is the Overview's "what is marked" section.
func (a *App) markedLines() []string {
	if a.marks.Len() == 0 {
		return nil
	}
	st := &a.st
	r := a.reclaim
	lines := []string{"", "  " + st.Marked.Render(fmt.Sprintf("● Marked: %d", a.marks.Len())) + "  frees " + st.DetailHead.Render(freesText(r)) + st.Muted.Render(" (exact) · d deletes, u unmarks")}
	per := map[model.Kind]int64{model.KindImage: r.Images, model.KindContainer: r.Containers, model.KindVolume: r.Volumes, model.KindBuildCache: r.BuildCache}
	for _, k := range model.Kinds {
		n := a.marks.LenOf(k)
		if n == 0 {
			continue
		}
		frees, note := "-", ""
		if k.Info().Sized {
			b := per[k]
			if k == model.KindImage && r.HeldByBuildCache > 0 {
				// The kinds add up to the total: the layers BuildKit's
				// cache keeps are freed only with it, as the total says.
				b -= r.HeldByBuildCache
				note = st.Warn.Render(fmt.Sprintf(" (+%s once build cache is pruned)", model.HumanSize(r.HeldByBuildCache)))
			}
			frees = model.HumanSize(b)
			if r.PendingKinds.Has(k) {
				frees = "≥" + frees + " (pending)"
			}
		}
		line := fmt.Sprintf("    %-14s %6d   frees %s", k.String(), n, frees) + note
		if why, ok := moreThanReclaimable[k]; ok && !r.PendingKinds.Has(k) {
			// Above the kind's own prune (its RECLAIMABLE above) only
			// because of marked containers: say so, briefly when narrow.
			if e, ok := a.exact[k]; ok && !e.Pending && per[k] > e.Bytes && model.HumanSize(per[k]) != model.HumanSize(e.Bytes) {
				more := " (more than RECLAIMABLE: " + why[0] + ")"
				if ansi.StringWidth(line+more) > a.width {
					more = " (" + why[1] + ")"
				}
				line += st.Muted.Render(more)
			}
		}
		lines = append(lines, line)
	}
	return lines
}

// ---- help

// helpBody is the ? screen as layout wrapped it (helpText), from helpTop
// when it does not fit.
func (a *App) helpBody(height int) []string {
	st := &a.st
	lines := a.helpPage.lines
	// Scroll: the last line says how to.
	if height > 0 && len(lines) > height {
		top := min(max(a.helpTop, 0), len(lines)-height+1) // layout clamped it; this only guards
		more := len(lines) - top - (height - 1)
		lines = lines[top : top+height-1 : top+height-1]
		hint := "  ↑/↓ scroll · ? or esc closes this help"
		if more > 0 {
			hint = fmt.Sprintf("  … %d more lines (↓ to scroll) · ? or esc closes this help", more)
		}
		return append(lines, st.Muted.Render(hint))
	}
	return append(lines[:len(lines):len(lines)], "", st.Muted.Render("  ? or esc closes this help"))
}

// helpText is the whole ? screen: every enabled key of the keymap, in as
// many columns as the width allows, then the filter language and what the
// numbers mean, wrapped to the width.
func (a *App) helpText() []string {
	st := &a.st
	type entry struct{ key, desc string }
	var groups [][]entry
	keyW, descW := 0, 0
	for _, g := range a.keys.helpGroups() {
		es := []entry{{key: g.title}}
		for _, b := range g.keys {
			if !b.Enabled() {
				continue
			}
			h := b.Help()
			es = append(es, entry{h.Key, h.Desc})
			keyW = max(keyW, ansi.StringWidth(h.Key))
			descW = max(descW, ansi.StringWidth(h.Desc))
		}
		if len(es) > 1 {
			groups = append(groups, es)
		}
	}
	colW := 2 + keyW + 2 + descW + 2
	cols := max(1, min(len(groups), (a.width-2)/colW))
	// Pack groups into cols columns, in order, evening out their heights.
	total := 0
	for _, g := range groups {
		total += len(g) + 1
	}
	target := (total + cols - 1) / cols
	var columns [][]string
	var cur []string
	for _, g := range groups {
		if len(cur) > 0 && len(cur)+len(g) > target && len(columns) < cols-1 {
			columns = append(columns, cur)
			cur = nil
		}
		if len(cur) > 0 {
			cur = append(cur, "")
		}
		for i, e := range g {
			if i == 0 {
				cur = append(cur, "  "+st.DetailHead.Render(e.key))
				continue
			}
			k := lipgloss.NewStyle().Foreground(st.HelpKey).Render(fit(e.key, keyW, false))
			cur = append(cur, "  "+k+"  "+lipgloss.NewStyle().Foreground(st.HelpDesc).Render(e.desc))
		}
	}
	columns = append(columns, cur)
	rows := 0
	for _, c := range columns {
		rows = max(rows, len(c))
	}
	lines := []string{st.DetailHead.Render("Keys"), ""}
	for r := 0; r < rows; r++ {
		var b strings.Builder
		for ci, c := range columns {
			cell := ""
			if r < len(c) {
				cell = c[r]
			}
			if ci < len(columns)-1 {
				cell += strings.Repeat(" ", max(0, colW-ansi.StringWidth(cell)))
			}
			b.WriteString(cell)
		}
		lines = append(lines, b.String())
	}
	wrap := func(text string) []string { return wrapHanging(text, "  ", "  ", max(a.width-2, 22)) }
	lines = append(lines, "", st.DetailHead.Render("Filter"), "")
	lines = append(lines, wrap(model.FilterHelp())...)
	lines = append(lines, "", st.DetailHead.Render("Numbers"), "")
	lines = append(lines, wrap("RECLAIMABLE on the Overview is exact: what each kind's prune frees, each layer counted once; docker's own figure is beside it where they differ.")...)
	lines = append(lines, wrap("FREES is what deleting that image alone frees on disk: the layers no other image uses. A * says build-cache records hold some of those layers too (BuildKit built the image, or builds used it as a base): those bytes leave the disk only once the build cache is pruned too.")...)
	lines = append(lines, wrap("The Overview's RECLAIMABLE adds up each kind's own prune; \"everything unused\" (preset 0) frees another amount, because removing the stopped containers frees their images and anonymous volumes too, and it keeps named volumes: the presets menu says by how much. The marked summary's kinds add up to its total.")...)
	return append(lines, wrap("… is a size the engine's disk-usage scan has not delivered yet; ≥ a figure that is at least that much while some layers are still being read.")...)
}

// notForText names the filter's terms this tab's kind cannot match.
func (a *App) notForText(t *tab) string {
	bad := t.filter.NotFor(t.view.kind())
	if len(bad) == 0 {
		return ""
	}
	kind := strings.ToLower(t.view.kind().String())
	verb := "does"
	if len(bad) > 1 {
		verb = "do"
	}
	return "  " + a.st.Warn.Render(fmt.Sprintf("%s %s not apply to %s", strings.Join(bad, ", "), verb, kind))
}

// ---- status and help lines

func (a *App) statusLine() string {
	if a.quitAsk {
		return a.quitQuestion()
	}
	if a.run != nil {
		return spread(a.progressLine(), "", a.width)
	}
	var left string
	t := a.tab()
	switch {
	case a.flash != "":
		left = a.st.Warn.Render(a.flash)
	case a.filtering:
		left = a.input.View()
		if a.filterErr != "" {
			if len(a.errLines) == 0 {
				left += "  " + a.st.Error.Render(a.filterErr)
			}
		} else if t != nil {
			count := fmt.Sprintf("%d of %d", len(t.rows), t.view.count(a.snap))
			if rv, ok := t.view.(*reposView); ok {
				count = fmt.Sprintf("%d of %d repositories", len(rv.order), len(rv.groups))
			}
			left += "  " + a.st.Status.Render(count) + a.notForText(t)
		}
	case t != nil:
		left = a.st.Status.Render(fmt.Sprintf("%d of %d", len(t.rows), t.view.count(a.snap)))
		if rv, ok := t.view.(*reposView); ok {
			left = a.st.Status.Render(fmt.Sprintf("%d of %d repositories", len(rv.order), len(rv.groups)))
		}
		left += a.st.Muted.Render(" · sort " + t.sort.Key.String() + dirArrow(t.sort.Desc) + " " + t.sort.Words())
		if !t.filter.Empty() {
			left += " " + a.st.Prompt.Render("/"+t.filter.String()) + a.notForText(t)
		}
	}
	if ms := a.markSummary(); ms != "" && !a.filtering && a.flash == "" {
		left += "  " + a.st.Marked.Render(ms)
	}
	var right []string
	if a.busy() {
		what := []string{}
		if a.listing {
			what = append(what, "listing")
		}
		for k, b := range a.kindBusy {
			if b {
				what = append(what, "listing "+strings.ToLower(model.Kind(k).String()))
			}
		}
		if a.dfRunning {
			what = append(what, "sizing "+shortDur(a.now.Sub(a.dfStart)))
		}
		right = append(right, a.spin.View()+" "+a.st.Muted.Render(strings.Join(what, ", ")))
	}
	if a.conn == connReconnecting && a.connErr != "" {
		right = append(right, a.st.Error.Render(a.connErr))
	} else if a.lastErr != "" {
		right = append(right, a.st.Error.Render(a.lastErr))
	} else if note := "* more once build cache is pruned"; len(right) == 0 &&
		ansi.StringWidth(left)+len(note)+2 <= a.width && a.heldShown(t) {
		right = append(right, a.st.Muted.Render(note)) // only where it fits whole
	}
	return spread(left, strings.Join(right, "  "), a.width)
}

// heldShown reports whether a FREES figure on screen ends in * (more
// leaves the disk once the build cache is pruned): the status line says
// what the * means, the details how much.
func (a *App) heldShown(t *tab) bool {
	if t == nil || t.view.kind() != model.KindImage || a.index == nil {
		return false
	}
	rv, grouped := t.view.(*reposView)
	for pos := t.offset; pos < len(t.rows) && pos < t.offset+a.tableRows(); pos++ {
		if grouped {
			if strings.HasSuffix(rv.cells(&a.st, a.snap, t.rows[pos], a.now)[4].text, "*") {
				return true
			}
			continue
		}
		if strings.HasSuffix(a.freesCell(&a.snap.Images[t.rows[pos]]).text, "*") {
			return true
		}
	}
	return false
}

// quitQuestion asks before quitting loses a clean-up or the marks.
func (a *App) quitQuestion() string {
	if a.run != nil {
		return a.st.Offline.Render("Deletions are running. Quit anyway? ") + a.st.Muted.Render("y quits once in-flight calls return · ctrl+c quits now · any other key stays")
	}
	n := a.marks.Len()
	return a.st.Offline.Render(fmt.Sprintf("Quit and drop %d %s? ", n, plural(n, "mark", "marks"))) + a.st.Muted.Render("nothing was deleted · y quits · any other key stays")
}

func dirArrow(desc bool) string {
	if desc {
		return " ▼"
	}
	return " ▲"
}
