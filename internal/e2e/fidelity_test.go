package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"bilge/dockerapi"
	"bilge/dockerapi/demo"
	"bilge/internal/enginetest"
	"bilge/model"
)

// scenario is one script of engine behaviour bilge relies on, run the same
// way against the demo engine and the real daemon: the emulator is only
// worth its name if both pass it.
//
// mine says which objects the scenario may delete (the real daemon's are
// the seeded run's only).
func scenario(t *testing.T, e *dockerapi.Engine, mine func(id string) bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	load := func() (*model.Snapshot, *model.ReclaimIndex) {
		s, err := e.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		layers, err := e.LayersOf(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		s.ApplyLayers(layers)
		return s, model.NewReclaimIndex(s)
	}
	layersSize := func() int64 {
		du, err := e.DiskUsage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return du.LayersSize
	}
	run := func(s *model.Snapshot, req model.PlanRequest) []model.Outcome {
		var outs []model.Outcome
		for o := range e.Delete(ctx, model.NewPlan(s, req), 4) {
			if o.Status == model.Started {
				continue // progress, not an outcome
			}
			outs = append(outs, o)
		}
		return outs
	}
	s, ix := load()

	// Counts and statuses agree with the engine's own df.
	du, err := e.DiskUsage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(du.Images) != len(s.Images) || len(du.Containers) != len(s.Containers) || len(du.Volumes) != len(s.Volumes) {
		t.Fatalf("lists and df disagree: images %d/%d containers %d/%d volumes %d/%d",
			len(s.Images), len(du.Images), len(s.Containers), len(du.Containers), len(s.Volumes), len(du.Volumes))
	}
	byID := map[string]model.ImageUsage{}
	for _, u := range du.Images {
		byID[u.ID] = u
	}
	for i := range s.Images {
		img := &s.Images[i]
		if u := byID[img.ID]; int64(len(img.Containers)) != u.Containers {
			t.Errorf("image %s: %d containers from the list, df says %d", img.Name(), len(img.Containers), u.Containers)
		}
		var sum int64
		for _, l := range img.Layers {
			sum += l.Size
		}
		// On the containerd image store the listed Size is the unpacked
		// snapshots (the layers) plus the packed content.
		size := img.Size
		if s.ContainerdStore {
			size -= img.ContentSize
		}
		if img.Layers != nil && sum != size {
			t.Errorf("image %s: layers sum to %d, size %d (content %d)", img.Name(), sum, img.Size, img.ContentSize)
		}
	}

	// Pick the actors: an image only stopped containers use, an image a
	// running container uses, and an unused image that frees something.
	var stoppedOnly, inUse, unused *model.Image
	for i := range s.Images {
		img := &s.Images[i]
		if !mine(img.ID) {
			continue
		}
		switch img.Status() {
		case model.ImageStoppedOnly:
			if stoppedOnly == nil {
				stoppedOnly = img
			}
		case model.ImageInUse:
			if inUse == nil {
				inUse = img
			}
		case model.ImageUnused, model.ImageDangling:
			if b, ok := ix.FreesAlone(img.ID); ok && b > 0 && !img.BuildKit && unused == nil {
				unused = img
			}
		}
	}
	if stoppedOnly == nil || inUse == nil || unused == nil {
		t.Fatalf("scenario needs a stopped-only, an in-use and an unused image (got %v %v %v)", stoppedOnly != nil, inUse != nil, unused != nil)
	}

	// 1. Conflicts, in the engine's words.
	outs := run(s, model.PlanRequest{Images: []string{stoppedOnly.ID, inUse.ID}})
	for _, o := range outs {
		if o.Status != model.Failed {
			t.Fatalf("%s: %v, want a conflict", o.Item.Name, o.Status)
		}
		want := "image is being used by stopped container"
		if o.Item.ID == inUse.ID {
			want = "image is being used by running container"
		}
		if !strings.Contains(o.Err, want) {
			t.Errorf("%s: %q does not say %q", o.Item.Name, o.Err, want)
		}
	}

	// 2. An unused image frees exactly what was predicted.
	s, ix = load()
	m := model.NewMarks()
	m.Set(model.KindImage, unused.ID, true)
	predicted := ix.Compute(m)
	before := layersSize()
	if outs := run(s, model.PlanRequest{Images: []string{unused.ID}}); len(outs) != 1 || outs[0].Status != model.Deleted {
		t.Fatalf("delete %s: %+v", unused.Name(), outs)
	}
	if got := before - layersSize(); got != predicted.Images {
		t.Errorf("deleting %s freed %d, predicted %d", unused.Name(), got, predicted.Images)
	}

	// 3. With the cascade, the stopped-only image goes with its containers.
	s, ix = load()
	m = model.NewMarks()
	m.Set(model.KindImage, stoppedOnly.ID, true)
	for _, c := range stoppedOnly.Containers {
		m.Set(model.KindContainer, c, true)
	}
	predicted = ix.Compute(m)
	before = layersSize()
	for _, o := range run(s, model.PlanRequest{Images: []string{stoppedOnly.ID}, Cascade: true}) {
		if o.Status != model.Deleted {
			t.Fatalf("cascade: %s %v: %s", o.Item.Name, o.Status, o.Err)
		}
	}
	if got := before - layersSize(); got != predicted.Images {
		t.Errorf("cascade freed %d from images, predicted %d", got, predicted.Images)
	}
}

func TestEmulatorFidelityDemo(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	host, err := demo.New(3).Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, err := dockerapi.Connect(ctx, dockerapi.Selection{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	e.UseLayerCache(dockerapi.MemoryLayerCache())
	scenario(t, e, func(string) bool { return true })
}

func TestEmulatorFidelityRealDaemon(t *testing.T) {
	te := enginetest.Require(t)
	lock(t)
	s := enginetest.Seed(t, te)
	e, err := dockerapi.Connect(context.Background(), dockerapi.Selection{Host: te.Host()})
	if err != nil {
		t.Fatal(err)
	}
	e.UseLayerCache(dockerapi.MemoryLayerCache())
	ours := map[string]bool{}
	for _, img := range s.Images {
		ours[img.ID] = true
	}
	scenario(t, e, func(id string) bool { return ours[id] })
	if e.ContainerdStore() != te.ContainerdStore() {
		t.Errorf("bilge sees the containerd image store: %v, the engine runs it: %v", e.ContainerdStore(), te.ContainerdStore())
	}
}
