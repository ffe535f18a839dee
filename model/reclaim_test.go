package model

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// ly builds layers from "chainID=size" terms, oldest first.
func ly(terms ...string) []Layer {
	out := []Layer{}
	for _, t := range terms {
		var size int64
		chain, n, _ := strings.Cut(t, "=")
		fmt.Sscan(n, &size)
		out = append(out, Layer{ChainID: chain, DiffID: "diff-" + chain, Size: size})
	}
	return out
}

// rcSnap links and sizes a snapshot.
func rcSnap(imgs []Image, ctrs []Container, vols []Volume, recs []BuildRecord) *Snapshot {
	s := &Snapshot{Images: imgs, Containers: ctrs, Volumes: vols, BuildCache: recs, Sized: true, LayersSize: Unknown}
	s.Link()
	return s
}

// rcMarks builds marks from "kind:id" terms (i, c, v, n, b).
func rcMarks(terms ...string) *Marks {
	m := NewMarks()
	kinds := map[string]Kind{"i": KindImage, "c": KindContainer, "v": KindVolume, "n": KindNetwork, "b": KindBuildCache}
	for _, t := range terms {
		k, id, _ := strings.Cut(t, ":")
		m.Set(kinds[k], id, true)
	}
	return m
}

// rcWant completes an expected Reclaim: Total and Pending follow from the
// other fields.
func rcWant(r Reclaim) Reclaim {
	r.Total = r.Images - r.HeldByBuildCache + r.Containers + r.Volumes + r.BuildCache
	r.Pending = r.PendingKinds != 0
	return r
}

func pend(ks ...Kind) KindSet {
	var s KindSet
	for _, k := range ks {
		s = s.With(k)
	}
	return s
}

func blk(k Kind, id string, by ...string) Blocked { return Blocked{Kind: k, ID: id, By: by} }

// checkReclaim checks Compute, a Tally built mark by mark, and the
// reference implementation against want.
func checkReclaim(t *testing.T, s *Snapshot, m *Marks, want Reclaim) {
	t.Helper()
	want = rcWant(want)
	ix := NewReclaimIndex(s)
	if got := ix.Compute(m); !reflect.DeepEqual(got, want) {
		t.Errorf("Compute:\n got %+v\nwant %+v", got, want)
	}
	if got := ix.TallyOf(m).Result(); !reflect.DeepEqual(got, want) {
		t.Errorf("Tally:\n got %+v\nwant %+v", got, want)
	}
	if got := referenceReclaim(s, m); !reflect.DeepEqual(got, want) {
		t.Errorf("reference:\n got %+v\nwant %+v", got, want)
	}
}

// graphSnap: a chain (c on b on a), an image sharing only a's first layer,
// a dangling one. Sizes are powers of two so every sum is telling.
func graphSnap() *Snapshot {
	return rcSnap([]Image{
		{ID: "a", Tags: []string{"a:1"}, Layers: ly("a1=1000", "a2=2000")},
		{ID: "b", Tags: []string{"b:1"}, Layers: ly("a1=1000", "a2=2000", "b1=4000")},
		{ID: "c", Tags: []string{"c:1"}, Layers: ly("a1=1000", "a2=2000", "b1=4000", "c1=8000")},
		{ID: "d", Tags: []string{"d:1"}, Layers: ly("a1=1000", "d1=16000")},
		{ID: "x", Layers: ly("x1=32000")},
	}, nil, nil, nil)
}

// diamondSnap: p is the base of q and s; u is built on q.
func diamondSnap() *Snapshot {
	return rcSnap([]Image{
		{ID: "p", Tags: []string{"p:1"}, Layers: ly("r=1000")},
		{ID: "q", Tags: []string{"q:1"}, Layers: ly("r=1000", "q=10")},
		{ID: "s", Tags: []string{"s:1"}, Layers: ly("r=1000", "s=20")},
		{ID: "u", Tags: []string{"u:1"}, Layers: ly("r=1000", "q=10", "u=40")},
	}, nil, nil, nil)
}

// sharedBaseSnap: two apps on one 500 MB base, nothing else.
func sharedBaseSnap() *Snapshot {
	return rcSnap([]Image{
		{ID: "app1", Tags: []string{"app1:1"}, Layers: ly("base=500000000", "one=1000")},
		{ID: "app2", Tags: []string{"app2:1"}, Layers: ly("base=500000000", "two=2000")},
	}, nil, nil, nil)
}

// containerSnap: web (running r1) and old (stopped s1) share base w0 with
// api (no container).
func containerSnap() *Snapshot {
	return rcSnap([]Image{
		{ID: "web", Tags: []string{"web:1"}, Layers: ly("w0=1000", "w1=100")},
		{ID: "old", Tags: []string{"old:1"}, Layers: ly("w0=1000", "o1=10")},
		{ID: "api", Tags: []string{"api:1"}, Layers: ly("w0=1000", "a1=20")},
	}, []Container{
		{ID: "r1", ImageID: "web", State: StateRunning, SizeRw: 5},
		{ID: "s1", ImageID: "old", State: StateExited, SizeRw: 7},
		{ID: "s2", ImageID: "old", State: StateCreated, SizeRw: Unknown},
	}, nil, nil)
}

// unknownSnap: k is known; u and v are not yet.
func unknownSnap() *Snapshot {
	return rcSnap([]Image{
		{ID: "k", Tags: []string{"k:1"}, Layers: ly("k1=100")},
		{ID: "u", Tags: []string{"u:1"}},
		{ID: "v", Tags: []string{"v:1"}, Layers: []Layer{{ChainID: "v1", Size: Unknown}}},
		{ID: "e", Tags: []string{"e:1"}, Layers: []Layer{}}, // known: no layers
	}, nil, nil, nil)
}

// buildKitSnap: bk1 and bk2 are BuildKit-built on the pulled base image;
// the build cache holds a shared, a private and an in-use record.
func buildKitSnap() *Snapshot {
	return rcSnap([]Image{
		{ID: "bk1", Tags: []string{"bk1:1"}, BuildKit: true, Layers: ly("base=1000", "k1=50")},
		{ID: "bk2", Tags: []string{"bk2:1"}, BuildKit: true, Layers: ly("base=1000", "k2=70")},
		{ID: "pulled", Tags: []string{"base:1"}, Layers: ly("base=1000")},
		{ID: "classic", Tags: []string{"classic:1"}, Layers: ly("base=1000", "c1=3")},
	}, nil, nil, []BuildRecord{
		// A shared record per BuildKit layer: its size is the layer's.
		{ID: "r-s", Shared: true, Size: 50},
		{ID: "r-s2", Shared: true, Size: 70},
		{ID: "r-s3", Shared: true, Size: 1000},
		{ID: "r-p", Size: 300},
		{ID: "r-u", InUse: true, Size: 40},
		{ID: "r-x", Size: -1},
	})
}

// volumeSnap: volumes in every state of use.
func volumeSnap() *Snapshot {
	anon := strings.Repeat("ab", 32)
	return rcSnap([]Image{{ID: "img", Tags: []string{"img:1"}, Layers: ly("l=1")}}, []Container{
		{ID: "run", ImageID: "img", State: StateRunning, SizeRw: 1, Mounts: []Mount{{Type: "volume", Name: "named"}, {Type: "bind", Name: "vstop"}}},
		{ID: "stop", ImageID: "img", State: StateExited, SizeRw: 2, Mounts: []Mount{{Type: "volume", Name: "vstop"}, {Type: "volume", Name: "vstop"}}},
	}, []Volume{
		{Name: "named", Size: 1000, RefCount: 1},
		{Name: anon, Size: 10, RefCount: 0},
		{Name: "vstop", Size: 20, RefCount: 1},
		{Name: "vunk", Size: Unknown, RefCount: Unknown},
		{Name: "vref", Size: 5, RefCount: 1},
	}, nil)
}

func TestReclaimImages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		snap  func() *Snapshot
		marks []string
		want  Reclaim
	}{
		{"empty set", graphSnap, nil, Reclaim{}},
		{"nil-marks-like empty snapshot", func() *Snapshot { return &Snapshot{Sized: true} }, []string{"i:a", "c:x"}, Reclaim{}},
		{"base alone: children keep it", graphSnap, []string{"i:a"}, Reclaim{}},
		{"chain top", graphSnap, []string{"i:c"}, Reclaim{Images: 8000}},
		{"chain middle alone: top keeps it", graphSnap, []string{"i:b"}, Reclaim{}},
		{"chain top two", graphSnap, []string{"i:b", "i:c"}, Reclaim{Images: 12000}},
		{"whole chain: shared first layer stays", graphSnap, []string{"i:a", "i:b", "i:c"}, Reclaim{Images: 14000}},
		{"whole chain and sharer", graphSnap, []string{"i:a", "i:b", "i:c", "i:d"}, Reclaim{Images: 31000}},
		{"everything", graphSnap, []string{"i:a", "i:b", "i:c", "i:d", "i:x"}, Reclaim{Images: 63000}},
		{"unknown IDs ignored", graphSnap, []string{"i:zzz", "c:zzz", "v:zzz", "b:zzz", "n:zzz", "i:x"}, Reclaim{Images: 32000}},
		{"shared base: each alone", sharedBaseSnap, []string{"i:app1"}, Reclaim{Images: 1000}},
		{"shared base: together free the base once", sharedBaseSnap, []string{"i:app1", "i:app2"}, Reclaim{Images: 500003000}},
		{"diamond: one side", diamondSnap, []string{"i:s"}, Reclaim{Images: 20}},
		{"diamond: middle kept by top", diamondSnap, []string{"i:q"}, Reclaim{}},
		{"diamond: middle and top", diamondSnap, []string{"i:q", "i:u"}, Reclaim{Images: 50}},
		{"diamond: all but the root image", diamondSnap, []string{"i:q", "i:u", "i:s"}, Reclaim{Images: 70}},
		{"diamond: all", diamondSnap, []string{"i:p", "i:q", "i:u", "i:s"}, Reclaim{Images: 1070}},
		{"diamond: root and one side", diamondSnap, []string{"i:p", "i:s"}, Reclaim{Images: 20}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkReclaim(t, tc.snap(), rcMarks(tc.marks...), tc.want)
		})
	}
}

func TestReclaimContainers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		marks []string
		want  Reclaim
	}{
		{"image of a running container is blocked", []string{"i:web"}, Reclaim{Blocked: []Blocked{blk(KindImage, "web", "r1")}}},
		{"running container marked too", []string{"i:web", "c:r1"}, Reclaim{Images: 100, Containers: 5}},
		{"image of stopped containers is blocked", []string{"i:old"}, Reclaim{Blocked: []Blocked{blk(KindImage, "old", "s1", "s2")}}},
		{"one of two stopped containers marked", []string{"i:old", "c:s1"}, Reclaim{Containers: 7, Blocked: []Blocked{blk(KindImage, "old", "s2")}}},
		{"stopped containers marked, one size unknown", []string{"i:old", "c:s1", "c:s2"}, Reclaim{Images: 10, Containers: 7, PendingKinds: pend(KindContainer)}},
		{"container alone frees its writable layer", []string{"c:s1"}, Reclaim{Containers: 7}},
		{"blocked image keeps the shared base", []string{"i:api", "i:old"}, Reclaim{Images: 20, Blocked: []Blocked{blk(KindImage, "old", "s1", "s2")}}},
		{"everything", []string{"i:web", "i:old", "i:api", "c:r1", "c:s1", "c:s2"}, Reclaim{Images: 1130, Containers: 12, PendingKinds: pend(KindContainer)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkReclaim(t, containerSnap(), rcMarks(tc.marks...), tc.want)
		})
	}
}

func TestReclaimPending(t *testing.T) {
	t.Parallel()
	usedUnknown := func() *Snapshot {
		s := unknownSnap()
		s.Containers = []Container{{ID: "cu", ImageID: "u", State: StateRunning, SizeRw: 0}}
		s.Link()
		return s
	}
	usedKnown := func() *Snapshot {
		s := unknownSnap()
		s.Containers = []Container{{ID: "ck", ImageID: "k", State: StateExited, SizeRw: 0}}
		s.Link()
		return s
	}
	tests := []struct {
		name  string
		snap  func() *Snapshot
		marks []string
		want  Reclaim
	}{
		{"unknown image deleted", unknownSnap, []string{"i:u"}, Reclaim{PendingKinds: pend(KindImage)}},
		{"negative layer size is unknown", unknownSnap, []string{"i:v"}, Reclaim{PendingKinds: pend(KindImage)}},
		{"known image while others are unknown", unknownSnap, []string{"i:k"}, Reclaim{Images: 100, PendingKinds: pend(KindImage)}},
		{"known empty image frees 0 exactly", unknownSnap, []string{"i:e"}, Reclaim{}},
		{"all: known part and pending", unknownSnap, []string{"i:k", "i:u", "i:v", "i:e"}, Reclaim{Images: 100, PendingKinds: pend(KindImage)}},
		{"unknown image kept by a container stays unknown", usedUnknown, []string{"i:k"}, Reclaim{Images: 100, PendingKinds: pend(KindImage)}},
		{"blocked unknown image is not pending", usedUnknown, []string{"i:u"}, Reclaim{Blocked: []Blocked{blk(KindImage, "u", "cu")}}},
		{"blocked known image is not pending", usedKnown, []string{"i:k"}, Reclaim{Blocked: []Blocked{blk(KindImage, "k", "ck")}}},
		{"nothing marked", unknownSnap, nil, Reclaim{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkReclaim(t, tc.snap(), rcMarks(tc.marks...), tc.want)
		})
	}
}

func TestReclaimBuildKit(t *testing.T) {
	t.Parallel()
	noShared := func() *Snapshot {
		s := buildKitSnap()
		s.BuildCache = []BuildRecord{{ID: "r-p", Size: 300}}
		return s
	}
	unsized := func() *Snapshot {
		s := buildKitSnap()
		s.ClearSizes()
		return s
	}
	oldBuild := func() *Snapshot {
		s := buildKitSnap()
		s.BuildCache[0].Size = 51
		return s
	}
	pulledBase := func() *Snapshot {
		return rcSnap([]Image{{ID: "node", Tags: []string{"node:20"}, Layers: ly("n=800")}}, nil, nil,
			[]BuildRecord{{ID: "r-pulled", Shared: true, Size: 800}})
	}
	sameSize := func() *Snapshot {
		return rcSnap([]Image{
			{ID: "x", Tags: []string{"x:1"}, BuildKit: true, Layers: ly("cx=500")},
			{ID: "y", Tags: []string{"y:1"}, BuildKit: true, Layers: ly("cy=500")},
		}, nil, nil, []BuildRecord{{ID: "r", Shared: true, Size: 500}})
	}
	sharedInUse := func() *Snapshot {
		s := buildKitSnap()
		s.BuildCache[0].InUse = true
		return s
	}
	tests := []struct {
		name  string
		snap  func() *Snapshot
		marks []string
		want  Reclaim
	}{
		{"BuildKit image: its layer stays in build cache", buildKitSnap, []string{"i:bk1"}, Reclaim{Images: 50, HeldByBuildCache: 50}},
		{"classic image frees for real", buildKitSnap, []string{"i:classic"}, Reclaim{Images: 3}},
		{"pulled base alone: images keep it", buildKitSnap, []string{"i:pulled"}, Reclaim{}},
		{"base used by a BuildKit image stays in build cache", buildKitSnap, []string{"i:bk1", "i:bk2", "i:pulled", "i:classic"}, Reclaim{Images: 1123, HeldByBuildCache: 1120}},
		{"shared records marked too: freed", buildKitSnap, []string{"i:bk1", "b:r-s", "b:r-s2", "b:r-s3"}, Reclaim{Images: 50}},
		{"no record of its size (an old build, collected): freed", oldBuild, []string{"i:bk1"}, Reclaim{Images: 50}},
		{"shared record in use stays", sharedInUse, []string{"i:bk1", "b:r-s"}, Reclaim{Images: 50, HeldByBuildCache: 50, Blocked: []Blocked{blk(KindBuildCache, "r-s")}}},
		{"no shared record: nothing held", noShared, []string{"i:bk1"}, Reclaim{Images: 50}},
		{"build cache unknown: held from caution", unsized, []string{"i:bk1"}, Reclaim{Images: 50, HeldByBuildCache: 50}},
		{"shared record alone frees nothing", buildKitSnap, []string{"b:r-s"}, Reclaim{}},
		{"a base builds pulled stays in build cache", pulledBase, []string{"i:node"}, Reclaim{Images: 800, HeldByBuildCache: 800}},
		{"same size, one record: one layer held", sameSize, []string{"i:x"}, Reclaim{Images: 500, HeldByBuildCache: 500}},
		{"same size, one record, both freed: one held", sameSize, []string{"i:x", "i:y"}, Reclaim{Images: 1000, HeldByBuildCache: 500}},
		{"private record", buildKitSnap, []string{"b:r-p"}, Reclaim{BuildCache: 300}},
		{"record in use is blocked", buildKitSnap, []string{"b:r-u"}, Reclaim{Blocked: []Blocked{blk(KindBuildCache, "r-u")}}},
		{"record size unknown", buildKitSnap, []string{"b:r-x", "b:r-p"}, Reclaim{BuildCache: 300, PendingKinds: pend(KindBuildCache)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkReclaim(t, tc.snap(), rcMarks(tc.marks...), tc.want)
		})
	}
}

func TestReclaimVolumes(t *testing.T) {
	t.Parallel()
	anon := strings.Repeat("ab", 32)
	tests := []struct {
		name  string
		marks []string
		want  Reclaim
	}{
		{"unused anonymous", []string{"v:" + anon}, Reclaim{Volumes: 10}},
		{"in use by a running container", []string{"v:named"}, Reclaim{Blocked: []Blocked{blk(KindVolume, "named", "run")}}},
		{"its container marked too", []string{"v:named", "c:run"}, Reclaim{Volumes: 1000, Containers: 1}},
		{"bind mounts do not count", []string{"v:vstop", "c:stop"}, Reclaim{Volumes: 20, Containers: 2}},
		{"in use by a stopped container", []string{"v:vstop"}, Reclaim{Blocked: []Blocked{blk(KindVolume, "vstop", "stop")}}},
		{"size unknown", []string{"v:vunk"}, Reclaim{PendingKinds: pend(KindVolume)}},
		{"references bilge cannot see", []string{"v:vref"}, Reclaim{Blocked: []Blocked{blk(KindVolume, "vref")}}},
		{"blocked order: images, volumes", []string{"v:vref", "v:named", "i:img"}, Reclaim{Blocked: []Blocked{blk(KindImage, "img", "run", "stop"), blk(KindVolume, "named", "run"), blk(KindVolume, "vref")}}},
		{"everything", []string{"i:img", "c:run", "c:stop", "v:named", "v:" + anon, "v:vstop", "v:vunk", "v:vref"},
			Reclaim{Images: 1, Containers: 3, Volumes: 1030, PendingKinds: pend(KindVolume), Blocked: []Blocked{blk(KindVolume, "vref")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkReclaim(t, volumeSnap(), rcMarks(tc.marks...), tc.want)
		})
	}
}

// A container an image or volume lists but the container list lacks keeps
// what it uses; marking its ID does nothing.
func TestReclaimGhostContainers(t *testing.T) {
	t.Parallel()
	s := rcSnap([]Image{{ID: "i", Tags: []string{"i:1"}, Layers: ly("l=10")}}, nil, []Volume{{Name: "v", Size: 3}}, nil)
	s.Images[0].Containers = []string{"ghost"}
	s.Volumes[0].Containers = []string{"ghost"}
	checkReclaim(t, s, rcMarks("i:i", "v:v", "c:ghost"), Reclaim{Blocked: []Blocked{blk(KindImage, "i", "ghost"), blk(KindVolume, "v", "ghost")}})
	ix := NewReclaimIndex(s)
	if n, ok := ix.FreesAlone("i"); n != 0 || !ok {
		t.Errorf("FreesAlone = %d, %v", n, ok)
	}
	if tl := ix.Tally(); tl.Toggle(KindContainer, "ghost") || tl.Marked(KindContainer, "ghost") {
		t.Error("ghost container markable")
	}
}

func TestTallyToggleSequence(t *testing.T) {
	t.Parallel()
	s := containerSnap()
	ix := NewReclaimIndex(s)
	tl := ix.Tally()
	m := NewMarks()
	steps := []struct {
		kind Kind
		id   string
		on   bool
		want Reclaim
	}{
		{KindImage, "web", true, Reclaim{Blocked: []Blocked{blk(KindImage, "web", "r1")}}},
		{KindContainer, "r1", true, Reclaim{Images: 100, Containers: 5}},
		{KindImage, "api", true, Reclaim{Images: 120, Containers: 5}},
		{KindImage, "old", true, Reclaim{Images: 120, Containers: 5, Blocked: []Blocked{blk(KindImage, "old", "s1", "s2")}}},
		{KindContainer, "s1", true, Reclaim{Images: 120, Containers: 12, Blocked: []Blocked{blk(KindImage, "old", "s2")}}},
		{KindContainer, "s2", true, Reclaim{Images: 1130, Containers: 12, PendingKinds: pend(KindContainer)}},
		{KindContainer, "r1", false, Reclaim{Images: 30, Containers: 7, PendingKinds: pend(KindContainer), Blocked: []Blocked{blk(KindImage, "web", "r1")}}},
		{KindImage, "web", false, Reclaim{Images: 30, Containers: 7, PendingKinds: pend(KindContainer)}},
		{KindNetwork, "n", false, Reclaim{Images: 30, Containers: 7, PendingKinds: pend(KindContainer)}},
		{KindImage, "nope", false, Reclaim{Images: 30, Containers: 7, PendingKinds: pend(KindContainer)}},
	}
	for i, st := range steps {
		if got := tl.Toggle(st.kind, st.id); got != st.on {
			t.Fatalf("step %d: Toggle = %v", i, got)
		}
		m.Toggle(st.kind, st.id)
		want := rcWant(st.want)
		if got := tl.Result(); !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d:\n got %+v\nwant %+v", i, got, want)
		}
		if got := ix.Compute(m); !reflect.DeepEqual(got, want) {
			t.Fatalf("step %d Compute:\n got %+v\nwant %+v", i, got, want)
		}
	}
	// Set to the current state is a no-op; Set on unknown IDs is ignored.
	before := tl.Result()
	tl.Set(KindImage, "api", true)
	tl.Set(KindContainer, "s1", true)
	tl.Set(KindVolume, "nope", true)
	if got := tl.Result(); !reflect.DeepEqual(got, before) {
		t.Fatalf("idempotent Set changed %+v", got)
	}
}

func TestFreesAlone(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		snap  func() *Snapshot
		id    string
		bytes int64
		known bool
	}{
		{"chain top", graphSnap, "c", 8000, true},
		{"chain middle", graphSnap, "b", 0, true},
		{"sharer", graphSnap, "d", 16000, true},
		{"used by a running container", containerSnap, "web", 0, true},
		{"used by stopped containers", containerSnap, "old", 0, true},
		{"unused", containerSnap, "api", 20, true},
		{"unknown layers", unknownSnap, "u", 0, false},
		{"others unknown", unknownSnap, "k", 100, false},
		{"known empty", unknownSnap, "e", 0, true},
		{"not in the snapshot", graphSnap, "zzz", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ix := NewReclaimIndex(tc.snap())
			n, ok := ix.FreesAlone(tc.id)
			if n != tc.bytes || ok != tc.known {
				t.Errorf("FreesAlone(%s) = %d, %v; want %d, %v", tc.id, n, ok, tc.bytes, tc.known)
			}
		})
	}
}

func TestSharedBy(t *testing.T) {
	t.Parallel()
	ix := NewReclaimIndex(graphSnap())
	tests := []struct {
		chain string
		want  []string
	}{
		{"a1", []string{"a", "b", "c", "d"}},
		{"a2", []string{"a", "b", "c"}},
		{"c1", []string{"c"}},
		{"nope", nil},
	}
	for _, tc := range tests {
		t.Run(tc.chain, func(t *testing.T) {
			t.Parallel()
			if got := ix.SharedBy(tc.chain); !slices.Equal(got, tc.want) {
				t.Errorf("SharedBy(%s) = %v", tc.chain, got)
			}
		})
	}
	if ix.LayersPending() != 0 || NewReclaimIndex(unknownSnap()).LayersPending() != 2 {
		t.Error("LayersPending")
	}
}

// pruneSnap: images in every state, a legacy parent chain or two.
//
//	dang    untagged, no container                       → image prune
//	dangc   untagged, stopped container                  → kept
//	unused  tagged, no container                         → prune -a
//	stopped tagged, stopped container only               → kept (system prune: goes)
//	inuse   tagged, running container                    → kept
//	p0 ← p1 untagged parent, untagged child              → image prune (cascade)
//	q0 ← q1 untagged parent, tagged child                → prune -a
//	k0 ← inuse  untagged parent of an image in use       → kept
func pruneSnap() *Snapshot {
	anon := strings.Repeat("cd", 32)
	return rcSnap([]Image{
		{ID: "dang", Layers: ly("base=1000", "dang=1")},
		{ID: "dangc", Layers: ly("dangc=2")},
		{ID: "unused", Tags: []string{"unused:1"}, Layers: ly("base=1000", "unused=4")},
		{ID: "stopped", Tags: []string{"stopped:1"}, Layers: ly("base=1000", "stopped=8")},
		{ID: "k0", Layers: ly("k0=16")},
		{ID: "inuse", Tags: []string{"inuse:1"}, ParentID: "k0", Layers: ly("k0=16", "inuse=32")},
		{ID: "p0", Layers: ly("p0=64")},
		{ID: "p1", ParentID: "p0", Layers: ly("p0=64", "p1=128")},
		{ID: "q0", Layers: ly("q0=256")},
		{ID: "q1", Tags: []string{"q1:1"}, ParentID: "q0", Layers: ly("q0=256", "q1=512")},
	}, []Container{
		{ID: "cd", ImageID: "dangc", State: StateExited, SizeRw: 1, Networks: []string{"n-app"}},
		{ID: "cs", ImageID: "stopped", State: StateDead, SizeRw: 2, Mounts: []Mount{{Type: "volume", Name: anon}}},
		{ID: "cr", ImageID: "inuse", State: StateRunning, SizeRw: 4, Networks: []string{"n-run"}},
		{ID: "cp", ImageID: "inuse", State: StatePaused, SizeRw: 8},
	}, []Volume{
		{Name: "named", Size: 10},
		{Name: strings.Repeat("ef", 32), Size: 20},
		{Name: anon, Size: 40},
		{Name: "labelled", Size: 80, Labels: map[string]string{AnonymousVolumeLabel: ""}},
		{Name: "refd", Size: 160, RefCount: 2},
	}, []BuildRecord{
		{ID: "b1", Size: 100},
		{ID: "b2", Size: 200, Shared: true},
		{ID: "b3", Size: 400, InUse: true},
	})
}

func TestPrune(t *testing.T) {
	t.Parallel()
	anon1, anon2 := strings.Repeat("ef", 32), strings.Repeat("cd", 32)
	type pruneFn func(ix *ReclaimIndex) (Reclaim, []string)
	tests := []struct {
		name  string
		prune pruneFn
		ids   []string
		want  Reclaim
	}{
		{"image prune", func(ix *ReclaimIndex) (Reclaim, []string) { return ix.PruneImages(false) },
			[]string{"dang", "p0", "p1"}, Reclaim{Images: 1 + 64 + 128}},
		{"image prune -a", func(ix *ReclaimIndex) (Reclaim, []string) { return ix.PruneImages(true) },
			[]string{"dang", "unused", "p0", "p1", "q0", "q1"}, Reclaim{Images: 1 + 4 + 64 + 128 + 256 + 512}},
		{"container prune", func(ix *ReclaimIndex) (Reclaim, []string) { return ix.PruneContainers() },
			[]string{"cd", "cs"}, Reclaim{Containers: 3}},
		{"volume prune", func(ix *ReclaimIndex) (Reclaim, []string) { return ix.PruneVolumes(false) },
			[]string{anon1, "labelled"}, Reclaim{Volumes: 100}},
		{"volume prune -a", func(ix *ReclaimIndex) (Reclaim, []string) { return ix.PruneVolumes(true) },
			[]string{"named", anon1, "labelled"}, Reclaim{Volumes: 110}},
		{"builder prune -a", func(ix *ReclaimIndex) (Reclaim, []string) { return ix.PruneBuildCache() },
			[]string{"b1", "b2"}, Reclaim{BuildCache: 100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pruneSnap()
			ix := NewReclaimIndex(s)
			r, ids := tc.prune(ix)
			if !slices.Equal(ids, tc.ids) {
				t.Errorf("ids = %v, want %v", ids, tc.ids)
			}
			if want := rcWant(tc.want); !reflect.DeepEqual(r, want) {
				t.Errorf("reclaim:\n got %+v\nwant %+v", r, want)
			}
		})
	}
	t.Run("system prune -a --volumes", func(t *testing.T) {
		t.Parallel()
		s := pruneSnap()
		s.Networks = []Network{{ID: "n-bridge", Name: "bridge"}, {ID: "n-app", Name: "app"}, {ID: "n-run", Name: "run"}, {ID: "n-none", Name: "empty"}}
		s.Link()
		ix := NewReclaimIndex(s)
		r, m := ix.PruneSystem(true)
		want := []string{
			"i:dang,dangc,p0,p1,q0,q1,stopped,unused",
			"c:cd,cs",
			"v:" + anon2 + "," + anon1 + ",labelled",
			"n:n-app,n-none",
			"b:b1,b2",
		}
		letter := map[Kind]string{KindImage: "i", KindContainer: "c", KindVolume: "v", KindNetwork: "n", KindBuildCache: "b"}
		var got []string
		for _, k := range Kinds {
			got = append(got, letter[k]+":"+strings.Join(m.IDs(k), ","))
		}
		if !slices.Equal(got, want) {
			t.Errorf("marks:\n got %v\nwant %v", got, want)
		}
		wantR := rcWant(Reclaim{Images: 1000 + 1 + 2 + 4 + 8 + 64 + 128 + 256 + 512, Containers: 3, Volumes: 140, BuildCache: 100})
		if !reflect.DeepEqual(r, wantR) {
			t.Errorf("reclaim:\n got %+v\nwant %+v", r, wantR)
		}
		if r2, m2 := ix.PruneSystem(false); m2.LenOf(KindVolume) != 0 || r2.Volumes != 0 || r2.Images != r.Images {
			t.Errorf("without volumes: %+v", r2)
		}
	})
}

// referenceReclaim is exact reclaim written the obvious way, on strings,
// straight from the rules: the index and the tally must agree with it.
func referenceReclaim(s *Snapshot, m *Marks) Reclaim {
	ctrs := map[string]*Container{}
	for i := range s.Containers {
		if _, ok := ctrs[s.Containers[i].ID]; !ok {
			ctrs[s.Containers[i].ID] = &s.Containers[i]
		}
	}
	marked := func(id string) bool { return m.Has(KindContainer, id) && ctrs[id] != nil }
	var r Reclaim
	for id, c := range ctrs {
		if m.Has(KindContainer, id) {
			if c.SizeRw < 0 {
				r.PendingKinds = r.PendingKinds.With(KindContainer)
			} else {
				r.Containers += c.SizeRw
			}
		}
	}
	uniq := func(ids []string) []string {
		var out []string
		for _, id := range ids {
			if !slices.Contains(out, id) {
				out = append(out, id)
			}
		}
		return out
	}
	unmarked := func(users []string) []string {
		var by []string
		for _, id := range users {
			if !marked(id) {
				by = append(by, id)
			}
		}
		return by
	}
	// Images.
	seenImg := map[string]bool{}
	gone := map[string]bool{}       // effectively deleted
	usedBy := map[string][]string{} // chain → images
	size := map[string]int64{}      // chain → size (first)
	bk := map[string]bool{}         // chain → some BuildKit user
	unknownDel, unknownLeft := 0, 0
	for i := range s.Images {
		img := &s.Images[i]
		if seenImg[img.ID] {
			continue
		}
		seenImg[img.ID] = true
		var users []string
		for j := range s.Containers {
			if s.Containers[j].ImageID == img.ID && ctrs[s.Containers[j].ID] == &s.Containers[j] {
				users = append(users, s.Containers[j].ID)
			}
		}
		users = uniq(append(users, img.Containers...))
		known := layersKnown(img.Layers)
		if m.Has(KindImage, img.ID) {
			if by := unmarked(users); by != nil {
				r.Blocked = append(r.Blocked, Blocked{Kind: KindImage, ID: img.ID, By: by})
			} else {
				gone[img.ID] = true
			}
		}
		if !known {
			if gone[img.ID] {
				unknownDel++
			} else {
				unknownLeft++
			}
			continue
		}
		for _, l := range img.Layers {
			if _, ok := size[l.ChainID]; !ok {
				size[l.ChainID] = l.Size
			}
			if !slices.Contains(usedBy[l.ChainID], img.ID) {
				usedBy[l.ChainID] = append(usedBy[l.ChainID], img.ID)
			}
			bk[l.ChainID] = bk[l.ChainID] || img.BuildKit
		}
	}
	// Freed layers whose Shared record stays move to the build cache: per
	// size, min(freed layers, Shared records of that size that stay) of
	// them once sizes are known; before, every BuildKit layer (caution).
	var held int64
	freedBySize := map[int64]int64{}
	for chain, users := range usedBy {
		all := true
		for _, id := range users {
			all = all && gone[id]
		}
		if all {
			r.Images += size[chain]
			if !s.Sized && bk[chain] {
				held += size[chain]
			}
			freedBySize[size[chain]]++
		}
	}
	if s.Sized {
		left := map[int64]int64{}
		seen := map[string]bool{}
		for _, rec := range s.BuildCache {
			if !seen[rec.ID] && rec.Shared && rec.Size >= 0 && (!m.Has(KindBuildCache, rec.ID) || rec.InUse) {
				left[rec.Size]++
			}
			seen[rec.ID] = true
		}
		for sz, n := range freedBySize {
			held += sz * min(n, left[sz])
		}
	}
	if unknownDel > 0 || (r.Images > 0 && unknownLeft > 0) {
		r.PendingKinds = r.PendingKinds.With(KindImage)
	}
	// Volumes.
	seenVol := map[string]bool{}
	for i := range s.Volumes {
		v := &s.Volumes[i]
		if seenVol[v.Name] {
			continue
		}
		seenVol[v.Name] = true
		if !m.Has(KindVolume, v.Name) {
			continue
		}
		var users []string
		for j := range s.Containers {
			c := &s.Containers[j]
			if ctrs[c.ID] != c {
				continue
			}
			for _, mt := range c.Mounts {
				if mt.Type == "volume" && mt.Name == v.Name {
					users = append(users, c.ID)
				}
			}
		}
		users = uniq(append(users, v.Containers...))
		if by := unmarked(users); by != nil || (len(users) == 0 && v.RefCount > 0) {
			r.Blocked = append(r.Blocked, Blocked{Kind: KindVolume, ID: v.Name, By: by})
			continue
		}
		if v.Size < 0 {
			r.PendingKinds = r.PendingKinds.With(KindVolume)
		} else {
			r.Volumes += v.Size
		}
	}
	// Build cache.
	seenRec := map[string]bool{}
	for i := range s.BuildCache {
		rec := &s.BuildCache[i]
		if seenRec[rec.ID] {
			continue
		}
		seenRec[rec.ID] = true
		on := m.Has(KindBuildCache, rec.ID)
		switch {
		case !on:
		case rec.InUse:
			r.Blocked = append(r.Blocked, Blocked{Kind: KindBuildCache, ID: rec.ID})
		case rec.Shared:
		case rec.Size < 0:
			r.PendingKinds = r.PendingKinds.With(KindBuildCache)
		default:
			r.BuildCache += rec.Size
		}
	}
	r.HeldByBuildCache = held
	// Blocked in kind order (images, volumes, build cache) as appended.
	return rcWant(r)
}

// randomSnap builds a small snapshot with much sharing and every
// irregularity the index must survive.
func randomSnap(rng *rand.Rand) *Snapshot {
	s := &Snapshot{Sized: rng.IntN(4) != 0}
	nChains := 1 + rng.IntN(25)
	chainSize := make([]int64, nChains)
	for i := range chainSize {
		chainSize[i] = int64(rng.IntN(5)) * int64(1+rng.IntN(1000))
	}
	for i := range rng.IntN(14) {
		img := Image{ID: fmt.Sprintf("img%d", i), ParentID: fmt.Sprintf("img%d", rng.IntN(16)), BuildKit: rng.IntN(3) == 0}
		if rng.IntN(2) == 0 {
			img.Tags = []string{img.ID + ":1"}
		}
		if rng.IntN(5) == 0 {
			img.Digests = []string{"repo@sha256:" + img.ID}
		}
		switch rng.IntN(8) {
		case 0: // unknown
		case 1:
			img.Layers = []Layer{}
		default:
			for range 1 + rng.IntN(6) {
				c := rng.IntN(nChains)
				sz := chainSize[c]
				if rng.IntN(40) == 0 {
					sz = Unknown
				} else if rng.IntN(40) == 0 {
					sz++ // disagreeing size: the first one counts
				}
				img.Layers = append(img.Layers, Layer{ChainID: fmt.Sprintf("chain%d", c), Size: sz})
			}
		}
		s.Images = append(s.Images, img)
	}
	if len(s.Images) > 0 && rng.IntN(6) == 0 {
		s.Images = append(s.Images, s.Images[rng.IntN(len(s.Images))]) // duplicate
	}
	states := []string{StateRunning, StateExited, StateCreated, StatePaused, StateDead, StateRestarting}
	nVols := rng.IntN(7)
	volName := func(i int) string {
		if i%2 == 0 {
			return strings.Repeat(fmt.Sprintf("%02x", i), 32)
		}
		return fmt.Sprintf("vol%d", i)
	}
	for i := range rng.IntN(12) {
		c := Container{ID: fmt.Sprintf("ctr%d", i), ImageID: fmt.Sprintf("img%d", rng.IntN(16)), State: states[rng.IntN(len(states))], SizeRw: int64(rng.IntN(100))}
		if rng.IntN(6) == 0 {
			c.SizeRw = Unknown
		}
		for range rng.IntN(3) {
			if nVols > 0 {
				typ := "volume"
				if rng.IntN(5) == 0 {
					typ = "bind"
				}
				c.Mounts = append(c.Mounts, Mount{Type: typ, Name: volName(rng.IntN(nVols + 1))})
			}
		}
		for range rng.IntN(3) {
			c.Networks = append(c.Networks, fmt.Sprintf("net%d", rng.IntN(4)))
		}
		s.Containers = append(s.Containers, c)
	}
	if len(s.Containers) > 0 && rng.IntN(8) == 0 {
		s.Containers = append(s.Containers, s.Containers[rng.IntN(len(s.Containers))])
	}
	for i := range nVols {
		v := Volume{Name: volName(i), Size: int64(rng.IntN(500)), RefCount: int64(rng.IntN(3)) - 1}
		if rng.IntN(5) == 0 {
			v.Size = Unknown
		}
		s.Volumes = append(s.Volumes, v)
	}
	for i := range 4 {
		s.Networks = append(s.Networks, Network{ID: fmt.Sprintf("net%d", i), Name: []string{"bridge", "app", "db", "none"}[i]})
	}
	if s.Sized {
		for i := range rng.IntN(6) {
			r := BuildRecord{ID: fmt.Sprintf("rec%d", i), Size: int64(rng.IntN(300)), Shared: rng.IntN(3) == 0, InUse: rng.IntN(5) == 0}
			if rng.IntN(8) == 0 {
				r.Size = -1
			}
			s.BuildCache = append(s.BuildCache, r)
		}
	}
	s.Link()
	// Ghosts: containers objects name that the list lacks.
	for i := range s.Images {
		if rng.IntN(10) == 0 {
			s.Images[i].Containers = append(s.Images[i].Containers, "ghost"+fmt.Sprint(rng.IntN(2)))
		}
		if rng.IntN(10) == 0 && len(s.Containers) > 0 {
			s.Images[i].Containers = append(s.Images[i].Containers, s.Containers[rng.IntN(len(s.Containers))].ID)
		}
	}
	for i := range s.Volumes {
		if rng.IntN(10) == 0 {
			s.Volumes[i].Containers = append(s.Volumes[i].Containers, "ghost0")
		}
	}
	return s
}

type rcObj struct {
	kind Kind
	id   string
}

// universe is every ID a test may mark: the snapshot's, ghosts', strays.
func universe(s *Snapshot) []rcObj {
	var u []rcObj
	add := func(k Kind, id string) { u = append(u, rcObj{k, id}) }
	for i := range s.Images {
		add(KindImage, s.Images[i].ID)
	}
	for i := range s.Containers {
		add(KindContainer, s.Containers[i].ID)
	}
	for i := range s.Volumes {
		add(KindVolume, s.Volumes[i].Name)
	}
	for i := range s.Networks {
		add(KindNetwork, s.Networks[i].ID)
	}
	for i := range s.BuildCache {
		add(KindBuildCache, s.BuildCache[i].ID)
	}
	add(KindContainer, "ghost0")
	add(KindImage, "img99")
	add(KindVolume, "vol99")
	add(KindBuildCache, "rec99")
	return u
}

// TestTallyMatchesCompute: on many random snapshots and random toggle
// sequences, the tally after every toggle equals Compute of the same marks,
// which equals the reference; FreesAlone equals Compute of one image;
// SharedBy lists exactly the images whose layers name the chain.
func TestTallyMatchesCompute(t *testing.T) {
	t.Parallel()
	rounds := 3000
	if testing.Short() {
		rounds = 300
	}
	for seed := range rounds {
		rng := rand.New(rand.NewPCG(uint64(seed), 7))
		s := randomSnap(rng)
		ix := NewReclaimIndex(s)
		u := universe(s)
		tl := ix.Tally()
		m := NewMarks()
		for step := range 40 {
			o := u[rng.IntN(len(u))]
			if rng.IntN(10) == 0 {
				tl.Set(o.kind, o.id, m.Has(o.kind, o.id)) // no-op
			} else {
				m.Toggle(o.kind, o.id)
				tl.Toggle(o.kind, o.id)
			}
			got, want := tl.Result(), ix.Compute(m)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("seed %d step %d: tally != compute\n got %+v\nwant %+v\nmarks %+v", seed, step, got, want, m)
			}
			if ref := referenceReclaim(s, m); !reflect.DeepEqual(want, ref) {
				t.Fatalf("seed %d step %d: compute != reference\n got %+v\nwant %+v\nmarks %+v", seed, step, want, ref, m)
			}
		}
		if got, want := ix.TallyOf(m).Result(), ix.Compute(m); !reflect.DeepEqual(got, want) {
			t.Fatalf("seed %d: TallyOf != Compute", seed)
		}
		for i := range s.Images {
			id := s.Images[i].ID
			n, known := ix.FreesAlone(id)
			r := ix.Compute(rcMarks("i:" + id))
			if n != r.Images || known != !r.PendingKinds.Has(KindImage) {
				t.Fatalf("seed %d: FreesAlone(%s) = %d, %v; Compute %+v", seed, id, n, known, r)
			}
			if known {
				if h := ix.HeldAlone(id); h != r.HeldByBuildCache {
					t.Fatalf("seed %d: HeldAlone(%s) = %d; Compute %+v", seed, id, h, r)
				}
			}
			if !layersKnown(s.Images[i].Layers) {
				continue
			}
			for _, l := range s.Images[i].Layers {
				var want []string
				for j := range s.Images {
					if layersKnown(s.Images[j].Layers) && !slices.Contains(want, s.Images[j].ID) &&
						slices.ContainsFunc(s.Images[j].Layers, func(x Layer) bool { return x.ChainID == l.ChainID }) {
						want = append(want, s.Images[j].ID)
					}
				}
				if got := ix.SharedBy(l.ChainID); !slices.Equal(got, want) {
					t.Fatalf("seed %d: SharedBy(%s) = %v, want %v", seed, l.ChainID, got, want)
				}
				others := slices.DeleteFunc(slices.Clone(want), func(x string) bool { return x == id })
				ids, total := ix.SharedByN(l.ChainID, 2, id)
				if total != len(others) || !slices.Equal(ids, others[:min(2, len(others))]) {
					t.Fatalf("seed %d: SharedByN(%s, 2, %s) = %v, %d; want %v", seed, l.ChainID, id, ids, total, others)
				}
			}
		}
		checkPruneInvariants(t, seed, s, ix)
	}
}

// checkPruneInvariants: each prune's reclaim is Compute of its IDs, and
// what it picks obeys the command's rule.
func checkPruneInvariants(t *testing.T, seed int, s *Snapshot, ix *ReclaimIndex) {
	t.Helper()
	used := map[string]bool{}
	for i := range s.Images {
		used[s.Images[i].ID] = len(ix.imgs[ix.imgByID[s.Images[i].ID]].users) > 0
	}
	dang, dangIDs := ix.PruneImages(false)
	all, allIDs := ix.PruneImages(true)
	for _, id := range dangIDs {
		if used[id] || !slices.Contains(allIDs, id) {
			t.Fatalf("seed %d: image prune picked %s (used %v, in -a %v)", seed, id, used[id], allIDs)
		}
	}
	for _, id := range allIDs {
		if used[id] {
			t.Fatalf("seed %d: image prune -a picked used %s", seed, id)
		}
	}
	check := func(name string, r Reclaim, k Kind, ids []string) {
		m := NewMarks()
		for _, id := range ids {
			m.Set(k, id, true)
		}
		if want := ix.Compute(m); !reflect.DeepEqual(r, want) {
			t.Fatalf("seed %d: %s reclaim %+v, Compute %+v", seed, name, r, want)
		}
		if len(r.Blocked) > 0 && k != KindBuildCache {
			t.Fatalf("seed %d: %s picked blocked %+v", seed, name, r.Blocked)
		}
	}
	check("image prune", dang, KindImage, dangIDs)
	check("image prune -a", all, KindImage, allIDs)
	r, ids := ix.PruneContainers()
	check("container prune", r, KindContainer, ids)
	r, ids = ix.PruneVolumes(false)
	check("volume prune", r, KindVolume, ids)
	r, ids = ix.PruneVolumes(true)
	check("volume prune -a", r, KindVolume, ids)
	r, ids = ix.PruneBuildCache()
	check("builder prune", r, KindBuildCache, ids)
	sys, m := ix.PruneSystem(true)
	if want := ix.Compute(m); !reflect.DeepEqual(sys, want) {
		t.Fatalf("seed %d: system prune %+v, Compute %+v", seed, sys, want)
	}
	for _, b := range sys.Blocked {
		if b.Kind != KindBuildCache {
			t.Fatalf("seed %d: system prune picked blocked %+v", seed, b)
		}
	}
	if !sys.Pending && !all.Pending && sys.Images < all.Images {
		t.Fatalf("seed %d: system prune frees less from images (%d) than image prune -a (%d)", seed, sys.Images, all.Images)
	}
	if g := ix.SystemGap(ix.ExactReclaimable(), sys, m); g.System != sys.Total || g.System != g.Kinds+g.StoppedImages+g.StoppedVolumes-g.NamedVolumes-g.Held ||
		(!g.Pending && (g.StoppedImages < 0 || g.StoppedVolumes < 0 || g.NamedVolumes < 0 || g.Held < 0)) {
		t.Fatalf("seed %d: system gap %+v does not add up (system prune frees %d)", seed, g, sys.Total)
	}
}

// TestSystemGap: why system prune frees another amount than the kinds'
// own prunes added up, in parts that add up.
func TestSystemGap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(s *Snapshot)
		want   SystemGap
	}{
		// image prune -a 965, container prune 3, volume prune -a 110,
		// builder prune -a 100; system prune: images 1975 (the base and
		// the images of the two stopped containers), containers 3, the
		// anonymous volumes 140 (cs's too; not the named one), build
		// cache 100.
		{"stopped containers' images and volumes", nil,
			SystemGap{Kinds: 1178, System: 2218, Stopped: 2, StoppedImages: 1010, StoppedVolumes: 40, NamedVolumes: 10}},
		// A record in use holds the stopped image's 8-byte layer: no prune
		// frees it from the disk.
		{"held by a record in use", func(s *Snapshot) {
			s.BuildCache = append(s.BuildCache, BuildRecord{ID: "b4", Size: 8, Shared: true, InUse: true})
		}, SystemGap{Kinds: 1178, System: 2210, Stopped: 2, StoppedImages: 1010, StoppedVolumes: 40, NamedVolumes: 10, Held: 8}},
		{"sizes pending", func(s *Snapshot) { s.Volumes[0].Size = Unknown },
			SystemGap{Kinds: 1168, System: 2218, Stopped: 2, StoppedImages: 1010, StoppedVolumes: 40, NamedVolumes: 0, Pending: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := pruneSnap()
			if tc.change != nil {
				tc.change(s)
				s.Link()
			}
			ix := NewReclaimIndex(s)
			sys, m := ix.PruneSystem(true)
			g := ix.SystemGap(ix.ExactReclaimable(), sys, m)
			if g != tc.want {
				t.Errorf("gap:\n got %+v\nwant %+v", g, tc.want)
			}
			if g.System != g.Kinds+g.StoppedImages+g.StoppedVolumes-g.NamedVolumes-g.Held {
				t.Errorf("parts do not add up: %+v", g)
			}
		})
	}
}
