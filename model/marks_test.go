package model

import (
	"slices"
	"strings"
	"testing"
)

func TestMarks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"toggle has len", func(t *testing.T) {
			m := NewMarks()
			if !m.Toggle(KindImage, "i1") || !m.Has(KindImage, "i1") {
				t.Fatal("toggle on")
			}
			m.Toggle(KindVolume, "v1")
			m.Toggle(KindNetwork, "n1")
			if m.Len() != 3 || m.LenOf(KindImage) != 1 || m.LenOf(KindContainer) != 0 {
				t.Fatalf("len %d", m.Len())
			}
			if m.Toggle(KindImage, "i1") || m.Has(KindImage, "i1") || m.Len() != 2 {
				t.Fatal("toggle off")
			}
			if _, ok := m.Images["i1"]; ok {
				t.Fatal("unmarked ID left in the map")
			}
		}},
		{"zero value and nil", func(t *testing.T) {
			var m Marks
			m.Set(KindBuildCache, "r", true)
			if !m.Has(KindBuildCache, "r") || m.Len() != 1 {
				t.Fatal("zero Marks not usable")
			}
			var np *Marks
			if np.Has(KindImage, "x") || np.Len() != 0 || np.IDs(KindImage) != nil || np.Clone().Len() != 0 {
				t.Fatal("nil Marks not empty")
			}
			np.Clear()
			if m.Has(Kind(99), "x") || m.LenOf(Kind(99)) != 0 || m.IDs(Kind(99)) != nil {
				t.Fatal("unknown kind")
			}
			m.Set(Kind(99), "x", true)
		}},
		{"ids clone clear", func(t *testing.T) {
			m := NewMarks()
			for _, id := range []string{"c", "a", "b"} {
				m.Set(KindContainer, id, true)
			}
			if got := m.IDs(KindContainer); !slices.Equal(got, []string{"a", "b", "c"}) {
				t.Fatalf("IDs %v", got)
			}
			c := m.Clone()
			m.Clear()
			if m.Len() != 0 || c.Len() != 3 || !c.Has(KindContainer, "b") {
				t.Fatal("clone not independent")
			}
		}},
		{"retain", func(t *testing.T) {
			s := &Snapshot{
				Images:     []Image{{ID: "i1"}},
				Containers: []Container{{ID: "c1"}},
				Volumes:    []Volume{{Name: "v1"}},
				Networks:   []Network{{ID: "n1"}},
			}
			m := NewMarks()
			for _, k := range Kinds {
				m.Set(k, "gone", true)
			}
			m.Set(KindImage, "i1", true)
			m.Set(KindContainer, "c1", true)
			m.Set(KindVolume, "v1", true)
			m.Set(KindNetwork, "n1", true)
			// Without disk usage the build cache is not listed: keep its marks.
			if n := m.Retain(s); n != 4 || m.Len() != 5 || !m.Has(KindBuildCache, "gone") {
				t.Fatalf("dropped %d, left %d", n, m.Len())
			}
			s.Sized = true
			if n := m.Retain(s); n != 1 || m.Len() != 4 {
				t.Fatalf("dropped %d, left %d", n, m.Len())
			}
			var names []string
			for _, k := range Kinds {
				names = append(names, strings.Join(m.IDs(k), ","))
			}
			if got := strings.Join(names, "|"); got != "i1|c1|v1|n1|" {
				t.Fatalf("left %q", got)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t)
		})
	}
}

func TestKindSet(t *testing.T) {
	t.Parallel()
	var s KindSet
	s = s.With(KindVolume).With(KindImage)
	for _, k := range Kinds {
		if got, want := s.Has(k), k == KindVolume || k == KindImage; got != want {
			t.Errorf("%v: %v", k, got)
		}
	}
}
