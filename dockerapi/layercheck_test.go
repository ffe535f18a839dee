package dockerapi

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/image"

	"bilge/model"
)

// inspectOf is what the engine says of an image whose layers are these.
func inspectOf(id string, layers []model.Layer) image.InspectResponse {
	ins := image.InspectResponse{ID: id, RootFS: image.RootFS{Type: "layers"}}
	for _, l := range layers {
		ins.RootFS.Layers = append(ins.RootFS.Layers, l.DiffID)
		ins.Size += l.Size
	}
	return ins
}

// TestCheckCached: an entry is used only when it is the image the engine
// describes — same ID, its diff IDs in order with their chain IDs, sizes
// that add up to the image's size.
func TestCheckCached(t *testing.T) {
	t.Parallel()
	id := testImageID(1)
	good := testLayers(4)
	ins := inspectOf(id, good)
	if err := checkCached(id, good, ins); err != nil {
		t.Fatalf("a true entry refused: %v", err)
	}
	change := func(f func(l []model.Layer) []model.Layer) []model.Layer { return f(slices.Clone(good)) }
	bad := map[string][]model.Layer{
		"size ×1000":      change(func(l []model.Layer) []model.Layer { l[2].Size *= 1000; return l }),
		"size zeroed":     change(func(l []model.Layer) []model.Layer { l[0].Size = 0; return l }),
		"negative size":   change(func(l []model.Layer) []model.Layer { l[1].Size = -l[1].Size; l[2].Size += 2 * good[1].Size; return l }),
		"overflowing sum": change(func(l []model.Layer) []model.Layer { l[0].Size, l[1].Size = math.MaxInt64, math.MaxInt64; return l }),
		"a layer short":   good[:3],
		"a layer extra":   append(slices.Clone(good), model.Layer{ChainID: "sha256:aa", DiffID: "sha256:aa"}),
		"layers swapped":  change(func(l []model.Layer) []model.Layer { l[1], l[2] = l[2], l[1]; return l }),
		"other diff ID":   change(func(l []model.Layer) []model.Layer { l[3].DiffID = testDiffIDs(5)[4]; return l }),
		// A layer made to look unshared: the chain ID no longer follows
		// from the diff IDs (the sizes are right).
		"other chain ID": change(func(l []model.Layer) []model.Layer { l[1].ChainID = testImageID(99); return l }),
		"no layers":      []model.Layer{},
	}
	for name, l := range bad {
		if err := checkCached(id, l, ins); err == nil {
			t.Errorf("%s: accepted", name)
		} else if strings.ContainsAny(err.Error(), "\n") {
			t.Errorf("%s: %q is not one line", name, err)
		}
	}
	// The entry of another image.
	if checkCached(testImageID(2), good, ins) == nil {
		t.Error("an entry accepted for an image of another ID")
	}
	// No size from the engine: the identity is still checked.
	noSize := ins
	noSize.Size = -1
	if checkCached(id, good, noSize) != nil || checkCached(id, bad["size ×1000"], noSize) != nil {
		t.Error("without the image's size, the sizes cannot be compared")
	}
	if checkCached(id, bad["other diff ID"], noSize) == nil {
		t.Error("without the image's size, a wrong layer was accepted")
	}
	// An image without layers (FROM scratch, config only) may still have
	// a size (the containerd store counts its manifest and config).
	empty := image.InspectResponse{ID: id, Size: 1234}
	if err := checkCached(id, []model.Layer{}, empty); err != nil {
		t.Errorf("image without layers: %v", err)
	}
}

// TestFillLayersDropsPoisonedEntries: entries on disk that do not match
// the engine are not used, but read afresh and rewritten; a corrupt file
// is a miss; when the fresh read fails, the image's layers stay unknown
// (not reported) and the bad entry is gone from disk.
func TestFillLayersDropsPoisonedEntries(t *testing.T) {
	t.Parallel()
	f, ids := newLayerFake(6)
	e := fakeEngine(f)
	dir := t.TempDir()
	cache, err := OpenLayerCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	truth := map[string][]model.Layer{}
	if err := e.FillLayers(context.Background(), cache, ids, 2, func(id string, l []model.Layer, _ bool) { truth[id] = l }); err != nil {
		t.Fatal(err)
	}
	file := func(id string) string { return filepath.Join(dir, strings.TrimPrefix(id, "sha256:")+".json") }
	poison := func(id string, f func(*layerFile)) {
		t.Helper()
		data, err := os.ReadFile(file(id))
		if err != nil {
			t.Fatal(err)
		}
		var lf layerFile
		if err := json.Unmarshal(data, &lf); err != nil {
			t.Fatal(err)
		}
		f(&lf)
		// Resealed (a valid checksum), and with no image list noted: the
		// inspect is what refuses these.
		if lf.Sum, err = layerFileSum(lf); err != nil {
			t.Fatal(err)
		}
		data, _ = json.Marshal(&lf)
		if err := os.WriteFile(file(id), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	poison(ids[0], func(lf *layerFile) { lf.Layers[0].Size *= 1000 })
	poison(ids[1], func(lf *layerFile) { lf.Layers = lf.Layers[:1] })
	poison(ids[2], func(lf *layerFile) { lf.Layers[1].ChainID = testImageID(77) })
	poison(ids[3], func(lf *layerFile) { lf.Layers[0].Size, lf.Layers[1].Size = lf.Layers[1].Size, lf.Layers[0].Size+1 })
	if err := os.WriteFile(file(ids[4]), []byte(`{"v":2,"id":"`+ids[4]+`","layers":[{"chain":`), 0o600); err != nil {
		t.Fatal(err)
	}
	// ids[5] stays true.

	got := fillFresh(t, e, f, dir, ids)
	for i, id := range ids {
		if !slices.Equal(got[id], truth[id]) {
			t.Errorf("image %d: %v, want %v", i, got[id], truth[id])
		}
		wantHist := 1
		if i == 5 {
			wantHist = 0
		}
		if f.histCalls[id] != wantHist || f.calls[id] != 1 {
			t.Errorf("image %d: %d inspects, %d histories, want 1 and %d", i, f.calls[id], f.histCalls[id], wantHist)
		}
		// Rewritten: a third process uses them as they are.
		if l, _, ok := readLayerFileForTest(dir, id); !ok || !slices.Equal(l, truth[id]) {
			t.Errorf("image %d: on disk %v %v, want %v", i, l, ok, truth[id])
		}
	}

	// The fresh read fails: no figures for that image, an error, and the
	// poisoned entry is not left to be trusted later.
	poison(ids[0], func(lf *layerFile) { lf.Layers[0].Size *= 1000 })
	f.histFail[ids[0]] = errors.New("history refused")
	fresh, _ := OpenLayerCache(dir)
	got = map[string][]model.Layer{}
	err = e.FillLayers(context.Background(), fresh, ids, 2, func(id string, l []model.Layer, _ bool) { got[id] = l })
	if err == nil || !strings.Contains(err.Error(), "history refused") {
		t.Errorf("err = %v, want the history's failure", err)
	}
	if l, ok := got[ids[0]]; ok {
		t.Errorf("image 0 reported with %v, want its layers unknown", l)
	}
	if len(got) != 5 {
		t.Errorf("%d images reported, want the 5 others", len(got))
	}
	if _, err := os.Stat(file(ids[0])); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the poisoned entry is still on disk: %v", err)
	}
}

func readLayerFileForTest(dir, id string) ([]model.Layer, bool, bool) {
	c, _ := OpenLayerCache(dir)
	return c.Get(id)
}

// fillFresh counts f's calls afresh and fills the layers of ids from a
// cache opened anew on dir, as a new bilge process would.
func fillFresh(t *testing.T, e *Engine, f *layerFake, dir string, ids []string) map[string][]model.Layer {
	t.Helper()
	f.calls, f.histCalls = map[string]int{}, map[string]int{}
	fresh, _ := OpenLayerCache(dir)
	got := map[string][]model.Layer{}
	if err := e.FillLayers(context.Background(), fresh, ids, 2, func(id string, l []model.Layer, _ bool) { got[id] = l }); err != nil {
		t.Fatal(err)
	}
	return got
}
