package dockerapi

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/image"

	"bilge/model"
)

// ClientVersion is an API version that asks inspect for no manifests.
func (f *layerFake) ClientVersion() string { return "1.47" }

// listOf is the image list of the fake's images: Size as the engine's
// list gives it (on the containerd store, no Size check is made: each
// image has one available manifest whose unpacked size is its layers').
func listOf(f *layerFake, ids []string, containerd bool) []image.Summary {
	out := make([]image.Summary, len(ids))
	for i, id := range ids {
		img := f.images[id]
		out[i] = image.Summary{ID: id, Size: img.size}
		if containerd {
			var unpacked int64
			for _, h := range img.history {
				unpacked += h.Size
			}
			out[i].Size = 1_000_000 + unpacked // content + snapshots
			data := &image.ImageProperties{}
			data.Size.Unpacked = unpacked
			out[i].Manifests = []image.ManifestSummary{
				{Kind: image.ManifestKindAttestation, Available: true},
				{Kind: image.ManifestKindImage, Available: true, ImageData: data},
			}
		}
	}
	return out
}

// warmCache fills a cache directory from the fake, as one process would,
// and returns what it found.
func warmCache(t *testing.T, e *Engine, ids []string) (string, map[string][]model.Layer) {
	t.Helper()
	dir := t.TempDir()
	c, err := OpenLayerCache(dir)
	if err != nil {
		t.Fatal(err)
	}
	truth := map[string][]model.Layer{}
	if err := e.FillLayers(context.Background(), c, ids, 2, func(id string, l []model.Layer, _ bool) { truth[id] = l }); err != nil {
		t.Fatal(err)
	}
	if len(truth) != len(ids) {
		t.Fatalf("warming: %d of %d images found", len(truth), len(ids))
	}
	return dir, truth
}

// TestFillLayersWarmCacheNoEngineCalls: in a new process (a fresh cache
// on a warm directory), entries whose checksum holds and that the image
// list confirms cost no engine call at all, on either image store; those
// the list does not confirm (not listed, nothing to check against, an
// unpacked size that is not the layers') cost one inspect, as before.
func TestFillLayersWarmCacheNoEngineCalls(t *testing.T) {
	t.Parallel()
	for _, containerd := range []bool{false, true} {
		name := "graph"
		if containerd {
			name = "containerd"
		}
		t.Run(name, func(t *testing.T) {
			f, ids := newLayerFake(8)
			e := fakeEngine(f)
			e.containerd.Store(containerd)
			dir, truth := warmCache(t, e, ids)

			list := listOf(f, ids, containerd)
			if containerd {
				// Image 1 has snapshots no diff ID names (as a
				// committed image has): its unpacked size is more than
				// its layers'.
				list[1].Manifests[1].ImageData.Size.Unpacked += 4096
			}
			// The last image is not in the list; the one before has no
			// size (graph) or no available manifest (containerd).
			list = list[:len(list)-1]
			if containerd {
				list[len(list)-1].Manifests[1].Available = false
			} else {
				list[len(list)-1].Size = -1
			}
			e.noteListed(list, false)

			got := fillFresh(t, e, f, dir, ids)
			for i, id := range ids {
				if !slices.Equal(got[id], truth[id]) {
					t.Errorf("image %d: %v, want %v", i, got[id], truth[id])
				}
				want := 0
				if i >= len(ids)-2 || (containerd && i == 1) {
					want = 1
				}
				if f.calls[id] != want || f.histCalls[id] != 0 {
					t.Errorf("image %d: %d inspects, %d histories, want %d and 0", i, f.calls[id], f.histCalls[id], want)
				}
			}
		})
	}
}

// TestFillLayersDamagedEntries: an entry on disk that is damaged in any
// field, carries a wrong checksum, belongs to another image or store, or
// has a valid checksum but sizes the list does not confirm is never used:
// its image is read afresh (one history) and the entry rewritten.
func TestFillLayersDamagedEntries(t *testing.T) {
	t.Parallel()
	damage := map[string]struct {
		f      func(*layerFile)
		reseal bool // recompute the checksum after the change
	}{
		"size":             {f: func(lf *layerFile) { lf.Layers[1].Size++ }},
		"size swap":        {f: func(lf *layerFile) { lf.Layers[0].Size, lf.Layers[1].Size = lf.Layers[1].Size, lf.Layers[0].Size }},
		"chain ID":         {f: func(lf *layerFile) { lf.Layers[1].ChainID = testImageID(77) }},
		"diff ID":          {f: func(lf *layerFile) { lf.Layers[1].DiffID = testDiffIDs(3)[2] }},
		"layer dropped":    {f: func(lf *layerFile) { lf.Layers = lf.Layers[:1] }},
		"layers swapped":   {f: func(lf *layerFile) { lf.Layers[0], lf.Layers[1] = lf.Layers[1], lf.Layers[0] }},
		"buildkit":         {f: func(lf *layerFile) { lf.BuildKit = !lf.BuildKit }},
		"store":            {f: func(lf *layerFile) { lf.Store = storeContainerd }},
		"version":          {f: func(lf *layerFile) { lf.Version = 1 }},
		"checksum changed": {f: func(lf *layerFile) { lf.Sum = strings.Repeat("0", 64) }},
		"checksum gone":    {f: func(lf *layerFile) { lf.Sum = "" }},
		// Valid checksums: the list (and then the inspect) refuse them.
		"resealed size":  {f: func(lf *layerFile) { lf.Layers[1].Size *= 1000 }, reseal: true},
		"resealed store": {f: func(lf *layerFile) { lf.Store = storeContainerd }, reseal: true},
		"resealed chain": {f: func(lf *layerFile) { lf.Layers[1].ChainID = testImageID(78) }, reseal: true},
	}
	names := make([]string, 0, len(damage))
	for name := range damage {
		names = append(names, name)
	}
	slices.Sort(names)
	// Two more: another image's entry in this image's file, as it is and
	// resealed for this image's ID.
	names = append(names, "other image", "other image resealed")

	f, ids := newLayerFake(len(names) + 1)
	e := fakeEngine(f)
	dir, truth := warmCache(t, e, ids)
	e.noteListed(listOf(f, ids, false), false)
	file := func(id string) string { return filepath.Join(dir, strings.TrimPrefix(id, "sha256:")+".json") }
	read := func(id string) layerFile {
		t.Helper()
		data, err := os.ReadFile(file(id))
		if err != nil {
			t.Fatal(err)
		}
		var lf layerFile
		if err := json.Unmarshal(data, &lf); err != nil {
			t.Fatal(err)
		}
		return lf
	}
	write := func(id string, lf layerFile, reseal bool) {
		t.Helper()
		if reseal {
			sum, err := layerFileSum(lf)
			if err != nil {
				t.Fatal(err)
			}
			lf.Sum = sum
		}
		data, _ := json.Marshal(&lf)
		if err := os.WriteFile(file(id), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	good := ids[len(ids)-1] // stays true
	for i, name := range names {
		id := ids[i]
		switch name {
		case "other image":
			write(id, read(good), false)
		case "other image resealed":
			lf := read(good)
			lf.ID = id
			write(id, lf, true)
		default:
			lf := read(id)
			damage[name].f(&lf)
			write(id, lf, damage[name].reseal)
		}
	}

	f.calls, f.histCalls = map[string]int{}, map[string]int{}
	fresh, _ := OpenLayerCache(dir)
	got := map[string][]model.Layer{}
	bks := map[string]bool{}
	if err := e.FillLayers(context.Background(), fresh, ids, 2, func(id string, l []model.Layer, bk bool) { got[id], bks[id] = l, bk }); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		name := "untouched"
		if i < len(names) {
			name = names[i]
		}
		if !slices.Equal(got[id], truth[id]) || !bks[id] {
			t.Errorf("%s: %v buildkit %v, want %v true", name, got[id], bks[id], truth[id])
		}
		wantHist := 1
		if id == good {
			wantHist = 0
		}
		if f.histCalls[id] != wantHist {
			t.Errorf("%s: %d histories read, want %d", name, f.histCalls[id], wantHist)
		}
		if id == good && f.calls[id] != 0 {
			t.Errorf("untouched entry: %d inspects, want none", f.calls[id])
		}
		// Rewritten: the next process uses it without a call.
		if l, _, ok := readLayerFileForTest(dir, id); !ok || !slices.Equal(l, truth[id]) {
			t.Errorf("%s: on disk %v %v, want %v", name, l, ok, truth[id])
		}
	}
}

// TestLayerCacheChecksum: what put writes passes, and the sum changes
// with every field, the image ID and the store included.
func TestLayerCacheChecksum(t *testing.T) {
	t.Parallel()
	base := layerFile{Version: layerCacheVersion, ID: testImageID(1), Store: storeGraph, BuildKit: true,
		Layers: []layerJSON{{ChainID: "sha256:aa", DiffID: "sha256:aa", Size: 1}, {ChainID: "sha256:bb", DiffID: "sha256:cc", Size: 2}}}
	sum := func(lf layerFile) string {
		s, err := layerFileSum(lf)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	want := sum(base)
	if withSum := base; sum(withSum) != want {
		t.Fatal("the sum depends on the sum field")
	}
	changes := map[string]func(*layerFile){
		"version":  func(lf *layerFile) { lf.Version++ },
		"id":       func(lf *layerFile) { lf.ID = testImageID(2) },
		"store":    func(lf *layerFile) { lf.Store = storeContainerd },
		"buildkit": func(lf *layerFile) { lf.BuildKit = false },
		"chain":    func(lf *layerFile) { lf.Layers[1].ChainID = "sha256:bc" },
		"diff":     func(lf *layerFile) { lf.Layers[1].DiffID = "sha256:cd" },
		"size":     func(lf *layerFile) { lf.Layers[0].Size = 2 },
		"order":    func(lf *layerFile) { lf.Layers[0], lf.Layers[1] = lf.Layers[1], lf.Layers[0] },
		"no layer": func(lf *layerFile) { lf.Layers = lf.Layers[:1] },
	}
	for name, change := range changes {
		lf := base
		lf.Layers = slices.Clone(base.Layers)
		change(&lf)
		if sum(lf) == want {
			t.Errorf("%s changed, the sum did not", name)
		}
	}
}
