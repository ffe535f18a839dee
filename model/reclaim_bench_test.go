package model

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// bigSnap is a large host: nImages images of 20 layers each, built on 50
// base chains (10 OS roots of 3 layers, each base adds 5), 12 layers of
// their own; a fifth of the images have a container (a third of those
// running); 500 volumes; 200 build records, some shared; half the images
// BuildKit-built. Chain IDs are full-length digests.
func bigSnap(nImages int) *Snapshot {
	rng := rand.New(rand.NewPCG(1, 2))
	chain := 0
	newLayer := func() Layer {
		chain++
		return Layer{ChainID: fmt.Sprintf("sha256:%064x", chain), Size: int64(1 + rng.IntN(50_000_000))}
	}
	roots := make([][]Layer, 10)
	for i := range roots {
		for range 3 {
			roots[i] = append(roots[i], newLayer())
		}
	}
	bases := make([][]Layer, 50)
	for i := range bases {
		bases[i] = append([]Layer(nil), roots[i%len(roots)]...)
		for range 5 {
			bases[i] = append(bases[i], newLayer())
		}
	}
	s := &Snapshot{Sized: true}
	for i := range nImages {
		img := Image{ID: fmt.Sprintf("sha256:%064x", 1<<40+i), Tags: []string{fmt.Sprintf("app%d:latest", i)}, BuildKit: i%2 == 0}
		img.Layers = append(append([]Layer(nil), bases[rng.IntN(len(bases))]...), make([]Layer, 0, 12)...)
		for range 12 {
			img.Layers = append(img.Layers, newLayer())
		}
		s.Images = append(s.Images, img)
	}
	for i := range nImages / 5 {
		state := StateExited
		if i%3 == 0 {
			state = StateRunning
		}
		s.Containers = append(s.Containers, Container{
			ID:      fmt.Sprintf("%064x", 1<<41+i),
			ImageID: s.Images[rng.IntN(nImages)].ID,
			State:   state,
			SizeRw:  int64(rng.IntN(1_000_000)),
			Mounts:  []Mount{{Type: "volume", Name: fmt.Sprintf("vol%d", rng.IntN(500))}},
		})
	}
	for i := range 500 {
		s.Volumes = append(s.Volumes, Volume{Name: fmt.Sprintf("vol%d", i), Size: int64(rng.IntN(1_000_000))})
	}
	for i := range 200 {
		s.BuildCache = append(s.BuildCache, BuildRecord{ID: fmt.Sprintf("rec%d", i), Size: int64(rng.IntN(1_000_000)), Shared: i%4 == 0})
	}
	s.Link()
	return s
}

func BenchmarkNewReclaimIndex10k(b *testing.B) {
	s := bigSnap(10_000)
	b.ReportAllocs()
	for b.Loop() {
		NewReclaimIndex(s)
	}
}

// BenchmarkTallyToggle10k: one toggle plus Result on 10,000 images × 20
// layers: any image (about a fifth have containers, so the blocked list
// grows to ~1,800 entries and is republished on most toggles); images no
// container uses (the blocked list never changes); with half the images
// marked; and containers while every image is marked (each toggle may
// flip its image and changes a blocked entry).
func BenchmarkTallyToggle10k(b *testing.B) {
	s := bigSnap(10_000)
	ix := NewReclaimIndex(s)
	run := func(b *testing.B, tl *Tally, kind Kind, ids []string) {
		b.ReportAllocs()
		i := 0
		var sink int64
		for b.Loop() {
			tl.Toggle(kind, ids[i%len(ids)])
			sink += tl.Result().Total
			i += 7919 // a prime: walk every ID in a scattered order
		}
		_ = sink
	}
	imgIDs := make([]string, len(s.Images))
	for i := range s.Images {
		imgIDs[i] = s.Images[i].ID
	}
	ctrIDs := make([]string, len(s.Containers))
	for i := range s.Containers {
		ctrIDs[i] = s.Containers[i].ID
	}
	var unusedIDs []string
	for i := range s.Images {
		if len(s.Images[i].Containers) == 0 {
			unusedIDs = append(unusedIDs, s.Images[i].ID)
		}
	}
	b.Run("image", func(b *testing.B) { run(b, ix.Tally(), KindImage, imgIDs) })
	b.Run("image/unused-only", func(b *testing.B) { run(b, ix.Tally(), KindImage, unusedIDs) })
	b.Run("image/half-marked", func(b *testing.B) {
		tl := ix.Tally()
		for i, id := range imgIDs {
			if i%2 == 0 {
				tl.Set(KindImage, id, true)
			}
		}
		run(b, tl, KindImage, imgIDs)
	})
	b.Run("container/images-marked", func(b *testing.B) {
		tl := ix.Tally()
		for _, id := range imgIDs {
			tl.Set(KindImage, id, true)
		}
		run(b, tl, KindContainer, ctrIDs)
	})
}

func BenchmarkCompute10k(b *testing.B) {
	s := bigSnap(10_000)
	ix := NewReclaimIndex(s)
	m := NewMarks()
	for i := range s.Images {
		if i%2 == 0 {
			m.Set(KindImage, s.Images[i].ID, true)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		ix.Compute(m)
	}
}

func BenchmarkFreesAlone(b *testing.B) {
	s := bigSnap(10_000)
	ix := NewReclaimIndex(s)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ix.FreesAlone(s.Images[i%len(s.Images)].ID)
		i += 7919
	}
}
