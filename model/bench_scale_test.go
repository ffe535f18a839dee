package model

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Benchmarks at 1k, 10k and 100k objects (issue 7): sort and filter of the
// images and containers lists, exact reclaim after one toggle, and the
// memory a snapshot (and its reclaim index) takes per object. Fast enough
// for `go test -run XXX -bench Scale -benchtime 3x ./model/`.

var scaleSizes = []int{1_000, 10_000, 100_000}

var (
	scaleMu    sync.Mutex
	scaleCache = map[int]*Snapshot{}
)

// scaleSnap is a cached scaleSnapshot(n); benchmarks must not change it.
func scaleSnap(n int) *Snapshot {
	scaleMu.Lock()
	defer scaleMu.Unlock()
	if s, ok := scaleCache[n]; ok {
		return s
	}
	s := scaleSnapshot(n)
	scaleCache[n] = s
	return s
}

// scaleSnapshot is a host with n objects: 30% images, 50% containers, 20%
// volumes, plus 50 networks, shaped like what the engine lists: images
// with one or two tags, a digest, three labels and 8 layers (4 of one of
// 20 shared base chains, 4 of their own), every string its own allocation
// as JSON decoding makes them; containers with six compose-style labels, a
// volume mount on every other one and a network; sizes known, as after
// disk usage. Deterministic.
func scaleSnapshot(n int) *Snapshot {
	rng := rand.New(rand.NewPCG(uint64(n), 11))
	nImg, nCtr := n*3/10, n/2
	nVol := n - nImg - nCtr
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	digest := func(kind string, i int) string { return fmt.Sprintf("sha256:%064x", uint64(i)<<8|uint64(len(kind))) }
	s := &Snapshot{Sized: true, LayersSize: 0}
	for i := range 50 {
		s.Networks = append(s.Networks, Network{ID: fmt.Sprintf("%064x", 1<<50+i), Name: fmt.Sprintf("net-%d", i), Driver: "bridge", Scope: "local", Created: t0})
	}
	for i := range nImg {
		img := Image{
			ID:         digest("image", i),
			Created:    t0.Add(-time.Duration(rng.Int64N(int64(900 * 24 * time.Hour)))),
			Size:       1_000_000 + rng.Int64N(2_000_000_000),
			SharedSize: rng.Int64N(500_000_000),
			Labels: map[string]string{
				"org.opencontainers.image.source":   fmt.Sprintf("https://github.com/example/svc-%d", i%300),
				"org.opencontainers.image.revision": fmt.Sprintf("%040x", i),
				"com.example.team":                  fmt.Sprint("team-", i%37),
			},
		}
		if i%25 != 0 { // a few dangling
			img.Tags = []string{fmt.Sprintf("registry.example.com/team%d/svc-%d:v%d", i%37, i%300, i)}
			if i%4 == 0 {
				img.Tags = append(img.Tags, fmt.Sprintf("registry.example.com/team%d/svc-%d:latest", i%37, i%300))
			}
			img.Digests = []string{fmt.Sprintf("registry.example.com/team%d/svc-%d@%s", i%37, i%300, digest("repo", i))}
		}
		base := i % 20
		for k := range 4 {
			img.Layers = append(img.Layers, Layer{ChainID: digest("chain", base*10+k), DiffID: digest("diff", base*10+k), Size: 10_000_000})
		}
		for k := range 4 {
			img.Layers = append(img.Layers, Layer{ChainID: digest("chain", 1000+i*4+k), DiffID: digest("diff", 1000+i*4+k), Size: rng.Int64N(100_000_000)})
		}
		img.BuildKit = i%2 == 0
		s.Images = append(s.Images, img)
	}
	for i := range nVol {
		s.Volumes = append(s.Volumes, Volume{
			Name:     fmt.Sprintf("project%d_data-%d", i%200, i),
			Driver:   "local",
			Scope:    "local",
			Labels:   map[string]string{"com.docker.compose.project": fmt.Sprint("project", i%200), "com.docker.compose.volume": fmt.Sprint("data-", i)},
			Created:  t0.Add(-time.Duration(i) * time.Minute),
			Size:     rng.Int64N(1_000_000_000),
			RefCount: 0,
		})
	}
	states := []string{StateRunning, StateExited, StateExited, StateCreated}
	for i := range nCtr {
		img := rng.IntN(max(nImg*3/5, 1))
		c := Container{
			ID:         fmt.Sprintf("%064x", 1<<52+i),
			Name:       fmt.Sprintf("project%d-svc%d-%d", i%200, i%300, i),
			Image:      fmt.Sprintf("registry.example.com/team%d/svc-%d:v%d", img%37, img%300, img),
			ImageID:    digest("image", img),
			State:      states[i%4],
			ExitCode:   i % 3,
			Created:    t0.Add(-time.Duration(i) * time.Second),
			SizeRw:     rng.Int64N(100_000_000),
			SizeRootFs: rng.Int64N(2_000_000_000),
			Labels: map[string]string{
				"com.docker.compose.project":          fmt.Sprint("project", i%200),
				"com.docker.compose.service":          fmt.Sprint("svc", i%300),
				"com.docker.compose.container-number": fmt.Sprint(i % 3),
				"com.docker.compose.oneoff":           "False",
				"com.docker.compose.version":          "2.29.1",
				"com.docker.compose.config-hash":      fmt.Sprintf("%064x", i),
			},
			Networks: []string{s.Networks[i%len(s.Networks)].ID},
		}
		if i%2 == 0 && nVol > 0 {
			v := (i / 2) % nVol
			c.Mounts = []Mount{{Type: "volume", Name: s.Volumes[v].Name, Source: "/var/lib/docker/volumes/" + s.Volumes[v].Name + "/_data", Destination: "/data"}}
		}
		s.Containers = append(s.Containers, c)
	}
	s.Link()
	return s
}

// BenchmarkScaleSort re-sorts a list by another key (what s, a or n
// costs): each run sorts a copy of the list in the order the previous key
// left it.
func BenchmarkScaleSort(b *testing.B) {
	keys := []SortKey{SortSize, SortName, SortAge}
	for _, n := range scaleSizes {
		s := scaleSnap(n)
		b.Run(fmt.Sprintf("images/objects=%d", n), func(b *testing.B) {
			work := append([]Image(nil), s.Images...)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				SortImages(work, NewSort(keys[i%len(keys)]))
				i++
			}
		})
		b.Run(fmt.Sprintf("containers/objects=%d", n), func(b *testing.B) {
			work := append([]Container(nil), s.Containers...)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				SortContainers(work, NewSort(keys[i%len(keys)]))
				i++
			}
		})
	}
}

// BenchmarkScaleFilter filters a list with free text and with tokens.
func BenchmarkScaleFilter(b *testing.B) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, n := range scaleSizes {
		s := scaleSnap(n)
		for _, q := range []string{"svc-42", "is:unused larger:500MB older:30d"} {
			f, err := ParseFilter(q)
			if err != nil {
				b.Fatal(err)
			}
			name := "text"
			if q[0] == 'i' {
				name = "tokens"
			}
			b.Run(fmt.Sprintf("images/%s/objects=%d", name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					FilterImages(s.Images, f, now)
				}
			})
			cq := map[string]string{"text": "svc-42", "tokens": "is:stopped larger:10MB older:1h"}[name]
			cf, err := ParseFilter(cq)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("containers/%s/objects=%d", name, n), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					FilterContainers(s.Containers, cf, now)
				}
			})
		}
	}
}

// BenchmarkScaleReclaimToggle is exact reclaim after one toggle (mark or
// unmark one image, then the result) at 1k and 10k images of 20 layers
// (bigSnap: shared base chains, a fifth used by containers).
func BenchmarkScaleReclaimToggle(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		b.Run(fmt.Sprintf("images=%d", n), func(b *testing.B) {
			s := bigSnap(n)
			ix := NewReclaimIndex(s)
			tl := ix.Tally()
			ids := make([]string, len(s.Images))
			for i := range s.Images {
				ids[i] = s.Images[i].ID
			}
			b.ReportAllocs()
			i := 0
			var sink int64
			for b.Loop() {
				tl.Toggle(KindImage, ids[i%len(ids)])
				sink += tl.Result().Total
				i += 7919
			}
			_ = sink
		})
	}
}

// BenchmarkScaleMemoryPerObject builds a snapshot of n objects (images,
// containers, volumes: scaleSnapshot) and its reclaim index, and reports
// the live heap they hold: bytes per object for each, and MiB in all.
func BenchmarkScaleMemoryPerObject(b *testing.B) {
	for _, n := range scaleSizes {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			var snapB, ixB int64
			for b.Loop() {
				b.StopTimer()
				before := liveHeap()
				b.StartTimer()
				s := scaleSnapshot(n)
				b.StopTimer()
				mid := liveHeap()
				b.StartTimer()
				ix := NewReclaimIndex(s)
				b.StopTimer()
				after := liveHeap()
				runtime.KeepAlive(s)
				runtime.KeepAlive(ix)
				snapB, ixB = mid-before, after-mid
				b.StartTimer()
			}
			b.ReportMetric(float64(snapB)/float64(n), "snapshot-B/obj")
			b.ReportMetric(float64(ixB)/float64(n), "index-B/obj")
			b.ReportMetric(float64(snapB+ixB)/(1<<20), "MiB")
		})
	}
}

// liveHeap collects garbage and returns the bytes of live heap objects.
func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
