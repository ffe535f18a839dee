package dockerapi

import (
	"context"
	"testing"

	"github.com/moby/moby/client"

	"bilge/dockerapi/demo"
	"bilge/model"
)

// TestParentsSkipHiddenIntermediates: on the demo host, legacy-builder
// chains run through intermediate images the top-level list hides; every
// image's ParentID must name a listed image, so that deletion orders
// children first and presets keep the ancestors of what stays.
func TestParentsSkipHiddenIntermediates(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	host, err := demo.New(0).Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, err := Connect(ctx, Selection{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	imgs, err := e.Images(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, img := range imgs {
		listed[img.ID] = true
	}
	linked := 0
	for _, img := range imgs {
		if img.ParentID == "" {
			continue
		}
		linked++
		if !listed[img.ParentID] {
			t.Errorf("image %s (%v): parent %s is not listed", img.ID, img.Tags, img.ParentID)
		}
	}
	if linked == 0 {
		t.Fatal("no image with a parent: the demo host should have legacy-builder chains")
	}
}

// TestBuildCacheLikePrune: deleting every build-cache record by ID leaves
// exactly what the engine's own `builder prune -a` leaves on an identical
// host, although records are built on one another (a child must go before
// its parent, and batches do not follow that order).
func TestBuildCacheLikePrune(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	connect := func() *Engine {
		host, err := demo.New(3).Serve(ctx)
		if err != nil {
			t.Fatal(err)
		}
		e, err := Connect(ctx, Selection{Host: host})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		return e
	}
	records := func(e *Engine) map[string]bool {
		du, err := e.DiskUsage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]bool{}
		for _, r := range du.BuildCache {
			out[r.ID] = true
		}
		return out
	}
	byPrune, byBilge := connect(), connect()
	if _, err := byPrune.api.BuildCachePrune(ctx, client.BuildCachePruneOptions{All: true}); err != nil {
		t.Fatal(err)
	}
	want := records(byPrune)

	before := records(byBilge)
	if len(before) < 2*recordBatch {
		t.Fatalf("only %d records: the test needs several batches", len(before))
	}
	s := &model.Snapshot{}
	for id := range before {
		s.BuildCache = append(s.BuildCache, model.BuildRecord{ID: id})
	}
	var ids []string
	for id := range before {
		ids = append(ids, id)
	}
	plan := model.NewPlan(s, model.PlanRequest{BuildCache: ids})
	failed := 0
	for o := range byBilge.Delete(ctx, plan, 4) {
		if o.Status != model.Deleted && o.Status != model.Started {
			failed++
		}
	}
	got := records(byBilge)
	if len(got) != len(want) || failed != len(want) {
		t.Fatalf("bilge left %d records (%d reported failed), the engine's prune leaves %d", len(got), failed, len(want))
	}
	for id := range want {
		if !got[id] {
			t.Errorf("record %s: the prune keeps it, bilge deleted it", id)
		}
	}
}
