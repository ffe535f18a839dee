package model

import (
	"testing"
	"time"
)

// cstoreSnap is a seeded Engine 29 containerd-store state as the engine
// reported it (run 6944dfd997 of internal/enginetest's seed): per image its
// snapshots (history sizes), its listed content and SharedSize. Every
// loaded image has the base layer b; alpha and gamma share a; built is
// BuildKit's, alone.
func cstoreSnap() *Snapshot {
	t0 := time.Date(2026, 12, 2, 4, 0, 0, 0, time.UTC)
	b := Layer{ChainID: "c:b", DiffID: "d:b", Size: 2748416}
	img := func(id string, shared, content int64, ls ...Layer) Image {
		return Image{ID: id, Tags: []string{id + ":latest"}, SharedSize: shared, ContentSize: content, Layers: ls, Created: t0}
	}
	built := img("built", 0, 301421, Layer{ChainID: "c:k", DiffID: "d:k", Size: 307200})
	built.BuildKit = true
	built.Created = t0.Add(time.Hour)
	return &Snapshot{
		ContainerdStore: true,
		Sized:           true,
		LayersSize:      25178723,
		Images: []Image{
			built,
			img("beta", 5470208, 4726457, b, Layer{ChainID: "c:b/beta", DiffID: "d:beta", Size: 2015232}),
			img("dangling", 5470208, 3726537, b, Layer{ChainID: "c:b/old", DiffID: "d:old", Size: 1015808}),
			img("alpha", 11487744, 5726397, b, Layer{ChainID: "c:b/a", DiffID: "d:a", Size: 3014656}),
			img("delta", 5470208, 5226173, b, Layer{ChainID: "c:b/d", DiffID: "d:d", Size: 2514944}),
			img("gamma", 11487744, 6729722, b, Layer{ChainID: "c:b/a", DiffID: "d:a", Size: 3014656}, Layer{ChainID: "c:b/a/g", DiffID: "d:g", Size: 1015808}),
		},
		BuildCache: []BuildRecord{
			// The same build an hour before: a blob a few bytes bigger.
			{ID: "old", Size: 607485, Shared: true, Created: t0},
			{ID: "k", Size: 607483, Shared: true, Created: t0.Add(time.Hour)},
			{ID: "ctx", Size: 311296},
		},
	}
}

func TestContainerdFreesAlone(t *testing.T) {
	ix := NewReclaimIndex(cstoreSnap())
	// What rmi of each measured (df's images SIZE drop): Size − SharedSize
	// of the list, here.
	for id, want := range map[string]int64{
		"built": 608621, "beta": 4019897, "dangling": 2020553,
		"alpha": 1725, "delta": 5019325, "gamma": 2020858,
	} {
		if got, known := ix.FreesAlone(id); got != want || !known {
			t.Errorf("FreesAlone(%s) = %d, %v, want %d", id, got, known, want)
		}
	}
	if got := ix.HeldAlone("built"); got != 607483 {
		t.Errorf("HeldAlone(built) = %d, want the record of its build, 607483", got)
	}
	if got := ix.HeldAlone("delta"); got != 0 {
		t.Errorf("HeldAlone(delta) = %d, want 0", got)
	}
}

func TestContainerdCompute(t *testing.T) {
	s := cstoreSnap()
	ix := NewReclaimIndex(s)
	// alpha and gamma: their shared snapshot and blob of a go (measured
	// 8,040,119 on the engine).
	if r := ix.Compute(rcMarks("i:alpha", "i:gamma")); r.Images != 8040119 || r.Pending {
		t.Errorf("alpha+gamma: %+v, want images 8040119", r)
	}
	// Every image: every snapshot and blob once, df's images SIZE.
	all := NewMarks()
	for _, img := range s.Images {
		all.Set(KindImage, img.ID, true)
	}
	if r := ix.Compute(all); r.Images != s.LayersSize || r.HeldByBuildCache != 607483 {
		t.Errorf("all images: %+v, want images %d held 607483", r, s.LayersSize)
	}
}

func TestContainerdUnsolvable(t *testing.T) {
	s := cstoreSnap()
	// delta's SharedSize says its base blob is smaller than beta's and
	// dangling's do (a base stored as two blobs): its content cannot be
	// split, so what deleting it frees is pending, not guessed.
	s.Images[4].SharedSize -= 1000
	ix := NewReclaimIndex(s)
	if _, known := ix.FreesAlone("delta"); known {
		t.Error("FreesAlone(delta) known, want pending")
	}
	if r := ix.Compute(rcMarks("i:delta")); !r.Pending {
		t.Errorf("delta: %+v, want pending", r)
	}
	// Before disk usage (no SharedSize) nothing is known either.
	s = cstoreSnap()
	for i := range s.Images {
		s.Images[i].SharedSize = Unknown
	}
	s.Sized = false
	if _, known := NewReclaimIndex(s).FreesAlone("delta"); known {
		t.Error("FreesAlone(delta) known before disk usage")
	}
}

func TestOnContainerdStore(t *testing.T) {
	s := cstoreSnap()
	s.ContainerdStore = false // an early snapshot of the image list alone
	if !s.OnContainerdStore() {
		t.Error("images with packed content: not seen as the containerd store")
	}
	if (&Snapshot{Images: []Image{{ID: "a", ContentSize: Unknown}, {ID: "b"}}}).OnContainerdStore() {
		t.Error("graph-driver images seen as the containerd store")
	}
}

// mixSnap is issue 11's table on Engine 29.7.2 with the containerd image
// store as the engine reported it (run 6c063c2293 of enginetest.SeedMix):
// imported (the base snapshot b, used by a container), committed (b and
// the commit's layer c; the engine's walk of its chain also meets the
// container's init snapshot, 28,672 B that no diff ID names: its list
// Size says so), built (BuildKit, FROM imported) and la, lb (loaded on
// b). Every image shares b's snapshot and blob.
func mixSnap() *Snapshot {
	b := Layer{ChainID: "c:b", DiffID: "d:b", Size: 2748416}
	img := func(id string, size, content int64, ls ...Layer) Image {
		return Image{ID: id, Tags: []string{id + ":latest"}, Size: size, SharedSize: 4532224, ContentSize: content,
			Layers: append([]Layer{b}, ls...), Created: time.Date(2026, 12, 2, 5, 49, 0, 0, time.UTC)}
	}
	imported := img("imported", 4533026, 1784610)
	imported.Containers = []string{"writer"}
	built := img("built", 6549942, 2785718, Layer{ChainID: "c:b/k", DiffID: "d:k", Size: 1015808})
	built.BuildKit = true
	return &Snapshot{
		ContainerdStore: true,
		Sized:           true,
		LayersSize:      18920846,
		Images: []Image{
			imported,
			img("committed", 10863034, 4932026, Layer{ChainID: "c:b/c", DiffID: "d:c", Size: 3153920}),
			built,
			img("la", 8551550, 3787902, Layer{ChainID: "c:b/la", DiffID: "d:la", Size: 2015232}),
			img("lb", 6552190, 2787966, Layer{ChainID: "c:b/lb", DiffID: "d:lb", Size: 1015808}),
		},
		Containers: []Container{{ID: "writer", Name: "writer", ImageID: "imported", State: "exited"}},
		BuildCache: []BuildRecord{
			// The FROM's record: b's blob alone, created first.
			{ID: "from", Size: 1783808, Shared: true, Created: time.Date(2026, 12, 2, 5, 49, 0, 442668418, time.UTC)},
			{ID: "copy", Size: 2016372, Shared: true, Created: time.Date(2026, 12, 2, 5, 49, 0, 494235680, time.UTC)},
			{ID: "ctx", Size: 1007616},
			{ID: "ctx2", Size: 1011712},
		},
	}
}

func TestContainerdCommitAndFromLocal(t *testing.T) {
	s := mixSnap()
	ix := NewReclaimIndex(s)
	// Measured: rmi of committed dropped df's images SIZE by 6,330,810
	// (its init snapshot with it); rmi of built by 2,017,718, and build
	// cache grew by 2,016,372 (its COPY record, not the FROM's).
	if got, known := ix.FreesAlone("committed"); got != 6330810 || !known {
		t.Errorf("FreesAlone(committed) = %d, %v, want 6330810", got, known)
	}
	if got, known := ix.FreesAlone("built"); got != 2017718 || !known {
		t.Errorf("FreesAlone(built) = %d, %v, want 2017718", got, known)
	}
	if got := ix.HeldAlone("built"); got != 2016372 {
		t.Errorf("HeldAlone(built) = %d, want its COPY record, 2016372", got)
	}
	// image prune -a: everything but what imported keeps (its Size).
	if r := ix.Compute(rcMarks("i:committed", "i:built", "i:la", "i:lb")); r.Images != 18920846-4533026 || r.HeldByBuildCache != 2016372 || r.Pending {
		t.Errorf("prune: %+v, want images %d held 2016372", r, 18920846-4533026)
	}
	// Every unit once: df's images SIZE (the container gone).
	s.Containers, s.Images[0].Containers = nil, nil
	all := NewMarks()
	for _, img := range s.Images {
		all.Set(KindImage, img.ID, true)
	}
	if r := NewReclaimIndex(s).Compute(all); r.Images != s.LayersSize {
		t.Errorf("all images: %+v, want images %d", r, s.LayersSize)
	}
}
