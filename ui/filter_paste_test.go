package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"bilge/model"

	tea "charm.land/bubbletea/v2"
)

// pastedQuery is n characters of `docker images` output, the kind of text
// a user pastes into the filter by mistake: many terms, some of which
// match rows.
func pastedQuery(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "registry.example.com/team%d/svc-%d   v%d   %012x   %d days ago   %dMB\n", i%37, i%300, i, i*7919, i%30, i%900)
	}
	return b.String()[:n]
}

// BenchmarkScalePasteFilter types 10,000 characters into the Images tab's
// filter one key at a time, as a terminal without bracketed paste (or
// tmux send-keys) delivers a paste, over 1k and 10k objects: each key
// re-parses the query and re-filters the tab.
func BenchmarkScalePasteFilter(b *testing.B) {
	// Newlines become blanks: enter would apply the filter.
	q := strings.ReplaceAll(pastedQuery(10_000), "\n", " ")
	for _, n := range []int{1_000, 10_000} {
		a := loadedScale(n)
		press(a, "2")
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			for b.Loop() {
				press(a, "/")
				typeText(a, q)
				press(a, "esc", "esc")
			}
		})
	}
}

// TestFilterPasteBounded: 10,000 characters typed into the filter (a paste
// without bracketed paste) end in one inline error that says the filter
// is too long; the input stops growing just past the limit, the rows stay
// as they were, and enter does not apply it.
func TestFilterPasteBounded(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 160, 30)
	press(a, "2")
	before := names(a)
	press(a, "/")
	typeText(a, strings.ReplaceAll(pastedQuery(10_000), "\n", " "))
	if n := len([]rune(a.input.Value())); n > model.MaxFilterLen+1 {
		t.Errorf("the input holds %d characters, want at most %d", n, model.MaxFilterLen+1)
	}
	if !strings.Contains(a.filterErr, "longer than 500 characters") {
		t.Fatalf("filter error %q, want one saying the filter is too long", a.filterErr)
	}
	if !strings.Contains(screen(a), "longer than 500 characters") {
		t.Errorf("the error is not on screen:\n%s", screen(a))
	}
	if got := names(a); !slices.Equal(got, before) {
		t.Errorf("the refused filter changed the rows: %v, want %v", got, before)
	}
	press(a, "enter")
	if !a.filtering {
		t.Error("enter accepted a filter that is too long")
	}
}

// TestBracketedPaste: a paste while typing a filter goes into it (and is
// applied as typed text is); a paste anywhere else does nothing — pasted
// text never acts as keys (a "d" or "y" in it deletes nothing).
func TestBracketedPaste(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 160, 30)
	press(a, "2")
	before := names(a)
	marked := a.marks.Len()
	a.Update(tea.PasteMsg{Content: " dyy*d y"})
	if a.dialog != nil || a.marks.Len() != marked || !slices.Equal(names(a), before) {
		t.Fatal("a paste outside the filter acted as keys")
	}
	press(a, "/")
	a.Update(tea.PasteMsg{Content: "is:dangling"})
	if got := a.input.Value(); got != "is:dangling" {
		t.Fatalf("filter input %q after the paste, want is:dangling", got)
	}
	if a.filterErr != "" || slices.Equal(names(a), before) {
		t.Errorf("the pasted filter was not applied (error %q, rows %v)", a.filterErr, names(a))
	}
	a.Update(tea.PasteMsg{Content: strings.Repeat("x", 10_000)})
	if !strings.Contains(a.filterErr, "longer than 500 characters") {
		t.Errorf("a 10,000-character paste: filter error %q", a.filterErr)
	}
}
