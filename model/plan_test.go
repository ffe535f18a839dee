package model

import (
	"strings"
	"testing"
)

func planState() *Snapshot {
	s := &Snapshot{
		Images: []Image{
			{ID: "sha256:base", Tags: []string{"base:1"}},
			{ID: "sha256:child", Tags: []string{"child:1", "child:latest"}, ParentID: "sha256:base"},
			{ID: "sha256:used", Tags: []string{"used:1"}},
			{ID: "sha256:multi", Tags: []string{"m:1", "m:2"}},
		},
		Containers: []Container{
			{ID: "run", Name: "web", ImageID: "sha256:used", State: StateRunning},
			{ID: "stop", Name: "old", ImageID: "sha256:used", State: StateExited},
			{ID: "stop2", Name: "old2", ImageID: "sha256:multi", State: StateExited, Mounts: []Mount{{Type: "volume", Name: "data"}}, Networks: []string{"n1"}},
		},
		Volumes:    []Volume{{Name: "data"}, {Name: strings.Repeat("ab", 32)}},
		Networks:   []Network{{ID: "n0", Name: "bridge"}, {ID: "n1", Name: "app"}},
		BuildCache: []BuildRecord{{ID: "r1", Description: "RUN make"}},
	}
	s.Link()
	return s
}

func ids(p Plan) string {
	var out []string
	for _, it := range p.Items {
		s := it.Kind.String()[:1] + ":" + it.ID
		if it.Stop {
			s += "!"
		}
		if it.Cascade {
			s += "+"
		}
		out = append(out, s)
	}
	return strings.Join(out, " ")
}

func TestNewPlan(t *testing.T) {
	t.Parallel()
	anon := strings.Repeat("ab", 32)
	cases := []struct {
		name string
		req  PlanRequest
		want string
	}{
		{"empty", PlanRequest{}, ""},
		{"children before parents", PlanRequest{Images: []string{"sha256:base", "sha256:child"}}, "I:sha256:child I:sha256:base"},
		{"image with stopped container, no cascade", PlanRequest{Images: []string{"sha256:multi"}}, "I:sha256:multi"},
		{"cascade adds stopped only, never of a blocked image", PlanRequest{Images: []string{"sha256:used", "sha256:multi"}, Cascade: true}, "C:stop2+ I:sha256:multi I:sha256:used"},
		{"cascade once the running user goes too", PlanRequest{Images: []string{"sha256:used"}, Containers: []string{"run"}, StopRunning: true, Cascade: true}, "C:run! C:stop+ I:sha256:used"},
		{"cascade not while the running user is left out", PlanRequest{Images: []string{"sha256:used"}, Containers: []string{"run"}, Cascade: true}, "I:sha256:used"},
		{"running container needs its confirmation", PlanRequest{Containers: []string{"run", "stop"}}, "C:stop"},
		{"running container confirmed", PlanRequest{Containers: []string{"run"}, StopRunning: true}, "C:run!"},
		{"named volume needs its confirmation", PlanRequest{Volumes: []string{"data", anon}}, "L:" + anon},
		{"named volume confirmed, after its container", PlanRequest{Volumes: []string{"data"}, Containers: []string{"stop2"}, NamedVolumes: true}, "C:stop2 L:data"},
		{"built-in network never", PlanRequest{Networks: []string{"n0", "n1"}}, "N:n1"},
		{"build cache", PlanRequest{BuildCache: []string{"r1", "gone"}}, "B:r1"},
		{"vanished objects dropped", PlanRequest{Images: []string{"sha256:nope"}, Containers: []string{"nope"}}, ""},
		{"duplicates once", PlanRequest{Containers: []string{"stop", "stop"}}, "C:stop"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if got := ids(NewPlan(planState(), c.req)); got != c.want {
				t.Fatalf("plan = %q, want %q", got, c.want)
			}
		})
	}
}

func TestPlanDependencies(t *testing.T) {
	t.Parallel()
	p := NewPlan(planState(), PlanRequest{Images: []string{"sha256:multi"}, Volumes: []string{"data"}, Networks: []string{"n1"}, Cascade: true, NamedVolumes: true})
	after := map[string][]string{}
	for _, it := range p.Items {
		after[it.ID] = it.After
	}
	for id, want := range map[string]string{"sha256:multi": "stop2", "data": "stop2", "n1": "stop2"} {
		if strings.Join(after[id], ",") != want {
			t.Errorf("%s waits for %v, want %s", id, after[id], want)
		}
	}
}

// TestPlanParentsWaitForChildren: a marked parent image waits for its
// marked children (the engine refuses a parent while a child exists), and
// comes after them.
func TestPlanParentsWaitForChildren(t *testing.T) {
	t.Parallel()
	s := planState()
	s.Images = append(s.Images, Image{ID: "sha256:child2", Tags: []string{"child:2"}, ParentID: "sha256:base"},
		Image{ID: "sha256:grandchild", Tags: []string{"gc:1"}, ParentID: "sha256:child2"})
	s.Link()
	p := NewPlan(s, PlanRequest{Images: []string{"sha256:base", "sha256:child", "sha256:child2", "sha256:grandchild", "sha256:used"}})
	after := map[string]string{}
	for _, it := range p.Items {
		after[it.ID] = strings.Join(it.After, ",")
	}
	want := map[string]string{"sha256:base": "sha256:child,sha256:child2", "sha256:child2": "sha256:grandchild", "sha256:child": "", "sha256:grandchild": "", "sha256:used": ""}
	for id, w := range want {
		if after[id] != w {
			t.Errorf("%s waits for %q, want %q", id, after[id], w)
		}
	}
	if got := ids(p); got != "I:sha256:child I:sha256:grandchild I:sha256:child2 I:sha256:base I:sha256:used" {
		t.Errorf("plan %s", got)
	}
}
