package model

import (
	"fmt"
	"slices"
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

// planReviewState: app (BuildKit-built, its own layer held by a shared
// build-cache record) is used by the running main and the stopped old1;
// solo (two tags) by the stopped solo-old. main mounts the named pgdata
// and an anonymous volume and is attached to front; old1 is attached to
// stale; solo-old mounts the named cache. old-data and idle are unused;
// r-u is a build-cache record in use.
func planReviewState() *Snapshot {
	anon := strings.Repeat("ab", 32)
	s := rcSnap([]Image{
		{ID: "sha256:app", Tags: []string{"app:1"}, BuildKit: true, Layers: ly("base=1000", "k1=50")},
		{ID: "sha256:solo", Tags: []string{"solo:1", "solo:latest"}, Layers: ly("s=7")},
	}, []Container{
		{ID: "c-main", Name: "main", ImageID: "sha256:app", State: StateRunning, Networks: []string{"n-front"},
			Mounts: []Mount{{Type: "volume", Name: "pgdata"}, {Type: "volume", Name: anon}}},
		{ID: "c-old1", Name: "old1", ImageID: "sha256:app", State: StateExited, Networks: []string{"n-stale"}},
		{ID: "c-solo", Name: "solo-old", ImageID: "sha256:solo", State: StateExited, Mounts: []Mount{{Type: "volume", Name: "cache"}}},
	}, []Volume{
		{Name: "pgdata", Size: 100, RefCount: 1},
		{Name: "cache", Size: 10, RefCount: 1},
		{Name: "old-data", Size: 1, RefCount: 0},
		{Name: anon, Size: 5, RefCount: 1},
	}, []BuildRecord{
		{ID: "r-s", Shared: true, Size: 50},
		{ID: "r-u", InUse: true, Size: 40, Description: "mount /src"},
		{ID: "r-p", Size: 300},
	})
	s.Networks = []Network{{ID: "n-bridge", Name: "bridge"}, {ID: "n-front", Name: "front"}, {ID: "n-stale", Name: "stale"}, {ID: "n-idle", Name: "idle"}}
	s.Link()
	return s
}

// describePlanReview is a review in one line per field that is set.
func describePlanReview(r PlanReview) string {
	var out []string
	add := func(what string, names []string) {
		if len(names) > 0 {
			out = append(out, what+"="+strings.Join(names, ","))
		}
	}
	out = append(out, "plan="+ids(r.Plan))
	add("running", r.Running)
	add("named", r.Named)
	var refused, inUse, mounted []string
	for _, v := range r.Refused {
		refused = append(refused, v.Name+"<"+strings.Join(v.By, "+")+">")
	}
	add("refused", refused)
	for _, it := range r.InUse {
		inUse = append(inUse, it.ID)
	}
	add("inuse", inUse)
	add("busy", r.BusyNetworks)
	add("idle", r.IdleNetworks)
	add("kept", r.KeptNetworks)
	for _, v := range r.Mounted {
		mounted = append(mounted, ShortID(v))
	}
	add("mounted", mounted)
	if r.StoppedUsers > 0 {
		out = append(out, fmt.Sprintf("stoppedUsers=%d", r.StoppedUsers))
	}
	if r.Reclaim.HeldByBuildCache > 0 {
		out = append(out, fmt.Sprintf("held=%d", r.Reclaim.HeldByBuildCache))
	}
	for _, rv := range r.Images {
		out = append(out, "["+describe(rv)+"]")
	}
	return strings.Join(out, "\n")
}

// TestReview: what the dialog shows for each answer: the plan, the
// questions still to ask, the named volumes left out because a container
// that stays mounts them (and the plan without them), in-use build-cache
// records, networks with containers that stay, mounted anonymous volumes,
// image reviews, the stopped users cascade can take, the bytes held by the
// build cache.
func TestReview(t *testing.T) {
	t.Parallel()
	anon := strings.Repeat("ab", 32)
	all := PlanRequest{
		Images: []string{"sha256:app", "sha256:solo"}, Containers: []string{"c-main"},
		Volumes:  []string{"pgdata", "cache", "old-data", anon},
		Networks: []string{"n-front", "n-stale", "n-idle"}, BuildCache: []string{"r-u", "r-p"},
	}
	with := func(f func(r *PlanRequest)) PlanRequest {
		r := all
		f(&r)
		return r
	}
	cases := []struct {
		name string
		req  PlanRequest
		want string
	}{
		{"all answered yes: a stopped container that stays keeps its named volume out; its network goes from under another",
			with(func(r *PlanRequest) { r.StopRunning, r.NamedVolumes = true, true }),
			"plan=C:c-main! I:sha256:app I:sha256:solo L:" + anon + " L:old-data L:pgdata N:n-front N:n-idle N:n-stale B:r-p B:r-u\n" +
				"running=main\nnamed=old-data,pgdata\nrefused=cache<solo-old>\ninuse=r-u\nidle=stale\nstoppedUsers=2\n" +
				"[app:1 blocked=false stopped=old1]\n[solo:1 blocked=false stopped=solo-old]"},
		{"running container left out: it blocks its image, keeps its named volume out, mounts the anonymous one, keeps its network busy",
			with(func(r *PlanRequest) { r.NamedVolumes = true }),
			"plan=I:sha256:app I:sha256:solo L:" + anon + " L:old-data N:n-front N:n-idle N:n-stale B:r-p B:r-u\n" +
				"running=main\nnamed=old-data\nrefused=cache<solo-old>,pgdata<main>\ninuse=r-u\nbusy=front\nidle=stale\nmounted=" + ShortID(anon) + "\nstoppedUsers=2\n" +
				"[app:1 blocked=true running=main stopped=old1]\n[solo:1 blocked=false stopped=solo-old]"},
		{"cascade takes the stopped users: no volume refused, no network left with containers",
			with(func(r *PlanRequest) { r.StopRunning, r.NamedVolumes, r.Cascade = true, true, true }),
			"plan=C:c-main! C:c-old1+ C:c-solo+ I:sha256:app I:sha256:solo L:" + anon + " L:cache L:old-data L:pgdata N:n-front N:n-idle N:n-stale B:r-p B:r-u\n" +
				"running=main\nnamed=cache,old-data,pgdata\ninuse=r-u\nstoppedUsers=2\nheld=50\n" +
				"[app:1 blocked=false cascaded=old1]\n[solo:1 blocked=false cascaded=solo-old]"},
		{"named volumes left out: the question is still named, the plan has none",
			with(func(r *PlanRequest) { r.StopRunning, r.Cascade = true, true }),
			"plan=C:c-main! C:c-old1+ C:c-solo+ I:sha256:app I:sha256:solo L:" + anon + " N:n-front N:n-idle N:n-stale B:r-p B:r-u\n" +
				"running=main\nnamed=cache,old-data,pgdata\ninuse=r-u\nstoppedUsers=2\nheld=50\n" +
				"[app:1 blocked=false cascaded=old1]\n[solo:1 blocked=false cascaded=solo-old]"},
		{"nothing marked", PlanRequest{}, "plan="},
		{"marked objects gone from the snapshot are dropped",
			PlanRequest{Images: []string{"sha256:gone"}, Containers: []string{"c-gone"}, Volumes: []string{"gone"}, Networks: []string{"n-gone"}, BuildCache: []string{"r-gone"}},
			"plan="},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := planReviewState()
			r := Review(s, NewReclaimIndex(s), c.req)
			if got := describePlanReview(r); got != c.want {
				t.Errorf("review:\n%s\nwant:\n%s", got, c.want)
			}
			// The plan is the one for the request less the refused volumes,
			// and the figure is exactly what it deletes.
			if p := NewPlan(s, r.Request); ids(p) != ids(r.Plan) {
				t.Errorf("plan %s, its request plans %s", ids(r.Plan), ids(p))
			}
			m := NewMarks()
			for _, it := range r.Plan.Items {
				m.Set(it.Kind, it.ID, true)
			}
			if got := NewReclaimIndex(s).Compute(m); got.Total != r.Reclaim.Total || got.HeldByBuildCache != r.Reclaim.HeldByBuildCache {
				t.Errorf("reclaim %+v, the plan frees %+v", r.Reclaim, got)
			}
		})
	}
}

// TestReviewStoppedKeepNetworks: on an engine where stopped containers
// keep their networks (Podman), a marked network only a stopped
// container that stays is on is kept (bilge's deletion refuses it), not
// removed from under it as on Docker; one a running container is on is
// busy on both.
func TestReviewStoppedKeepNetworks(t *testing.T) {
	t.Parallel()
	req := PlanRequest{Networks: []string{"n-front", "n-stale", "n-idle"}}
	for _, podman := range []bool{false, true} {
		s := planReviewState()
		s.Engine.StoppedUseNetworks = podman
		r := Review(s, NewReclaimIndex(s), req)
		wantIdle, wantKept := []string{"stale"}, []string(nil)
		if podman {
			wantIdle, wantKept = nil, []string{"stale"}
		}
		if !slices.Equal(r.BusyNetworks, []string{"front"}) || !slices.Equal(r.IdleNetworks, wantIdle) || !slices.Equal(r.KeptNetworks, wantKept) {
			t.Errorf("stopped keep networks %v: busy %v idle %v kept %v, want busy [front] idle %v kept %v",
				podman, r.BusyNetworks, r.IdleNetworks, r.KeptNetworks, wantIdle, wantKept)
		}
	}
}

// BenchmarkReview10k reviews every image and container of a large state
// marked, as the dialog does on each answer.
func BenchmarkReview10k(b *testing.B) {
	s := bigSnap(10_000)
	ix := NewReclaimIndex(s)
	req := PlanRequest{StopRunning: true, NamedVolumes: true, Cascade: true}
	for i := range s.Images {
		req.Images = append(req.Images, s.Images[i].ID)
	}
	for i := range s.Containers {
		req.Containers = append(req.Containers, s.Containers[i].ID)
	}
	for i := range s.Volumes {
		req.Volumes = append(req.Volumes, s.Volumes[i].Name)
	}
	b.ResetTimer()
	for b.Loop() {
		Review(s, ix, req)
	}
}
