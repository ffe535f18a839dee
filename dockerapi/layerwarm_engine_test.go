package dockerapi

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"bilge/internal/enginetest"
	"bilge/model"
)

// TestWarmLayerCacheRealDaemon: on a real engine with the seed's images
// (loaded, shared base layers, a dangling one), a second process that
// finds the layer cache warm reads every image's layers without an
// inspect or a history call — the image list confirms each entry — and
// gets the first process's figures. On the containerd store too.
func TestWarmLayerCacheRealDaemon(t *testing.T) {
	d := enginetest.StartTestDaemon(t)
	te, err := enginetest.ConnectHost(d.Host())
	if err != nil {
		t.Fatal(err)
	}
	enginetest.Seed(t, te)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()

	// layersIn reads the layers of every listed image as a new bilge
	// process would: a new engine client, the lists, then the cache.
	layersIn := func(rec bool) (map[string][]model.Layer, *recordingAPI, *model.Snapshot) {
		t.Helper()
		e, err := New(Endpoint{Host: d.Host(), Source: "test"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Close() })
		snap, err := e.Lists(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		var r *recordingAPI
		if rec {
			r = &recordingAPI{api: e.api}
			e.api = r
		}
		cache, err := OpenLayerCache(dir)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]string, len(snap.Images))
		for i := range snap.Images {
			ids[i] = snap.Images[i].ID
		}
		got := map[string][]model.Layer{}
		if err := e.FillLayers(ctx, cache, ids, 0, func(id string, l []model.Layer, _ bool) { got[id] = l }); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ids) {
			t.Fatalf("layers of %d of %d images", len(got), len(ids))
		}
		return got, r, snap
	}

	cold, _, snap := layersIn(false)
	warm, rec, _ := layersIn(true)
	if len(snap.Images) < 5 {
		t.Fatalf("%d images listed, want the seed's", len(snap.Images))
	}
	for id, l := range cold {
		if !slices.Equal(warm[id], l) {
			t.Errorf("image %s: warm %v, cold %v", id, warm[id], l)
		}
		if n := rec.calls(id); n != 0 {
			t.Errorf("image %s: %d inspect and history calls with a warm cache, want none (containerd store %v)", id, n, snap.ContainerdStore)
		}
	}
}

// recordingAPI counts the layer calls (inspect and history) that reach
// the engine, per image.
type recordingAPI struct {
	api
	mu sync.Mutex
	n  map[string]int
}

func (r *recordingAPI) count(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == nil {
		r.n = map[string]int{}
	}
	r.n[id]++
}

func (r *recordingAPI) calls(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n[id]
}

func (r *recordingAPI) ImageInspect(ctx context.Context, id string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	r.count(id)
	return r.api.ImageInspect(ctx, id, opts...)
}

func (r *recordingAPI) ImageHistory(ctx context.Context, id string, opts ...client.ImageHistoryOption) (client.ImageHistoryResult, error) {
	r.count(id)
	return r.api.ImageHistory(ctx, id, opts...)
}
