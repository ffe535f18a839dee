package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"bilge/model"
)

// column describes one table column.
type column struct {
	title string
	min   int  // narrowest width
	flex  int  // share of the width left over
	right bool // right-aligned (numbers)
	// sort is the sort key this column shows, when sortable.
	sort     model.SortKey
	sortable bool
	// drop orders which columns go first on narrow terminals (higher first;
	// 0 never goes).
	drop int
	// elide cuts long text in the middle, keeping its last path segment
	// (an image's name:tag matters more than its registry).
	elide bool
	// While this column is dropped, a row whose first cell reads
	// foldFrom shows foldTo and this column's text there instead: the
	// untagged images, all <none>:<none>, by their IDs.
	foldFrom, foldTo string
}

// cell is one table cell: its text and, optionally, a style of its own.
type cell struct {
	text  string
	style *lipgloss.Style
}

const colGap = 2

// layout fits the columns into width: drops the most expendable columns
// until the minimums fit, then shares what is left among flexible ones.
// It returns each column's width, 0 for dropped columns.
func layout(cols []column, width int) []int {
	widths := make([]int, len(cols))
	visible := make([]bool, len(cols))
	for i := range cols {
		visible[i] = true
	}
	need := func() int {
		n, total := 0, 0
		for i, c := range cols {
			if visible[i] {
				total += c.min
				n++
			}
		}
		if n > 1 {
			total += (n - 1) * colGap
		}
		return total
	}
	for need() > width {
		worst := -1
		for i, c := range cols {
			if visible[i] && c.drop > 0 && (worst < 0 || c.drop > cols[worst].drop) {
				worst = i
			}
		}
		if worst < 0 {
			break
		}
		visible[worst] = false
	}
	spare := width - need()
	flexTotal := 0
	for i, c := range cols {
		if visible[i] {
			widths[i] = c.min
			flexTotal += c.flex
		}
	}
	if spare > 0 && flexTotal > 0 {
		given := 0
		last := -1
		for i, c := range cols {
			if visible[i] && c.flex > 0 {
				add := spare * c.flex / flexTotal
				widths[i] += add
				given += add
				last = i
			}
		}
		widths[last] += spare - given
	}
	return widths
}

// fit pads or truncates plain text to exactly w cells (a wide character
// that would straddle the edge goes, and a space takes its place).
func fit(s string, w int, right bool) string {
	sw := ansi.StringWidth(s)
	if sw > w {
		s = ansi.Truncate(s, w, "…")
		return s + strings.Repeat(" ", max(w-ansi.StringWidth(s), 0))
	}
	pad := strings.Repeat(" ", w-sw)
	if right {
		return pad + s
	}
	return s + pad
}

// fitMiddle fits s into w cells keeping its end: "registry/team/app:1.2"
// becomes "regis…/app:1.2" rather than "registry/te…".
func fitMiddle(s string, w int) string {
	sw := ansi.StringWidth(s)
	if sw <= w {
		return s + strings.Repeat(" ", w-sw)
	}
	cut := strings.LastIndex(s, "/")
	if cut < 0 {
		return fit(s, w, false)
	}
	tail := s[cut:]
	tw := ansi.StringWidth(tail)
	if tw+2 > w {
		// Even the last segment is too wide: keep its end, where the tag
		// is ("…mirror:stable +2").
		if w < 2 {
			return fit(s, w, false)
		}
		out := "…" + keepEnd(s, w-1)
		return out + strings.Repeat(" ", max(w-ansi.StringWidth(out), 0))
	}
	head := ansi.Truncate(s[:cut], w-tw-1, "")
	out := head + "…" + tail
	return out + strings.Repeat(" ", max(w-ansi.StringWidth(out), 0))
}

// keepEnd is the end of s in at most w cells (TruncateLeft alone keeps a
// wide character that straddles the cut: one cell too many).
func keepEnd(s string, w int) string {
	sw := ansi.StringWidth(s)
	out := ansi.TruncateLeft(s, max(sw-w, 0), "")
	for n := sw - w + 1; ansi.StringWidth(out) > w && n <= sw; n++ {
		out = ansi.TruncateLeft(s, n, "")
	}
	return out
}

// renderHeader draws the column titles, marking the active sort.
func renderHeader(st *Styles, cols []column, widths []int, sort model.Sort) string {
	var b strings.Builder
	first := true
	for i, c := range cols {
		if widths[i] == 0 {
			continue
		}
		if !first {
			b.WriteString(strings.Repeat(" ", colGap))
		}
		first = false
		title := c.title
		style := st.ColHeader
		if c.sortable && c.sort == sort.Key {
			arrow := "▲"
			if sort.Desc {
				arrow = "▼"
			}
			title += " " + arrow
			style = st.ColSorted
		}
		b.WriteString(style.Render(fit(title, widths[i], c.right)))
	}
	return b.String()
}

// renderRow draws one row. The cursor row is drawn in one style so its
// background runs unbroken; other rows keep their cells' own colours.
// folded is the first cell's text with what a dropped fold column adds.
func folded(cols []column, widths []int, cells []cell, text string) string {
	for j := range cols {
		if cols[j].foldFrom != "" && widths[j] == 0 && text == cols[j].foldFrom && j < len(cells) {
			return cols[j].foldTo + cells[j].text
		}
	}
	return text
}

func renderRow(st *Styles, cols []column, widths []int, cells []cell, cursor, stale bool, width int) string {
	var b strings.Builder
	first := true
	for i := range cols {
		if widths[i] == 0 {
			continue
		}
		if !first {
			b.WriteString(strings.Repeat(" ", colGap))
		}
		first = false
		var c cell
		if i < len(cells) {
			c = cells[i]
		}
		if i == 0 {
			c.text = folded(cols, widths, cells, c.text)
		}
		var text string
		if cols[i].elide {
			text = fitMiddle(c.text, widths[i])
		} else {
			text = fit(c.text, widths[i], cols[i].right)
		}
		switch {
		case cursor || stale:
			b.WriteString(text)
		case c.style != nil:
			b.WriteString(c.style.Render(text))
		default:
			b.WriteString(st.Row.Render(text))
		}
	}
	line := b.String()
	switch {
	case cursor:
		return st.RowCursor.Render(fit(line, width, false))
	case stale:
		return st.RowStale.Render(line)
	}
	return line
}
