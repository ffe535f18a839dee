package ui

import (
	"time"

	"bilge/model"
)

// tab is one table of one kind: its order, filter, and where the cursor is.
// It holds indices into the snapshot's slice, recomputed only when the data,
// the sort or the filter change, never per frame.
type tab struct {
	view   kindView
	sort   model.Sort
	filter model.Filter
	rows   []int // indices into the kind's slice: sorted, filtered
	cursor int   // position in rows
	offset int   // first visible row
	// selected is the ID under the cursor, kept so the cursor follows its
	// object across refreshes and re-sorts.
	selected string
	dirty    bool
	// pressed: the sort came from a press of its key (s, a, n), so the
	// next press of that key reverses it; the opening sort and one chosen
	// with < or > take a first press to select.
	pressed bool
	// bySize: the kind has a size column (networks have none).
	bySize bool
}

func newTab(v kindView) *tab {
	sort := model.DefaultSort
	if !sortableBy(v, sort.Key) {
		sort = model.NewSort(model.SortName) // networks: no size
	}
	return &tab{view: v, sort: sort, dirty: true, bySize: sortableBy(v, model.SortSize)}
}

// sortableBy reports whether the view has a column sorted by k.
func sortableBy(v kindView, k model.SortKey) bool {
	for _, c := range v.columns() {
		if c.sortable && c.sort == k {
			return true
		}
	}
	return false
}

// sortKeys are the view's sortable columns, left to right.
func sortKeys(v kindView) []model.SortKey {
	var out []model.SortKey
	for _, c := range v.columns() {
		if c.sortable {
			out = append(out, c.sort)
		}
	}
	return out
}

// columnTitle is the title of the column sorted by k.
func columnTitle(v kindView, k model.SortKey) string {
	for _, c := range v.columns() {
		if c.sortable && c.sort == k {
			return c.title
		}
	}
	return k.String()
}

// apply re-sorts and re-filters, then puts the cursor back on the object it
// was on (or as near as the list allows).
func (t *tab) apply(s *model.Snapshot, ix *model.ReclaimIndex, now time.Time) {
	t.rows = t.view.apply(s, ix, t.sort, t.filter, now)
	t.dirty = false
	if t.selected != "" {
		for pos, i := range t.rows {
			if t.view.id(s, i) == t.selected {
				t.cursor = pos
				return
			}
		}
	}
	t.clamp()
	t.remember(s)
}

func (t *tab) clamp() {
	if t.cursor >= len(t.rows) {
		t.cursor = len(t.rows) - 1
	}
	if t.cursor < 0 {
		t.cursor = 0
	}
}

func (t *tab) remember(s *model.Snapshot) {
	if t.cursor < len(t.rows) {
		t.selected = t.view.id(s, t.rows[t.cursor])
	} else {
		t.selected = ""
	}
}

// move shifts the cursor by delta rows, within bounds.
func (t *tab) move(s *model.Snapshot, delta int) {
	t.cursor += delta
	t.clamp()
	t.remember(s)
}

func (t *tab) moveTo(s *model.Snapshot, pos int) {
	t.cursor = pos
	t.clamp()
	t.remember(s)
}

// scroll keeps the cursor within a window of height rows.
func (t *tab) scroll(height int) {
	if height <= 0 {
		return
	}
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+height {
		t.offset = t.cursor - height + 1
	}
	if maxOff := len(t.rows) - height; t.offset > maxOff {
		t.offset = max(maxOff, 0)
	}
	if t.offset < 0 {
		t.offset = 0
	}
}

// current is the index into the kind's slice under the cursor, or -1.
func (t *tab) current() int {
	if t.cursor < 0 || t.cursor >= len(t.rows) {
		return -1
	}
	return t.rows[t.cursor]
}
