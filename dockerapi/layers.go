package dockerapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/versions"
	"golang.org/x/sync/errgroup"

	"bilge/model"
)

// Per-image layer data: which layers (chain IDs) an image is made of and
// how big each is. The engine has no call for it: it is pieced together
// from ImageInspect (the diff IDs) and ImageHistory (the sizes), about a
// millisecond each, once per image, and cached on disk, since an image ID
// is the digest of the image's config (on the containerd store, of the
// manifest that names it), which names the diff IDs. The disk is not
// trusted: an entry read from it is used only when its checksum (over its
// content, the image ID and the image store's kind) holds and the image
// list agrees with its sizes (listConfirms); else it is checked against
// the image's inspect once per process (checkCached) before its figures
// are used.

// ImageLayers reads one image's layers, oldest first, and whether BuildKit
// built it.
//
// Sizes come from the image history; see alignLayers for how history
// entries are matched to layers and what happens when they do not fit.
// The sizes always add up to the image's Size.
func (e *Engine) ImageLayers(ctx context.Context, imageID string) ([]model.Layer, bool, error) {
	ins, err := e.inspectImage(ctx, imageID)
	if err != nil {
		return nil, false, err
	}
	return e.layersOf(ctx, imageID, ins)
}

func (e *Engine) inspectImage(ctx context.Context, imageID string) (image.InspectResponse, error) {
	ictx, done := e.start(ctx, "GET /images/"+shortImageID(imageID)+"/json", e.timeouts.Call)
	var opts []client.ImageInspectOption
	if e.containerd.Load() && versions.GreaterThanOrEqualTo(e.api.ClientVersion(), "1.48") {
		// The manifests' unpacked sizes check cached layers (unpackedOK).
		opts = append(opts, client.ImageInspectWithManifests(true))
	}
	ins, err := e.api.ImageInspect(ictx, imageID, opts...)
	if err = done(err); err != nil {
		return image.InspectResponse{}, fmt.Errorf("inspect image %s: %w", shortImageID(imageID), e.explain(err))
	}
	return ins.InspectResponse, nil
}

// layersOf is ImageLayers once the image is inspected.
func (e *Engine) layersOf(ctx context.Context, imageID string, ins image.InspectResponse) ([]model.Layer, bool, error) {
	hctx, done := e.start(ctx, "GET /images/"+shortImageID(imageID)+"/history", e.timeouts.Call)
	hist, err := e.api.ImageHistory(hctx, imageID)
	if err = done(err); err != nil {
		return nil, false, fmt.Errorf("history of image %s: %w", shortImageID(imageID), e.explain(err))
	}
	layers, _, err := alignLayers(ins.RootFS.Layers, hist.Items, e.fitSize(ins))
	if err != nil {
		return nil, false, fmt.Errorf("layers of image %s: %w", shortImageID(imageID), err)
	}
	return layers, builtByBuildKit(hist.Items), nil
}

// fitSize is the size an image's layers add up to: inspect's Size on a
// graph driver; none (-1) on the containerd image store, where inspect's
// Size is the packed content and the history's sizes are each snapshot's
// own usage, exact as they are (daemon/containerd/image_history.go).
//
// Podman's inspect Size adds the image's metadata (its config and
// manifest, a few kB, containers/storage's "big data") to its layers'
// tar sizes, which the history gives exactly: the history's sizes are
// taken as they are there too, so that a layer shared by several images
// has one size in all of them.
func (e *Engine) fitSize(ins image.InspectResponse) int64 {
	if e.containerd.Load() || e.podman.Load() {
		return -1
	}
	return ins.Size
}

// unpackedOK reports whether cached layers (the snapshots' sizes, on the
// containerd image store) add up to the unpacked size of one of the
// image's manifests, as the engine sums the same snapshots
// (daemon/containerd/image_manifest.go SnapshotUsage). Without the
// manifests (a graph driver, or API < 1.48) there is nothing to check.
func unpackedOK(layers []model.Layer, ins image.InspectResponse) bool {
	var sum int64
	for _, l := range layers {
		sum += l.Size
	}
	seen := false
	for _, m := range ins.Manifests {
		if m.ImageData == nil || !m.Available {
			continue
		}
		seen = true
		if m.ImageData.Size.Unpacked == sum {
			return true
		}
	}
	return !seen
}

// builtByBuildKit reports an image whose newest history entry BuildKit
// wrote. BuildKit comments every entry of the stage it builds
// ("buildkit.dockerfile.v0", or "buildkit.exporter.image.v0" for entries
// its exporter adds); the classic builder leaves Comment empty. Only the
// newest entry counts: an image the classic builder (or docker commit)
// built FROM a BuildKit-built base carries the base's BuildKit entries
// lower down, but the build cache holds none of its own layers.
//
// A pulled image that BuildKit built elsewhere (most official images) also
// reports true, though no local build-cache record holds its layers: the
// history cannot tell the two apart.
func builtByBuildKit(history []image.HistoryResponseItem) bool {
	// History comes newest first.
	return len(history) > 0 && strings.Contains(strings.ToLower(history[0].Comment), "buildkit")
}

// alignLayers matches the image history (as the engine returns it, newest
// first) with the image's diff IDs (oldest first) and returns the layers,
// oldest first, with their chain IDs and sizes. exact reports that the
// history accounted for every layer and its sizes add up to imageSize.
//
// The engine builds the history by walking the image config's history
// oldest first and giving the next diff ID, with its size, to each entry
// not marked empty_layer; empty entries get size 0. The API drops the
// empty_layer mark, so an entry of size 0 is either metadata (ENV, LABEL,
// CMD, … or a RUN that changed nothing) or a real layer with no file
// content (WORKDIR creating a directory, RUN mkdir, COPY of an empty
// file). The rule:
//
//  1. Every entry with Size > 0 is a layer.
//  2. If that leaves k more layers than sized entries and there are at
//     least k entries of size 0, k of them are layers too, chosen in this
//     order: entries whose CreatedBy is not metadata-only before
//     metadata-only ones (see metadataOnly), newest first within each
//     group. The chosen entries, oldest first, give their sizes to the
//     diff IDs in order. Which zero entries are chosen only matters when
//     they sit between different sized entries.
//  3. If there are fewer history entries than layers (history trimmed or
//     written by a tool that skips it), the entries that are not
//     metadata-only of size 0 give their sizes to the first layers, as the
//     engine hands diff IDs out from the bottom; the rest start at 0.
//  4. If there are more sized entries than layers (the engine refuses such
//     a history, so this only comes from other sources), the newest n
//     entries give their sizes to the n layers.
//  5. Finally, if the sizes do not add up to imageSize, the top layer
//     takes the difference when the sum is short (in case 3 it is the
//     unaccounted top layers' size); when it is over, the excess is taken
//     off the top layers downwards, never below 0.
//
// Only malformed diff IDs are an error. checkCached relies on rule 5 (the
// sizes add up to imageSize whenever there are layers and imageSize is not
// negative) to tell a damaged cache entry: change them together.
func alignLayers(diffIDs []string, history []image.HistoryResponseItem, imageSize int64) (layers []model.Layer, exact bool, err error) {
	chains, err := chainIDs(diffIDs)
	if err != nil {
		return nil, false, err
	}
	n := len(diffIDs)
	layers = make([]model.Layer, n)
	for i := range layers {
		layers[i] = model.Layer{ChainID: chains[i], DiffID: diffIDs[i]}
	}

	// Oldest first, like the diff IDs.
	h := slices.Clone(history)
	slices.Reverse(h)
	m := len(h)
	sized := 0
	for _, it := range h {
		if it.Size > 0 {
			sized++
		}
	}
	if n == 0 {
		return layers, sized == 0 && imageSize == 0, nil
	}

	var sel []int // indices into h, oldest first: sel[j] sized layer j
	exact = true
	switch {
	case sized <= n && n <= m:
		sel = pickLayerEntries(h, n-sized)
	case n > m:
		exact = false
		for i, it := range h {
			if it.Size > 0 || !metadataOnly(it.CreatedBy) {
				sel = append(sel, i)
			}
		}
	default: // sized > n
		exact = false
		for i := m - n; i < m; i++ {
			sel = append(sel, i)
		}
	}
	var sum int64
	for j, i := range sel {
		if s := h[i].Size; s > 0 {
			layers[j].Size = s
			sum += s
		}
	}
	if imageSize < 0 {
		return layers, false, nil
	}
	if sum != imageSize {
		exact = false
		fixTotal(layers, imageSize-sum)
	}
	return layers, exact, nil
}

// pickLayerEntries returns, oldest first, the indices of the entries of h
// (oldest first) that created layers: every sized entry plus k entries of
// size 0, preferring ones that are not metadata-only, newest first.
func pickLayerEntries(h []image.HistoryResponseItem, k int) []int {
	take := make([]bool, len(h))
	var content, meta []int
	for i := len(h) - 1; i >= 0; i-- {
		switch {
		case h[i].Size > 0:
			take[i] = true
		case metadataOnly(h[i].CreatedBy):
			meta = append(meta, i)
		default:
			content = append(content, i)
		}
	}
	for _, i := range append(content, meta...)[:k] {
		take[i] = true
	}
	sel := make([]int, 0, len(h))
	for i, t := range take {
		if t {
			sel = append(sel, i)
		}
	}
	return sel
}

// fixTotal adds diff to the top layer, or, when diff is negative, takes it
// off the top layers downwards without making any negative.
func fixTotal(layers []model.Layer, diff int64) {
	if len(layers) == 0 {
		return
	}
	if diff > 0 {
		layers[len(layers)-1].Size += diff
		return
	}
	for i := len(layers) - 1; i >= 0 && diff < 0; i-- {
		cut := min(layers[i].Size, -diff)
		layers[i].Size -= cut
		diff += cut
	}
}

// metadataInstructions are the Dockerfile instructions that only change
// the image config and never create a layer.
var metadataInstructions = map[string]bool{
	"ARG": true, "CMD": true, "ENTRYPOINT": true, "ENV": true, "EXPOSE": true,
	"HEALTHCHECK": true, "LABEL": true, "MAINTAINER": true, "ONBUILD": true,
	"SHELL": true, "STOPSIGNAL": true, "USER": true, "VOLUME": true,
}

// metadataOnly reports a history entry written by a config-only
// instruction. The classic builder writes `/bin/sh -c #(nop)  ENV A=b`
// (`cmd /S /C #(nop) …` on Windows) and, for steps that may create a
// layer, `/bin/sh -c #(nop) COPY file:… in /a`, `/bin/sh -c #(nop) WORKDIR
// /w` or the RUN command itself; BuildKit writes the instruction as typed
// in upper case: `ENV A=b`, `LABEL x=y`, `CMD ["x"]`, `WORKDIR /w`,
// `COPY a /a # buildkit`, `RUN /bin/sh -c … # buildkit`.
func metadataOnly(createdBy string) bool {
	s := createdBy
	if _, after, ok := strings.Cut(s, "#(nop)"); ok {
		s = after
	}
	word, _, _ := strings.Cut(strings.TrimSpace(s), " ")
	return metadataInstructions[word]
}

// chainIDs computes the chain ID of each layer from the diff IDs, as
// identity.ChainIDs does: the first is the first diff ID, each next one
// sha256("<previous chain ID> <diff ID>").
func chainIDs(diffIDs []string) ([]string, error) {
	out := make([]string, len(diffIDs))
	for i, d := range diffIDs {
		alg, hexPart, ok := strings.Cut(d, ":")
		if !ok || alg == "" || hexPart == "" {
			return nil, fmt.Errorf("malformed diff ID %q", d)
		}
		if i == 0 {
			out[i] = d
			continue
		}
		sum := sha256.Sum256([]byte(out[i-1] + " " + d))
		out[i] = "sha256:" + hex.EncodeToString(sum[:])
	}
	return out, nil
}

func shortImageID(id string) string {
	s := strings.TrimPrefix(id, "sha256:")
	if len(s) > 12 {
		s = s[:12]
	}
	return s
}

// defaultLayerParallel is how many images FillLayers reads at once.
const defaultLayerParallel = 4

// FillLayers finds the layers of every image in ids: found is called for
// each, first at once for those the cache holds from the engine in this
// process or that the image list confirms (listConfirms), then as the
// others are read from the engine, at most parallel at a time (default
// 4), and put in the cache. Any other entry the cache read from disk
// costs one ImageInspect: it is used when it agrees with the engine
// (checkCached), else dropped and read afresh like a missing one.
// found is never called twice at the same time. An image deleted
// meanwhile is skipped silently; other failures do not stop the rest and
// come back as one error (a lost engine stops everything), and such an
// image is not reported: its layers stay unknown. Cancelling ctx stops
// the work and returns ctx's error. cache may be nil.
func (e *Engine) FillLayers(ctx context.Context, cache *LayerCache, ids []string, parallel int, found func(id string, layers []model.Layer, buildkit bool)) error {
	if parallel <= 0 {
		parallel = defaultLayerParallel
	}
	if cache == nil {
		cache = newMemoryLayerCache()
	}
	var mu sync.Mutex
	report := func(id string, layers []model.Layer, buildkit bool) {
		if found == nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		found(id, layers, buildkit)
	}

	seen := make(map[string]bool, len(ids))
	var missing []string
	unchecked := map[string]cachedLayers{}
	for _, id := range ids {
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		c, ok := cache.lookup(id)
		switch {
		case ok && c.checked:
			report(id, slices.Clone(c.layers), c.buildkit)
		case ok && c.containerd == e.containerd.Load() && e.listConfirms(id, c):
			cache.trust(id, c)
			report(id, slices.Clone(c.layers), c.buildkit)
		case ok:
			unchecked[id] = c
			missing = append(missing, id)
		default:
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return ctx.Err()
	}

	wctx, stop := context.WithCancel(ctx)
	defer stop()
	var (
		emu      sync.Mutex
		failed   int
		firstErr error
		lost     error
		timeout  error // a call that missed the deadline, to name it
	)
	g := new(errgroup.Group)
	g.SetLimit(parallel)
	for _, id := range missing {
		if wctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if wctx.Err() != nil {
				return nil
			}
			var (
				layers []model.Layer
				bk     bool
			)
			ins, err := e.inspectImage(wctx, id)
			if err == nil {
				if c, ok := unchecked[id]; ok {
					chk := ins
					chk.Size = e.fitSize(ins)
					// An entry of the other image store has sizes of
					// another kind (see fitSize).
					if c.containerd == e.containerd.Load() && checkCached(id, c.layers, chk) == nil && unpackedOK(c.layers, ins) {
						cache.trust(id, c)
						report(id, slices.Clone(c.layers), c.buildkit)
						return nil
					}
					// Figures bilge cannot stand behind: read them afresh.
					cache.drop(id)
				}
				layers, bk, err = e.layersOf(wctx, id, ins)
			}
			switch {
			case err == nil:
				// A cache that cannot write still keeps the entry in memory.
				_ = cache.put(id, layers, bk, e.containerd.Load())
				report(id, layers, bk)
			case cerrdefs.IsNotFound(err):
			case wctx.Err() != nil:
				var te *TimeoutError
				if errors.As(err, &te) {
					emu.Lock()
					if timeout == nil {
						timeout = err
					}
					emu.Unlock()
				}
			default:
				emu.Lock()
				if IsConnectError(err) && lost == nil {
					lost = err
					stop()
				}
				failed++
				if firstErr == nil {
					firstErr = err
				}
				emu.Unlock()
			}
			return nil
		})
	}
	_ = g.Wait()
	switch {
	case ctx.Err() != nil && timeout != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return timeout
	case ctx.Err() != nil:
		return ctx.Err()
	case lost != nil:
		return lost
	case failed == 1:
		return firstErr
	case failed > 1:
		return fmt.Errorf("layers of %d images could not be read, the first: %w", failed, firstErr)
	}
	return nil
}

// listFacts is what the image list says of an image's layers' sizes:
// the image's Size (on a graph driver the sum of its layers' sizes, as
// inspect's) and, on the containerd image store, each available
// manifest's unpacked size (the snapshots the engine counts).
type listFacts struct {
	size     int64
	unpacked []int64
}

// noteListed keeps the image list's facts for listConfirms, replacing
// those of the last list, or adding to them (more adds the hidden
// intermediate images of the all=1 list, asked without manifests, to the
// top-level one's, which it leaves as they are).
func (e *Engine) noteListed(items []image.Summary, more bool) {
	m := make(map[string]listFacts, len(items))
	if more {
		e.listedMu.Lock()
		for id, f := range e.listed {
			m[id] = f
		}
		e.listedMu.Unlock()
	}
	for i := range items {
		s := &items[i]
		if _, ok := m[s.ID]; !ok {
			m[s.ID] = listFacts{size: s.Size, unpacked: availableUnpacked(s.Manifests)}
		}
	}
	e.listedMu.Lock()
	e.listed = m
	e.listedMu.Unlock()
}

// listConfirms reports whether the last image list agrees with an
// entry's sizes, so that an entry whose checksum holds can be used
// without an inspect: on a graph driver the layers add up to the list's
// Size, as alignLayers fits them to inspect's (the same figure); on the
// containerd store they add up to an available manifest's unpacked size,
// as unpackedOK checks it. An image the list did not give, or gave
// nothing to check against, is not confirmed: the inspect checks it. So
// is, on the containerd store, an image with snapshots no diff ID names
// (a committed one's; see model/cstore.go), whose unpacked size is more
// than its layers': as before, it is read afresh.
func (e *Engine) listConfirms(id string, c cachedLayers) bool {
	e.listedMu.Lock()
	f, ok := e.listed[id]
	e.listedMu.Unlock()
	if !ok {
		return false
	}
	var sum int64
	for _, l := range c.layers {
		if l.Size < 0 || l.Size > math.MaxInt64-sum {
			return false
		}
		sum += l.Size
	}
	if e.containerd.Load() {
		return slices.Contains(f.unpacked, sum)
	}
	return f.size >= 0 && sum == f.size
}

// availableUnpacked is the unpacked sizes of the available image
// manifests; nil when there are none.
func availableUnpacked(ms []image.ManifestSummary) []int64 {
	var out []int64
	for _, m := range ms {
		if m.Available && m.ImageData != nil {
			out = append(out, m.ImageData.Size.Unpacked)
		}
	}
	return out
}

// checkCached reports why a cache entry (layers, oldest first) does not
// describe the image the engine inspected, nil when it does: the engine
// names the same ID; the entry has the image's diff IDs, in order, and
// the chain IDs they make; and, when the engine gives the image's size,
// the layers' sizes add up to it, as alignLayers makes them (on the
// classic image store that is each layer's unpacked size; on the
// containerd store, where inspect's Size is the packed content, it is the
// figure alignLayers fitted the history to). An entry written from this
// inspect always passes; any change to a size, a layer or its order fails
// unless it is offset exactly by another size change (which no corruption
// of one number does). When the engine gives no size (negative) only the
// identity is checked.
func checkCached(id string, layers []model.Layer, ins image.InspectResponse) error {
	if ins.ID != id {
		return fmt.Errorf("the engine names image %s %q", shortImageID(id), ins.ID)
	}
	diffs := ins.RootFS.Layers
	if len(layers) != len(diffs) {
		return fmt.Errorf("%d layers cached, the image has %d", len(layers), len(diffs))
	}
	chains, err := chainIDs(diffs)
	if err != nil {
		return err
	}
	var sum int64
	for i, l := range layers {
		if l.DiffID != diffs[i] || l.ChainID != chains[i] {
			return fmt.Errorf("layer %d is not the image's", i)
		}
		if l.Size < 0 || l.Size > math.MaxInt64-sum {
			return fmt.Errorf("layer %d has size %d", i, l.Size)
		}
		sum += l.Size
	}
	if ins.Size >= 0 && len(layers) > 0 && sum != ins.Size {
		return fmt.Errorf("layers add up to %d bytes, the image is %d", sum, ins.Size)
	}
	return nil
}

// layerCacheVersion is the format of cache entries; entries of another
// version are ignored and rewritten. Version 2 added the store and the
// checksum.
const layerCacheVersion = 2

// Image store kinds, as cache entries name them.
const (
	storeGraph      = "graph"
	storeContainerd = "containerd"
)

// LayerCache keeps image layers on disk, one small JSON file per image ID
// (<dir>/<hex>.json, written to a temporary file and renamed), read on
// first use and kept in memory after. Image IDs are content addresses, so
// entries do not go stale, but the files can be damaged or edited: what
// is read from disk counts as unchecked until FillLayers has compared it
// with the engine — the image list's sizes, else the image's inspect
// (entries Put in this process are from the engine). Unreadable or
// corrupt entries, and those whose checksum or chain IDs do not hold,
// count as missing; a cache directory that
// cannot be written leaves the cache in memory only. Safe for concurrent
// use, also by several processes.
type LayerCache struct {
	dir      string // "" when memory only
	readOnly bool   // dir can be read but not written
	mu       sync.Mutex
	mem      map[string]cachedLayers
}

type cachedLayers struct {
	layers   []model.Layer
	buildkit bool
	checked  bool // from the engine, or compared with it, in this process
	// containerd marks sizes read on the containerd image store: the
	// history's as they are, not fitted to inspect's Size (see fitSize).
	containerd bool
}

// layerFile is one cache entry on disk. Sum seals the rest (see
// layerFileSum): an entry whose sum does not hold counts as missing.
type layerFile struct {
	Version  int         `json:"v"`
	ID       string      `json:"id"`
	Store    string      `json:"store"` // storeGraph or storeContainerd
	BuildKit bool        `json:"buildkit"`
	Layers   []layerJSON `json:"layers"`
	Sum      string      `json:"sum"`
}

// layerFileSum is the checksum of an entry: the hex sha256 of the image
// ID, the store's kind and the entry's JSON encoding without its sum. Any
// damage to an entry (a size, a digest, the flag, the ID or store it is
// for) fails it, and an entry cannot pass for another image's or another
// store's. It guards against damage, not against someone who rewrites
// the cache on purpose: the image list's sizes (listConfirms) check the
// figures too.
func layerFileSum(f layerFile) (string, error) {
	f.Sum = ""
	data, err := json.Marshal(&f)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "bilge layer cache\x00%s\x00%s\x00", f.ID, f.Store)
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil)), nil
}

type layerJSON struct {
	ChainID string `json:"chain"`
	DiffID  string `json:"diff"`
	Size    int64  `json:"size"`
}

// DefaultLayerCacheDir is $XDG_CACHE_HOME/bilge/layers when
// XDG_CACHE_HOME is set (and absolute), else bilge/layers in the
// platform's user cache directory.
func DefaultLayerCacheDir() (string, error) {
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "bilge", "layers"), nil
	}
	base, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(base, "bilge", "layers"), nil
}

func newMemoryLayerCache() *LayerCache {
	return &LayerCache{mem: make(map[string]cachedLayers)}
}

// OpenLayerCache opens (creating it if needed) the cache in dir, or in
// DefaultLayerCacheDir when dir is "". It always returns a usable cache:
// when the directory cannot be created or written, the cache keeps
// entries in memory only (still reading the directory if it can) and the
// error says why — report it, but carry on.
func OpenLayerCache(dir string) (*LayerCache, error) {
	c := newMemoryLayerCache()
	if dir == "" {
		d, err := DefaultLayerCacheDir()
		if err != nil {
			return c, fmt.Errorf("layer cache: %w (keeping layers in memory only)", err)
		}
		dir = d
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return c, fmt.Errorf("layer cache: %w (keeping layers in memory only)", err)
	}
	c.dir = dir
	f, err := os.CreateTemp(dir, ".probe-*")
	if err != nil {
		c.readOnly = true
		return c, fmt.Errorf("layer cache: %s is not writable: %w (new layers kept in memory only)", dir, err)
	}
	name := f.Name()
	f.Close()
	os.Remove(name)
	return c, nil
}

// Dir is where the cache lives, "" when it is in memory only.
func (c *LayerCache) Dir() string { return c.dir }

// Get returns the cached layers of an image and its BuildKit flag; ok is
// false when the image is not cached (or its entry is unreadable). An
// entry read from disk is returned unchecked: FillLayers checks it.
func (c *LayerCache) Get(id string) (layers []model.Layer, buildkit bool, ok bool) {
	e, ok := c.lookup(id)
	if !ok {
		return nil, false, false
	}
	return slices.Clone(e.layers), e.buildkit, true
}

// lookup is the entry of an image, from memory or else from disk; the
// caller must not change its layers.
func (c *LayerCache) lookup(id string) (cachedLayers, bool) {
	c.mu.Lock()
	e, ok := c.mem[id]
	c.mu.Unlock()
	if ok {
		return e, true
	}
	path := c.path(id)
	if path == "" {
		return cachedLayers{}, false
	}
	e, ok = readLayerFile(path, id)
	if !ok {
		return cachedLayers{}, false
	}
	c.mu.Lock()
	if cur, ok := c.mem[id]; ok {
		e = cur // put meanwhile
	} else {
		c.mem[id] = e
	}
	c.mu.Unlock()
	return e, true
}

// trust marks an entry read from disk as agreeing with the engine.
func (c *LayerCache) trust(id string, e cachedLayers) {
	e.checked = true
	c.mu.Lock()
	c.mem[id] = e
	c.mu.Unlock()
}

// drop forgets an entry that disagrees with the engine, on disk too (a
// failure to remove it is harmless: it is checked again when read).
func (c *LayerCache) drop(id string) {
	c.mu.Lock()
	delete(c.mem, id)
	c.mu.Unlock()
	if path := c.path(id); path != "" && !c.readOnly {
		os.Remove(path)
	}
}

// Put stores an image's layers, read from the engine. The entry is kept
// in memory even when writing it to disk fails (the error says so).
func (c *LayerCache) Put(id string, layers []model.Layer, buildkit bool) error {
	return c.put(id, layers, buildkit, false)
}

// put is Put with the image store's kind (see cachedLayers.containerd).
func (c *LayerCache) put(id string, layers []model.Layer, buildkit, containerd bool) error {
	e := cachedLayers{layers: slices.Clone(layers), buildkit: buildkit, checked: true, containerd: containerd}
	if e.layers == nil {
		e.layers = []model.Layer{} // known to have no layers, not unknown
	}
	c.mu.Lock()
	c.mem[id] = e
	c.mu.Unlock()
	path := c.path(id)
	if path == "" || c.readOnly {
		return nil
	}
	f := layerFile{Version: layerCacheVersion, ID: id, Store: storeGraph, BuildKit: buildkit, Layers: make([]layerJSON, len(layers))}
	if containerd {
		f.Store = storeContainerd
	}
	for i, l := range layers {
		f.Layers[i] = layerJSON{ChainID: l.ChainID, DiffID: l.DiffID, Size: l.Size}
	}
	sum, err := layerFileSum(f)
	if err != nil {
		return err
	}
	f.Sum = sum
	data, err := json.Marshal(&f)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fmt.Errorf("layer cache: %w", err)
	}
	return nil
}

// path is the file of an image's entry, "" when the cache is in memory
// only or the ID is not a sha256 content address.
func (c *LayerCache) path(id string) string {
	if c.dir == "" {
		return ""
	}
	h, ok := strings.CutPrefix(id, "sha256:")
	if !ok || len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return ""
	}
	return filepath.Join(c.dir, h+".json")
}

func readLayerFile(path, id string) (cachedLayers, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return cachedLayers{}, false
	}
	var f layerFile
	if err := json.Unmarshal(data, &f); err != nil || f.Version != layerCacheVersion || f.ID != id || f.Layers == nil ||
		(f.Store != storeGraph && f.Store != storeContainerd) {
		return cachedLayers{}, false
	}
	if sum, err := layerFileSum(f); err != nil || sum != f.Sum {
		return cachedLayers{}, false
	}
	e := cachedLayers{layers: make([]model.Layer, len(f.Layers)), buildkit: f.BuildKit, containerd: f.Store == storeContainerd}
	diffs := make([]string, len(f.Layers))
	for i, l := range f.Layers {
		if l.Size < 0 {
			return cachedLayers{}, false
		}
		diffs[i] = l.DiffID
		e.layers[i] = model.Layer{ChainID: l.ChainID, DiffID: l.DiffID, Size: l.Size}
	}
	// The chain IDs follow from the diff IDs (as alignLayers makes them).
	chains, err := chainIDs(diffs)
	if err != nil {
		return cachedLayers{}, false
	}
	for i, c := range chains {
		if e.layers[i].ChainID != c {
			return cachedLayers{}, false
		}
	}
	return e, true
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return nil
}
