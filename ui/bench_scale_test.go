package ui

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// Benchmarks at 1k, 10k and 100k objects (issue 7), over a loaded App
// (lists, disk usage and layers applied, reclaim index built): frame
// render, re-sort and re-filter of the Images and Containers tabs, exact
// reclaim after one mark (space) at 1k and 10k images, and the App's
// memory per object. Fast enough for
// `go test -run XXX -bench Scale -benchtime 3x ./ui/`.

var scaleObjects = []int{1_000, 10_000, 100_000}

// scaleAppState is a host of n objects: 30% images (8 layers each, 4 of
// one of 20 shared base chains), 50% containers (a quarter running), 20%
// volumes (every other container mounts one), 50 networks; with the disk
// usage and layers the engine would report.
func scaleAppState(n int) (*model.Snapshot, *model.DiskUsage, map[string]model.ImageLayers) {
	nImg, nCtr := n*3/10, n/2
	nVol := n - nImg - nCtr
	s := &model.Snapshot{Engine: model.Engine{Host: "unix:///var/run/docker.sock", Version: "27.0.0", APIVersion: "1.46"}}
	du := &model.DiskUsage{Taken: testNow}
	layers := make(map[string]model.ImageLayers, nImg)
	digest := func(kind, i int) string { return fmt.Sprintf("sha256:%064x", uint64(i)<<4|uint64(kind)) }
	for i := range 50 {
		s.Networks = append(s.Networks, model.Network{ID: fmt.Sprintf("%064x", 1<<50+i), Name: fmt.Sprintf("net-%d", i), Driver: "bridge", Scope: "local", Created: testNow})
	}
	for i := range nImg {
		id := digest(1, i)
		size := int64(1_000_000 + (i*7919)%900_000_000)
		img := model.Image{
			ID:         id,
			Created:    testNow.Add(-time.Duration(i) * time.Minute),
			Size:       size,
			SharedSize: model.Unknown,
			Labels:     map[string]string{"com.example.team": fmt.Sprint("team-", i%37), "org.opencontainers.image.revision": fmt.Sprintf("%040x", i)},
		}
		if i%25 != 0 {
			img.Tags = []string{fmt.Sprintf("registry.example.com/team%d/svc-%d:v%d", i%37, i%300, i)}
		}
		s.Images = append(s.Images, img)
		var ls []model.Layer
		for k := range 4 {
			ls = append(ls, model.Layer{ChainID: digest(2, (i%20)*10+k), DiffID: digest(3, (i%20)*10+k), Size: 10_000_000})
		}
		for k := range 4 {
			ls = append(ls, model.Layer{ChainID: digest(2, 1000+i*4+k), DiffID: digest(3, 1000+i*4+k), Size: size / 8})
		}
		layers[id] = model.ImageLayers{Layers: ls, BuildKit: i%2 == 0}
		du.Images = append(du.Images, model.ImageUsage{ID: id, Size: size, SharedSize: 40_000_000})
		du.LayersSize += size / 2
	}
	for i := range nVol {
		name := fmt.Sprintf("project%d_data-%d", i%200, i)
		s.Volumes = append(s.Volumes, model.Volume{Name: name, Driver: "local", Scope: "local", Created: testNow.Add(-time.Duration(i) * time.Minute), Size: model.Unknown, RefCount: model.Unknown,
			Labels: map[string]string{"com.docker.compose.project": fmt.Sprint("project", i%200)}})
		du.Volumes = append(du.Volumes, model.VolumeUsage{Name: name, Size: int64(i * 1000), RefCount: 0})
	}
	states := []string{"running", "exited", "exited", "created"}
	for i := range nCtr {
		img := (i * 7) % max(nImg*3/5, 1)
		c := model.Container{
			ID:         fmt.Sprintf("%064x", 1<<52+i),
			Name:       fmt.Sprintf("project%d-svc%d-%d", i%200, i%300, i),
			Image:      fmt.Sprintf("registry.example.com/team%d/svc-%d:v%d", img%37, img%300, img),
			ImageID:    digest(1, img),
			State:      states[i%4],
			Created:    testNow.Add(-time.Duration(i) * time.Second),
			SizeRw:     model.Unknown,
			SizeRootFs: model.Unknown,
			Labels: map[string]string{
				"com.docker.compose.project": fmt.Sprint("project", i%200),
				"com.docker.compose.service": fmt.Sprint("svc", i%300),
			},
			Networks: []string{s.Networks[i%50].ID},
		}
		if i%2 == 0 && nVol > 0 {
			v := s.Volumes[(i/2)%nVol].Name
			c.Mounts = []model.Mount{{Type: "volume", Name: v, Source: "/var/lib/docker/volumes/" + v + "/_data", Destination: "/data"}}
		}
		s.Containers = append(s.Containers, c)
		du.Containers = append(du.Containers, model.ContainerUsage{ID: c.ID, SizeRw: int64(i % 50_000), SizeRootFs: 100_000_000})
	}
	return s, du, layers
}

// loadedScale is an App at 160×45 that received lists, disk usage and
// layers for scaleAppState(n).
func loadedScale(n int) *App {
	s, du, layers := scaleAppState(n)
	f := newFakeEngine(s, du)
	a := New(context.Background(), f, Options{Now: func() time.Time { return testNow }})
	a.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
	a.listing = true
	a.Update(listsMsg{seq: 1, snap: s})
	a.dfRunning = true
	a.Update(diskUsageMsg{du: du})
	a.layersBusy = true
	a.Update(layersMsg{layers: layers})
	return a
}

var scaleTabs = []struct {
	name string
	key  string // the tab's key
	tab  int    // index in App.tabs
}{{"images", "2", 0}, {"containers", "3", 1}}

// BenchmarkScaleFrame is one View of the Images and Containers tabs.
func BenchmarkScaleFrame(b *testing.B) {
	for _, n := range scaleObjects {
		a := loadedScale(n)
		for _, tb := range scaleTabs {
			b.Run(fmt.Sprintf("%s/objects=%d", tb.name, n), func(b *testing.B) {
				press(a, tb.key, "down")
				b.ReportAllocs()
				for b.Loop() {
					_ = a.View()
				}
			})
		}
	}
}

// BenchmarkScaleFrameDetails is one frame of the Images tab with the
// details pane of an image open (its layers, who shares them): the layout
// that wraps them, which Update runs after any message, and the View.
func BenchmarkScaleFrameDetails(b *testing.B) {
	for _, n := range scaleObjects {
		a := loadedScale(n)
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			press(a, "2", "down", "enter")
			if !a.showDetails {
				b.Fatal("details did not open")
			}
			b.ReportAllocs()
			for b.Loop() {
				a.layout()
				_ = a.View()
			}
		})
	}
}

// BenchmarkScaleSort is pressing s, n or a on a tab: re-sort (and apply
// the empty filter).
func BenchmarkScaleSort(b *testing.B) {
	keys := []model.SortKey{model.SortSize, model.SortName, model.SortAge}
	for _, n := range scaleObjects {
		a := loadedScale(n)
		for _, tb := range scaleTabs {
			b.Run(fmt.Sprintf("%s/objects=%d", tb.name, n), func(b *testing.B) {
				t := a.tabs[tb.tab]
				t.filter = model.Filter{}
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					t.sort = t.sort.Toggle(keys[i%len(keys)])
					t.apply(a.snap, a.index, a.now)
					i++
				}
			})
		}
	}
}

// BenchmarkScaleFilter is entering a new filter on a tab (the sort stays).
func BenchmarkScaleFilter(b *testing.B) {
	queries := map[string][2]string{
		"images":     {"svc-42", "is:unused larger:100MB"},
		"containers": {"svc42", "is:stopped older:1h"},
	}
	for _, n := range scaleObjects {
		a := loadedScale(n)
		for _, tb := range scaleTabs {
			var fs [2]model.Filter
			for i, q := range queries[tb.name] {
				f, err := model.ParseFilter(q)
				if err != nil {
					b.Fatal(err)
				}
				fs[i] = f
			}
			b.Run(fmt.Sprintf("%s/objects=%d", tb.name, n), func(b *testing.B) {
				t := a.tabs[tb.tab]
				b.ReportAllocs()
				i := 0
				for b.Loop() {
					t.filter = fs[i%2]
					t.apply(a.snap, a.index, a.now)
					i++
				}
			})
		}
	}
}

// BenchmarkScaleMarkToggle is space on the Images tab (mark the row, exact
// reclaim of the marks recomputed, cursor down) with every image's layers
// known, at 1k and 10k images.
func BenchmarkScaleMarkToggle(b *testing.B) {
	for _, images := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("images=%d", images), func(b *testing.B) {
			a := loadedScale(images * 10 / 3)
			press(a, "2")
			t := a.tabs[0]
			b.ReportAllocs()
			for b.Loop() {
				if t.cursor >= len(t.rows)-1 {
					t.cursor = 0
				}
				press(a, "space")
			}
			if a.marks.Len() == 0 {
				b.Fatal("space marked nothing")
			}
		})
	}
}

// BenchmarkScaleAppMemory is the live heap a loaded App holds (snapshot,
// disk usage, layers, reclaim index, tables) per object, and in all.
func BenchmarkScaleAppMemory(b *testing.B) {
	for _, n := range scaleObjects {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			var held int64
			for b.Loop() {
				b.StopTimer()
				before := liveHeap()
				b.StartTimer()
				a := loadedScale(n)
				b.StopTimer()
				held = liveHeap() - before
				runtime.KeepAlive(a)
				b.StartTimer()
			}
			b.ReportMetric(float64(held)/float64(n), "B/obj")
			b.ReportMetric(float64(held)/(1<<20), "MiB")
		})
	}
}

func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
