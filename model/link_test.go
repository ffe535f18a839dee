package model

import (
	"slices"
	"testing"
)

// TestLinkNetworksByName: Podman's container list names a network by its
// name, Docker's by its ID; Link links both, rewrites a name to the ID
// (everything after Link reads IDs), and an entry that is some network's
// ID wins over another network named like it.
func TestLinkNetworksByName(t *testing.T) {
	t.Parallel()
	s := &Snapshot{
		Networks: []Network{
			{ID: "n1", Name: "app"},
			{ID: "n2", Name: "idle"},
			{ID: "n3", Name: "n1"}, // named like n1's ID
		},
		Containers: []Container{
			{ID: "c1", Networks: []string{"app"}},  // Podman: by name
			{ID: "c2", Networks: []string{"n1"}},   // Docker: by ID (n1's, not n3's)
			{ID: "c3", Networks: []string{"gone"}}, // neither
		},
	}
	s.Link()
	if got := s.Networks[0].Containers; !slices.Equal(got, []string{"c1", "c2"}) {
		t.Errorf("app used by %v, want c1 (by name) and c2 (by ID)", got)
	}
	if got := s.Networks[1].Containers; len(got) != 0 {
		t.Errorf("idle used by %v, want none", got)
	}
	if got := s.Networks[2].Containers; len(got) != 0 {
		t.Errorf("network named n1 used by %v, want none (c2 names network n1 by ID)", got)
	}
	if got := s.Containers[0].Networks; !slices.Equal(got, []string{"n1"}) {
		t.Errorf("c1's networks %v after Link, want the ID n1", got)
	}
	if got := s.Containers[2].Networks; !slices.Equal(got, []string{"gone"}) {
		t.Errorf("c3's networks %v, want kept as they were", got)
	}
	if u := s.UsageOf(KindNetwork); u.Active != 1 {
		t.Errorf("networks active %d, want 1 (app)", u.Active)
	}
}

func TestVersionLabel(t *testing.T) {
	for _, tc := range []struct {
		e    Engine
		want string
	}{
		{Engine{Version: "29.7.2"}, "29.7.2"},
		{Engine{Version: "20.10.24", Product: "Docker"}, "20.10.24"},
		{Engine{Version: "4.3.1", Product: "Podman"}, "Podman 4.3.1"},
	} {
		if got := tc.e.VersionLabel(); got != tc.want {
			t.Errorf("%+v: VersionLabel() = %q, want %q", tc.e, got, tc.want)
		}
	}
}
