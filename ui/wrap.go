package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// wrapHanging word-wraps plain text to width w: the first line after
// first, the others after indent; a word longer than a line is broken.
// Breaks fall only at spaces, so names like shop-api-1 stay whole. An
// optional style colours the text line by line, so no colour runs past a
// line's end.
func wrapHanging(s, first, indent string, w int, style ...lipgloss.Style) []string {
	var lines []string
	prefix, line := first, ""
	room := func() int { return max(w-ansi.StringWidth(prefix), 10) }
	flush := func() {
		for _, st := range style {
			line = st.Render(line)
		}
		lines = append(lines, prefix+line)
		prefix, line = indent, ""
	}
	for _, word := range strings.Fields(s) {
		for word != "" {
			switch lw, ww := ansi.StringWidth(line), ansi.StringWidth(word); {
			case line == "" && ww > room():
				n := room()
				line, word = ansi.Truncate(word, n, ""), ansi.TruncateLeft(word, n, "")
				flush()
			case line == "":
				line, word = word, ""
			case lw+1+ww <= room():
				line, word = line+" "+word, ""
			default:
				flush()
			}
		}
	}
	if line != "" || len(lines) == 0 {
		flush()
	}
	return lines
}

// wrapLines wraps the lines wider than w at word boundaries, styles kept;
// continuation lines are indented by four cells.
func wrapLines(lines []string, w int) []string {
	if w < 20 {
		return lines
	}
	var out []string
	for _, l := range lines {
		if ansi.StringWidth(l) <= w {
			out = append(out, l)
			continue
		}
		parts := strings.Split(ansi.Wordwrap(l, w, ""), "\n")
		out = append(out, parts[0])
		for _, p := range parts[1:] {
			out = append(out, strings.Split(ansi.Wordwrap("    "+strings.TrimLeft(p, " "), w, ""), "\n")...)
		}
	}
	return out
}
