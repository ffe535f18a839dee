package dockerapi

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/client"

	"bilge/model"
)

// recorder is a fake engine that records every deletion call, in order,
// and can refuse some.
type recorder struct {
	mu     sync.Mutex
	calls  []string // "kind:id"
	fail   map[string]error
	delay  time.Duration
	active int
	peak   int
	stops  []string
}

func (r *recorder) do(kind, id string) error {
	r.mu.Lock()
	r.active++
	r.peak = max(r.peak, r.active)
	r.calls = append(r.calls, kind+":"+id)
	err := r.fail[id]
	r.mu.Unlock()
	if r.delay > 0 {
		time.Sleep(r.delay)
	}
	r.mu.Lock()
	r.active--
	r.mu.Unlock()
	return err
}

func (r *recorder) ContainerStop(ctx context.Context, id string, o client.ContainerStopOptions) (client.ContainerStopResult, error) {
	r.mu.Lock()
	r.stops = append(r.stops, id)
	r.mu.Unlock()
	return client.ContainerStopResult{}, nil
}
func (r *recorder) ContainerList(ctx context.Context, o client.ContainerListOptions) (client.ContainerListResult, error) {
	return client.ContainerListResult{}, nil
}
func (r *recorder) ImageInspect(ctx context.Context, id string, o ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	return client.ImageInspectResult{}, notFound{}
}
func (r *recorder) ContainerRemove(ctx context.Context, id string, o client.ContainerRemoveOptions) (client.ContainerRemoveResult, error) {
	return client.ContainerRemoveResult{}, r.do("container", id)
}
func (r *recorder) ImageRemove(ctx context.Context, id string, o client.ImageRemoveOptions) (client.ImageRemoveResult, error) {
	return client.ImageRemoveResult{}, r.do("image", id)
}
func (r *recorder) VolumeRemove(ctx context.Context, id string, o client.VolumeRemoveOptions) (client.VolumeRemoveResult, error) {
	return client.VolumeRemoveResult{}, r.do("volume", id)
}
func (r *recorder) NetworkRemove(ctx context.Context, id string, o client.NetworkRemoveOptions) (client.NetworkRemoveResult, error) {
	return client.NetworkRemoveResult{}, r.do("network", id)
}
func (r *recorder) BuildCachePrune(ctx context.Context, o client.BuildCachePruneOptions) (client.BuildCachePruneResult, error) {
	var expr string
	for v := range o.Filters["id"] {
		expr = v
	}
	if !strings.HasPrefix(expr, "^(") || !strings.HasSuffix(expr, ")$") {
		return client.BuildCachePruneResult{}, fmt.Errorf("id filter %q is not anchored", expr)
	}
	var deleted []string
	for _, id := range strings.Split(expr[2:len(expr)-2], "|") {
		if err := r.do("build", id); err == nil {
			deleted = append(deleted, id)
		}
	}
	return client.BuildCachePruneResult{Report: build.CachePruneReport{CachesDeleted: deleted}}, nil
}

// collect reads a run to its end: the outcomes, without the Started
// reports.
func collect(ch <-chan model.Outcome) []model.Outcome {
	var out []model.Outcome
	for o := range ch {
		if o.Status != model.Started {
			out = append(out, o)
		}
	}
	return out
}

// randomState builds a random snapshot: images with containers in random
// states, volumes mounted by some, networks attached to some.
func randomState(rng *rand.Rand) *model.Snapshot {
	s := &model.Snapshot{}
	nImg := 1 + rng.IntN(12)
	for i := 0; i < nImg; i++ {
		img := model.Image{ID: fmt.Sprintf("sha256:img%d", i)}
		for t := 0; t < rng.IntN(3); t++ {
			img.Tags = append(img.Tags, fmt.Sprintf("r%d:t%d", i, t))
		}
		s.Images = append(s.Images, img)
	}
	states := []string{"running", "exited", "created", "paused", "dead"}
	for i := 0; i < rng.IntN(15); i++ {
		c := model.Container{ID: fmt.Sprintf("ctr%d", i), Name: fmt.Sprintf("c%d", i), ImageID: s.Images[rng.IntN(nImg)].ID, State: states[rng.IntN(len(states))]}
		s.Containers = append(s.Containers, c)
	}
	for i := 0; i < rng.IntN(8); i++ {
		name := fmt.Sprintf("vol%d", i)
		if rng.IntN(2) == 0 {
			name = fmt.Sprintf("%064x", i)
		}
		s.Volumes = append(s.Volumes, model.Volume{Name: name})
		if len(s.Containers) > 0 && rng.IntN(2) == 0 {
			c := &s.Containers[rng.IntN(len(s.Containers))]
			c.Mounts = append(c.Mounts, model.Mount{Type: "volume", Name: name})
		}
	}
	s.Networks = append(s.Networks, model.Network{ID: "netbridge", Name: "bridge"})
	for i := 0; i < rng.IntN(5); i++ {
		id := fmt.Sprintf("net%d", i)
		s.Networks = append(s.Networks, model.Network{ID: id, Name: id})
		if len(s.Containers) > 0 && rng.IntN(2) == 0 {
			c := &s.Containers[rng.IntN(len(s.Containers))]
			c.Networks = append(c.Networks, id)
		}
	}
	for i := 0; i < rng.IntN(5); i++ {
		s.BuildCache = append(s.BuildCache, model.BuildRecord{ID: fmt.Sprintf("rec%d", i)})
	}
	s.Link()
	return s
}

func pick[T any](rng *rand.Rand, xs []T, id func(*T) string) []string {
	var out []string
	for i := range xs {
		if rng.IntN(3) == 0 {
			out = append(out, id(&xs[i]))
		}
	}
	return out
}

// TestWorkerDeletesExactlyThePlan: over thousands of random states and mark
// sets, with and without cascade, the engine receives delete calls for
// exactly the marked IDs (plus the confirmed cascade), containers before
// images before volumes before networks before build cache — nothing else.
func TestWorkerDeletesExactlyThePlan(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	kindOrder := map[string]int{"container": 0, "image": 1, "volume": 2, "network": 3, "build": 4}
	for iter := 0; iter < 3000; iter++ {
		s := randomState(rng)
		req := model.PlanRequest{
			Images:       pick(rng, s.Images, func(x *model.Image) string { return x.ID }),
			Containers:   pick(rng, s.Containers, func(x *model.Container) string { return x.ID }),
			Volumes:      pick(rng, s.Volumes, func(x *model.Volume) string { return x.Name }),
			Networks:     pick(rng, s.Networks, func(x *model.Network) string { return x.ID }),
			BuildCache:   pick(rng, s.BuildCache, func(x *model.BuildRecord) string { return x.ID }),
			Cascade:      rng.IntN(2) == 0,
			StopRunning:  rng.IntN(2) == 0,
			NamedVolumes: rng.IntN(2) == 0,
		}
		// Expected: the marked set, minus what needs a confirmation not
		// given, plus stopped containers of marked images under cascade.
		allowed := map[string]bool{}
		ctrByID := map[string]*model.Container{}
		for i := range s.Containers {
			ctrByID[s.Containers[i].ID] = &s.Containers[i]
		}
		for _, id := range req.Containers {
			if !ctrByID[id].Active() || req.StopRunning {
				allowed["container:"+id] = true
			}
		}
		if req.Cascade {
			for _, id := range req.Images {
				for i := range s.Containers {
					if c := &s.Containers[i]; c.ImageID == id && !c.Active() {
						allowed["container:"+c.ID] = true
					}
				}
			}
		}
		for _, id := range req.Images {
			allowed["image:"+id] = true
		}
		for _, name := range req.Volumes {
			v := model.Volume{Name: name}
			if v.Anonymous() || req.NamedVolumes {
				allowed["volume:"+name] = true
			}
		}
		for _, id := range req.Networks {
			if id != "netbridge" {
				allowed["network:"+id] = true
			}
		}
		for _, id := range req.BuildCache {
			allowed["build:"+id] = true
		}

		rec := &recorder{fail: map[string]error{}}
		// Some deletions fail, to exercise skipping.
		for _, c := range s.Containers {
			if rng.IntN(6) == 0 {
				rec.fail[c.ID] = errors.New("Error response from daemon: boom")
			}
		}
		plan := model.NewPlan(s, req)
		outcomes := collect(runPlan(context.Background(), rec, plan, 1+rng.IntN(4), workerOpts{}))
		if len(outcomes) != len(plan.Items) {
			t.Fatalf("iter %d: %d outcomes for %d items", iter, len(outcomes), len(plan.Items))
		}
		called := map[string]bool{}
		last := -1
		for _, c := range rec.calls {
			if called[c] {
				t.Fatalf("iter %d: %s deleted twice", iter, c)
			}
			called[c] = true
			if !allowed[c] {
				t.Fatalf("iter %d: deleted %s which was not marked (req %+v)", iter, c, req)
			}
			k := kindOrder[c[:slices.Index([]byte(c), ':')]]
			if k < last {
				t.Fatalf("iter %d: %s out of dependency order in %v", iter, c, rec.calls)
			}
			last = k
		}
		// The plan stays within what was allowed (cascade may leave out the
		// containers of an image that stays anyway), and every item of it
		// was either called or skipped for a failed dependency.
		skipped := map[string]bool{}
		for _, o := range outcomes {
			if o.Status == model.Skipped {
				skipped[o.Item.ID] = true
			}
		}
		for _, it := range plan.Items {
			a := planKey(it)
			if !allowed[a] {
				t.Fatalf("iter %d: the plan holds %s which was not marked (req %+v)", iter, a, req)
			}
			if !called[a] && !skipped[it.ID] {
				t.Fatalf("iter %d: %s was confirmed but neither deleted nor skipped", iter, a)
			}
		}
	}
}

func TestWorkerSkipsDependentsAndReportsReasons(t *testing.T) {
	t.Parallel()
	s := &model.Snapshot{
		Images:     []model.Image{{ID: "sha256:a", Tags: []string{"a:1"}}},
		Containers: []model.Container{{ID: "c1", Name: "one", ImageID: "sha256:a", State: "exited"}},
	}
	s.Link()
	rec := &recorder{fail: map[string]error{"c1": errors.New("Error response from daemon: conflict: something")}}
	plan := model.NewPlan(s, model.PlanRequest{Images: []string{"sha256:a"}, Cascade: true})
	outs := collect(runPlan(context.Background(), rec, plan, 4, workerOpts{}))
	if len(outs) != 2 || outs[0].Status != model.Failed || outs[0].Err != "conflict: something" {
		t.Fatalf("container outcome = %+v", outs)
	}
	if outs[1].Status != model.Skipped || slices.Contains(rec.calls, "image:sha256:a") {
		t.Fatalf("image not skipped after its container failed: %+v, calls %v", outs[1], rec.calls)
	}
}

func TestWorkerBoundedConcurrencyAndCancel(t *testing.T) {
	t.Parallel()
	s := &model.Snapshot{}
	var ids []string
	for i := 0; i < 40; i++ {
		id := fmt.Sprintf("c%02d", i)
		s.Containers = append(s.Containers, model.Container{ID: id, State: "exited"})
		ids = append(ids, id)
	}
	rec := &recorder{delay: 5 * time.Millisecond}
	outs := collect(runPlan(context.Background(), rec, model.NewPlan(s, model.PlanRequest{Containers: ids}), 3, workerOpts{}))
	if len(outs) != 40 || rec.peak > 3 || rec.peak < 2 {
		t.Fatalf("outcomes %d, peak concurrency %d (want ≤3 and >1)", len(outs), rec.peak)
	}

	ctx, cancel := context.WithCancel(context.Background())
	rec2 := &recorder{delay: 20 * time.Millisecond}
	ch := runPlan(ctx, rec2, model.NewPlan(s, model.PlanRequest{Containers: ids}), 2, workerOpts{})
	first := <-ch
	for first.Status == model.Started {
		first = <-ch
	}
	cancel()
	rest := collect(ch)
	all := append([]model.Outcome{first}, rest...)
	var deleted, cancelled int
	for _, o := range all {
		switch o.Status {
		case model.Deleted:
			deleted++
		case model.Cancelled:
			cancelled++
		}
	}
	if len(all) != 40 || cancelled == 0 || deleted+cancelled != 40 || len(rec2.calls) != deleted {
		t.Fatalf("after cancel: %d outcomes, %d deleted, %d cancelled, %d calls", len(all), deleted, cancelled, len(rec2.calls))
	}
}

// TestCancelledRunReportsCancelled: a run whose context is cancelled
// before it starts sends no call and reports every item, build-cache
// records included, as Cancelled (not Skipped, which is for items whose
// dependency was not deleted).
func TestCancelledRunReportsCancelled(t *testing.T) {
	t.Parallel()
	s := &model.Snapshot{
		Containers: []model.Container{{ID: "c1", State: "exited"}},
		Images:     []model.Image{{ID: "sha256:i1", Tags: []string{"a:1"}, Containers: []string{"c1"}}},
		BuildCache: []model.BuildRecord{{ID: "r1"}, {ID: "r2"}},
	}
	plan := model.NewPlan(s, model.PlanRequest{Containers: []string{"c1"}, Images: []string{"sha256:i1"}, BuildCache: []string{"r1", "r2"}})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rec := &recorder{}
	outs := collect(runPlan(ctx, rec, plan, 2, workerOpts{}))
	if len(outs) != plan.Len() || len(rec.calls) != 0 {
		t.Fatalf("%d outcomes of %d, calls %v", len(outs), plan.Len(), rec.calls)
	}
	for _, o := range outs {
		if o.Status != model.Cancelled || o.Err != cancelledByUser {
			t.Errorf("%s: %v %q, want cancelled %q", o.Item.ID, o.Status, o.Err, cancelledByUser)
		}
	}
}

func TestNotFoundCountsAsDeleted(t *testing.T) {
	t.Parallel()
	s := &model.Snapshot{Volumes: []model.Volume{{Name: "gone"}}}
	rec := &recorder{fail: map[string]error{"gone": notFound{}}}
	outs := collect(runPlan(context.Background(), rec, model.NewPlan(s, model.PlanRequest{Volumes: []string{"gone"}, NamedVolumes: true}), 1, workerOpts{}))
	if len(outs) != 1 || outs[0].Status != model.Deleted {
		t.Fatalf("404 outcome = %+v", outs)
	}
}

type notFound struct{}

func (notFound) Error() string { return "Error response from daemon: get gone: no such volume" }
func (notFound) NotFound()     {}

// planKey names a plan item as the recorder names its calls.
func planKey(it model.PlanItem) string {
	switch it.Kind {
	case model.KindContainer:
		return "container:" + it.ID
	case model.KindImage:
		return "image:" + it.ID
	case model.KindVolume:
		return "volume:" + it.ID
	case model.KindNetwork:
		return "network:" + it.ID
	}
	return "build:" + it.ID
}

// removeOnlyAPI is an engine that answers a container removal and nothing
// else (the rest of api is nil and would panic).
type removeOnlyAPI struct {
	api
	mu      sync.Mutex
	removed []string
}

func (f *removeOnlyAPI) ContainerRemove(_ context.Context, id string, _ client.ContainerRemoveOptions) (client.ContainerRemoveResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, id)
	return client.ContainerRemoveResult{}, nil
}

// TestEngineDeletesThroughItsAPI: the deletions are part of the engine's
// api, so Engine.Delete always has a deleter: a plan runs through the api
// the Engine holds (no type assertion that could leave it without one).
func TestEngineDeletesThroughItsAPI(t *testing.T) {
	t.Parallel()
	f := &removeOnlyAPI{}
	e := &Engine{api: f}
	s := &model.Snapshot{Containers: []model.Container{{ID: "c1", State: "exited"}}}
	outs := collect(e.Delete(context.Background(), model.NewPlan(s, model.PlanRequest{Containers: []string{"c1"}}), 1))
	if len(outs) != 1 || outs[0].Status != model.Deleted || !slices.Equal(f.removed, []string{"c1"}) {
		t.Fatalf("outcomes %+v, removed %v; want c1 deleted through the api", outs, f.removed)
	}
}
