package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestFitWideCharacters: a cell is exactly its column's width whatever
// the text — wide characters that straddle the edge included — so rows
// never shift or overflow, and what is cut is cut between characters.
func TestFitWideCharacters(t *testing.T) {
	t.Parallel()
	for _, s := range []string{
		"日本語日本語", "ab日本語", `net\x1b[31m日本`, "reg/日本語日本語:1", "a/b/日本:語語", "🐳🐳🐳🐳", "plain",
	} {
		for w := 1; w <= 12; w++ {
			for _, right := range []bool{false, true} {
				if got := fit(s, w, right); ansi.StringWidth(got) != w {
					t.Errorf("fit(%q, %d) = %q: %d cells", s, w, got, ansi.StringWidth(got))
				}
			}
			got := fitMiddle(s, w)
			if ansi.StringWidth(got) != w {
				t.Errorf("fitMiddle(%q, %d) = %q: %d cells", s, w, got, ansi.StringWidth(got))
			}
			if w > 2 && strings.Contains(s, "/") && ansi.StringWidth(s) > w {
				// What it keeps of the end is the end of s.
				end := strings.TrimRight(got[strings.LastIndex(got, "…")+len("…"):], " ")
				if !strings.HasSuffix(s, end) {
					t.Errorf("fitMiddle(%q, %d) = %q: %q is not the end of it", s, w, got, end)
				}
			}
		}
	}
}
