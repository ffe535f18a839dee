package model

import (
	"maps"
	"slices"
)

// Marks is the set of objects the user marked for deletion, by ID (volumes
// by name), one map per kind. A map holds only marked IDs (Set and Toggle
// delete an ID when it is unmarked), so len(m.Images) is the count of
// marked images. The zero Marks is empty and ready to use; methods on a nil
// *Marks read as empty.
//
// Marks are kept by ID across refreshes: an ID that is no longer in the
// snapshot is simply ignored by the reclaim computation (Retain drops such
// IDs when the UI wants the count to match what is on screen).
type Marks struct {
	Images     map[string]bool
	Containers map[string]bool
	Volumes    map[string]bool // by name
	Networks   map[string]bool
	BuildCache map[string]bool
}

// NewMarks returns an empty set of marks.
func NewMarks() *Marks {
	return &Marks{
		Images:     map[string]bool{},
		Containers: map[string]bool{},
		Volumes:    map[string]bool{},
		Networks:   map[string]bool{},
		BuildCache: map[string]bool{},
	}
}

// of returns the map of one kind (nil for an unknown kind).
func (m *Marks) of(k Kind) *map[string]bool {
	switch k {
	case KindImage:
		return &m.Images
	case KindContainer:
		return &m.Containers
	case KindVolume:
		return &m.Volumes
	case KindNetwork:
		return &m.Networks
	case KindBuildCache:
		return &m.BuildCache
	}
	return nil
}

// Has reports whether the object is marked.
func (m *Marks) Has(k Kind, id string) bool {
	if m == nil {
		return false
	}
	if p := m.of(k); p != nil {
		return (*p)[id]
	}
	return false
}

// Set marks (on) or unmarks the object.
func (m *Marks) Set(k Kind, id string, on bool) {
	p := m.of(k)
	if p == nil {
		return
	}
	if !on {
		delete(*p, id)
		return
	}
	if *p == nil {
		*p = map[string]bool{}
	}
	(*p)[id] = true
}

// Toggle flips the object's mark and reports whether it is now marked.
func (m *Marks) Toggle(k Kind, id string) bool {
	on := !m.Has(k, id)
	m.Set(k, id, on)
	return on
}

// Len is the number of marked objects of every kind.
func (m *Marks) Len() int {
	if m == nil {
		return 0
	}
	return len(m.Images) + len(m.Containers) + len(m.Volumes) + len(m.Networks) + len(m.BuildCache)
}

// LenOf is the number of marked objects of one kind.
func (m *Marks) LenOf(k Kind) int {
	if m == nil {
		return 0
	}
	if p := m.of(k); p != nil {
		return len(*p)
	}
	return 0
}

// Clear unmarks everything.
func (m *Marks) Clear() {
	if m == nil {
		return
	}
	for _, k := range Kinds {
		clear(*m.of(k))
	}
}

// IDs lists the marked IDs of one kind, sorted.
func (m *Marks) IDs(k Kind) []string {
	if m == nil {
		return nil
	}
	p := m.of(k)
	if p == nil || len(*p) == 0 {
		return nil
	}
	out := make([]string, 0, len(*p))
	for id, on := range *p {
		if on {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Clone returns an independent copy.
func (m *Marks) Clone() *Marks {
	c := NewMarks()
	if m == nil {
		return c
	}
	for _, k := range Kinds {
		maps.Copy(*c.of(k), *m.of(k))
	}
	return c
}

// Retain unmarks every object that is not in the snapshot and reports how
// many marks it dropped. Build-cache marks are kept while the snapshot has
// no disk usage (the build cache is listed only with it).
func (m *Marks) Retain(s *Snapshot) int {
	if m == nil || s == nil {
		return 0
	}
	dropped := 0
	for _, k := range Kinds {
		p := *m.of(k)
		// Build cache is known only with disk usage: without it, keep the marks.
		if len(p) == 0 || (k == KindBuildCache && !s.Sized) {
			continue
		}
		present := make(map[string]struct{}, len(p))
		s.eachID(k, func(id string) {
			if p[id] {
				present[id] = struct{}{}
			}
		})
		for id := range p {
			if _, ok := present[id]; !ok {
				delete(p, id)
				dropped++
			}
		}
	}
	return dropped
}
