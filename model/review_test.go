package model

import (
	"fmt"
	"strings"
	"testing"
)

// reviewState: app:1 is used by a running and two stopped containers;
// lib:1 is the parent of lib:2 (legacy build), which a running container
// uses; solo:1 has one stopped container.
func reviewState() *Snapshot {
	s := &Snapshot{
		Images: []Image{
			{ID: "sha256:app", Tags: []string{"app:1"}},
			{ID: "sha256:lib1", Tags: []string{"lib:1"}},
			{ID: "sha256:lib2", Tags: []string{"lib:2"}, ParentID: "sha256:lib1"},
			{ID: "sha256:solo", Tags: []string{"solo:1"}},
		},
		Containers: []Container{
			{ID: "c-main", Name: "main", ImageID: "sha256:app", State: StateRunning},
			{ID: "c-old1", Name: "old1", ImageID: "sha256:app", State: StateExited},
			{ID: "c-old2", Name: "old2", ImageID: "sha256:app", State: StateCreated},
			{ID: "c-lib", Name: "libuser", ImageID: "sha256:lib2", State: StatePaused},
			{ID: "c-lib1", Name: "lib1old", ImageID: "sha256:lib1", State: StateExited},
			{ID: "c-solo", Name: "solo-old", ImageID: "sha256:solo", State: StateExited},
		},
	}
	s.Link()
	return s
}

// describe is one review in a line: name, blocked or not, and its lists.
func describe(rv ImageReview) string {
	var parts []string
	add := func(what string, names []string) {
		if len(names) > 0 {
			parts = append(parts, what+"="+strings.Join(names, ","))
		}
	}
	add("running", rv.Running)
	add("children", rv.Children)
	add("blockedChildren", rv.BlockedChildren)
	add("stopped", rv.Stopped)
	add("cascaded", rv.Cascaded)
	add("leftOut", rv.LeftOut)
	return strings.TrimSpace(fmt.Sprintf("%s blocked=%v %s", rv.Name, rv.Blocked(), strings.Join(parts, " ")))
}

func TestReviewImages(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		req  PlanRequest
		want []string
		plan string
	}{
		{"running user blocks, cascade leaves the stopped ones",
			PlanRequest{Images: []string{"sha256:app"}, Cascade: true},
			[]string{"app:1 blocked=true running=main leftOut=old1,old2"}, "I:sha256:app"},
		{"without cascade the stopped ones are named",
			PlanRequest{Images: []string{"sha256:app"}},
			[]string{"app:1 blocked=true running=main stopped=old1,old2"}, "I:sha256:app"},
		{"running user marked and confirmed: cascade removes the stopped ones",
			PlanRequest{Images: []string{"sha256:app"}, Containers: []string{"c-main"}, StopRunning: true, Cascade: true},
			[]string{"app:1 blocked=false cascaded=old1,old2"}, "C:c-main! C:c-old1+ C:c-old2+ I:sha256:app"},
		{"running user marked but left out still blocks",
			PlanRequest{Images: []string{"sha256:app"}, Containers: []string{"c-main"}, Cascade: true},
			[]string{"app:1 blocked=true running=main leftOut=old1,old2"}, "I:sha256:app"},
		{"a marked stopped user is not cascaded",
			PlanRequest{Images: []string{"sha256:solo"}, Containers: []string{"c-solo"}, Cascade: true},
			[]string{"solo:1 blocked=false"}, "C:c-solo I:sha256:solo"},
		{"free image cascades",
			PlanRequest{Images: []string{"sha256:solo"}, Cascade: true},
			[]string{"solo:1 blocked=false cascaded=solo-old"}, "C:c-solo+ I:sha256:solo"},
		{"a child that stays blocks its parent",
			PlanRequest{Images: []string{"sha256:lib1"}, Cascade: true},
			[]string{"lib:1 blocked=true children=lib:2 leftOut=lib1old"}, "I:sha256:lib1"},
		{"a marked child that is blocked blocks its parent",
			PlanRequest{Images: []string{"sha256:lib1", "sha256:lib2"}, Cascade: true},
			[]string{"lib:1 blocked=true blockedChildren=lib:2 leftOut=lib1old", "lib:2 blocked=true running=libuser"}, "I:sha256:lib2 I:sha256:lib1"},
		{"child and its paused user go: parent cascades",
			PlanRequest{Images: []string{"sha256:lib1", "sha256:lib2"}, Containers: []string{"c-lib"}, StopRunning: true, Cascade: true},
			[]string{"lib:1 blocked=false cascaded=lib1old", "lib:2 blocked=false"}, "C:c-lib! C:c-lib1+ I:sha256:lib2 I:sha256:lib1"},
		{"vanished image not reviewed",
			PlanRequest{Images: []string{"sha256:gone"}, Cascade: true}, nil, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := reviewState()
			var got []string
			for _, rv := range ReviewImages(s, c.req) {
				got = append(got, describe(rv))
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("review:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
			if p := ids(NewPlan(s, c.req)); p != c.plan {
				t.Errorf("plan = %q, want %q", p, c.plan)
			}
		})
	}
}

func TestReviewReason(t *testing.T) {
	t.Parallel()
	rv := ImageReview{Running: []string{"pg-main"}, Children: []string{"lib:2"}}
	if got, want := rv.Reason(), "used by running container pg-main; lib:2 is built on it"; got != want {
		t.Fatalf("reason %q, want %q", got, want)
	}
	if (ImageReview{}).Reason() != "" {
		t.Fatal("an image nothing blocks has a reason")
	}
}

func TestDiffPlans(t *testing.T) {
	t.Parallel()
	base := reviewState()
	req := PlanRequest{Images: []string{"sha256:app", "sha256:solo"}, Containers: []string{"c-old1"}, Cascade: true, StopRunning: true}
	describe := func(cs []PlanChange) string {
		var out []string
		for _, c := range cs {
			s := fmt.Sprintf("%d %s %s", c.Change, c.Kind, c.Name)
			if c.Was != "" || c.Now != "" {
				s += fmt.Sprintf(" (%s → %s)", c.Was, c.Now)
			}
			if c.Cascade {
				s += " +"
			}
			out = append(out, s)
		}
		return strings.Join(out, "; ")
	}
	cases := []struct {
		name   string
		change func(s *Snapshot)
		want   string
	}{
		{"nothing", func(s *Snapshot) {}, ""},
		{"a stopped container of a free image joins by cascade", func(s *Snapshot) {
			s.Containers = append(s.Containers, Container{ID: "c-new", Name: "new", ImageID: "sha256:solo", State: StateCreated})
		}, "0 Containers new +"},
		{"a marked container goes away", func(s *Snapshot) {
			s.Containers = s.Containers[:1]
			s.Containers = append(s.Containers, Container{ID: "c-solo", Name: "solo-old", ImageID: "sha256:solo", State: StateExited})
		}, "1 Containers old1"},
		{"a tag moves away", func(s *Snapshot) { s.Images[3].Tags = nil }, "2 Images <none>:<none> (solo:1 → )"},
		{"a marked container starts", func(s *Snapshot) { s.Containers[1].State = StateRunning }, "3 Containers old1"},
		{"a running user blocks a free image: its cascade goes", func(s *Snapshot) {
			s.Containers = append(s.Containers, Container{ID: "c-run", Name: "run", ImageID: "sha256:solo", State: StateRunning})
		}, "1 Containers solo-old +; 5 Images solo:1 ( → used by running container run)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cur := reviewState()
			c.change(cur)
			cur.Link()
			got := DiffPlans(NewPlan(base, req), NewPlan(cur, req), ReviewImages(base, req), ReviewImages(cur, req))
			if d := describe(got); d != c.want {
				t.Errorf("changes %q, want %q", d, c.want)
			}
		})
	}
}
