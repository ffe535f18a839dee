package model

import (
	"slices"
	"testing"
)

// TestKindTable: every kind is one row of kindTable, and every list of
// kinds is derived from it, so a new kind needs a new row only: names, a
// tab, a place in each order.
func TestKindTable(t *testing.T) {
	t.Parallel()
	if len(Kinds) != NumKinds {
		t.Fatalf("Kinds has %d kinds, the table %d", len(Kinds), NumKinds)
	}
	for i, row := range kindTable {
		k := Kind(i)
		if row.Kind != k {
			t.Errorf("row %d is for kind %d", i, row.Kind)
		}
		if k.Info() != row || k.String() != row.Type {
			t.Errorf("%v: Info or String does not read the table", k)
		}
		for what, s := range map[string]string{"Type": row.Type, "Tab": row.Tab, "Noun": row.Noun, "Plural": row.Plural} {
			if s == "" || s == "?" {
				t.Errorf("%v has no %s", k, what)
			}
		}
		if k.Noun(1) != row.Noun || k.Noun(0) != row.Plural || k.Noun(2) != row.Plural {
			t.Errorf("%v: Noun gives %q, %q, %q", k, k.Noun(0), k.Noun(1), k.Noun(2))
		}
	}
	for name, order := range map[string][]Kind{"Kinds": Kinds, "DeletionOrder": DeletionOrder, "DFOrder": DFOrder} {
		sorted := slices.Clone(order)
		slices.Sort(sorted)
		for i, k := range sorted {
			if k != Kind(i) {
				t.Errorf("%s %v is not every kind once", name, order)
				break
			}
		}
	}
	ranks := map[int]bool{}
	for _, row := range kindTable {
		if ranks[row.deletion] {
			t.Errorf("two kinds share deletion rank %d", row.deletion)
		}
		ranks[row.deletion] = true
	}
	// Display order is the table's; deletion starts with containers
	// (nothing a container uses can go before it).
	if !slices.Equal(Kinds, []Kind{KindImage, KindContainer, KindVolume, KindNetwork, KindBuildCache}) {
		t.Errorf("Kinds = %v", Kinds)
	}
	if !slices.Equal(DeletionOrder, []Kind{KindContainer, KindImage, KindVolume, KindNetwork, KindBuildCache}) {
		t.Errorf("DeletionOrder = %v", DeletionOrder)
	}
	if !slices.Equal(DFOrder, []Kind{KindImage, KindContainer, KindVolume, KindBuildCache, KindNetwork}) {
		t.Errorf("DFOrder = %v, want docker system df's rows then Networks", DFOrder)
	}
	for _, k := range Kinds {
		if slices.Contains(SizedKinds, k) != k.Info().Sized {
			t.Errorf("SizedKinds %v and %v's row disagree", SizedKinds, k)
		}
	}
	if got := Kind(NumKinds).String(); got != "?" {
		t.Errorf("a value that is no kind reads %q", got)
	}
}

// TestPlanFollowsDeletionOrder: a plan holds its items kind by kind in
// DeletionOrder.
func TestPlanFollowsDeletionOrder(t *testing.T) {
	t.Parallel()
	s := &Snapshot{
		Images:     []Image{{ID: "sha256:i", Tags: []string{"a:1"}}},
		Containers: []Container{{ID: "c", State: StateExited}},
		Volumes:    []Volume{{Name: "v"}},
		Networks:   []Network{{ID: "n", Name: "mynet"}},
		BuildCache: []BuildRecord{{ID: "r"}},
	}
	p := NewPlan(s, PlanRequest{Images: []string{"sha256:i"}, Containers: []string{"c"}, Volumes: []string{"v"}, Networks: []string{"n"}, BuildCache: []string{"r"}, NamedVolumes: true})
	var got []Kind
	for _, it := range p.Items {
		got = append(got, it.Kind)
	}
	if !slices.Equal(got, DeletionOrder) {
		t.Errorf("plan kinds %v, want %v", got, DeletionOrder)
	}
}
