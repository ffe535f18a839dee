package dockerapi

import (
	"context"
	"slices"
	"sync"

	"bilge/model"
)

// LayersOf is Layers for every image of the snapshot.
func (e *Engine) LayersOf(ctx context.Context, s *model.Snapshot) (map[string]model.ImageLayers, error) {
	ids := make([]string, len(s.Images))
	for i := range s.Images {
		ids[i] = s.Images[i].ID
	}
	return e.Layers(ctx, ids)
}

// Layers returns the layers of the given images: from the on-disk cache
// when known, else fetched (at most DefaultParallel at once) and cached.
// Images that vanished meanwhile are left out.
func (e *Engine) Layers(ctx context.Context, ids []string) (map[string]model.ImageLayers, error) {
	e.cacheOnce.Do(func() {
		if e.layerCache == nil {
			// On error the cache still works (in memory for new entries):
			// layer data is an optimisation, never a reason to fail.
			c, _ := OpenLayerCache("")
			if c == nil {
				c = newMemoryLayerCache()
			}
			e.layerCache = c
		}
	})
	out := make(map[string]model.ImageLayers, len(ids))
	var mu sync.Mutex
	err := e.FillLayers(ctx, e.layerCache, ids, DefaultParallel, func(id string, layers []model.Layer, buildkit bool) {
		mu.Lock()
		out[id] = model.ImageLayers{Layers: safeLayers(layers), BuildKit: buildkit}
		mu.Unlock()
	})
	return out, err
}

// UseLayerCache makes the engine cache layer data in c (tests point it at
// a temporary directory).
func (e *Engine) UseLayerCache(c *LayerCache) { e.layerCache = c }

// MemoryLayerCache is a layer cache that never touches the disk (the demo
// engine's made-up images must not land in the user's cache).
func MemoryLayerCache() *LayerCache { return newMemoryLayerCache() }

// safeLayers is layers with SafeText digests (the engine's diff IDs are
// only checked for a colon); the same slice when nothing changes.
func safeLayers(layers []model.Layer) []model.Layer {
	var out []model.Layer
	for i, l := range layers {
		if model.IsSafeText(l.ChainID) && model.IsSafeText(l.DiffID) {
			continue
		}
		if out == nil {
			out = slices.Clone(layers)
		}
		out[i].ChainID, out[i].DiffID = model.SafeText(l.ChainID), model.SafeText(l.DiffID)
	}
	if out == nil {
		return layers
	}
	return out
}
