package model

import (
	"slices"
	"testing"
	"time"
)

func TestSortWords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		sort    Sort
		words   string
		natural bool
	}{
		{NewSort(SortSize), "largest first", true},
		{Sort{SortSize, false}, "smallest first", false},
		{NewSort(SortAge), "oldest first", true},
		{Sort{SortAge, true}, "newest first", false},
		{NewSort(SortName), "A→Z", true},
		{Sort{SortName, true}, "Z→A", false},
		{NewSort(SortFrees), "largest first", true},
		{NewSort(SortShared), "largest first", true},
		{NewSort(SortUsers), "most first", true},
		{Sort{SortUsers, false}, "fewest first", false},
		{NewSort(SortLastUsed), "longest unused first", true},
		{NewSort(SortUses), "most first", true},
	}
	for _, tt := range tests {
		if got := tt.sort.Words(); got != tt.words {
			t.Errorf("%v.Words() = %q, want %q", tt.sort, got, tt.words)
		}
		if got := tt.sort.Natural(); got != tt.natural {
			t.Errorf("%v.Natural() = %v, want %v", tt.sort, got, tt.natural)
		}
	}
}

// TestSortImagesByColumns: every numeric column of the Images table sorts,
// unknown values last in both directions.
func TestSortImagesByColumns(t *testing.T) {
	t.Parallel()
	imgs := func() []Image {
		return []Image{
			{ID: "i1", Tags: []string{"a:1"}, Size: 300, SharedSize: 100, Containers: []string{"c1"}},
			{ID: "i2", Tags: []string{"b:1"}, Size: 200, SharedSize: 200, Containers: []string{"c2", "c3"}},
			{ID: "i3", Tags: []string{"c:1"}, Size: 500, SharedSize: Unknown},
		}
	}
	tests := []struct {
		sort Sort
		want []string
	}{
		{NewSort(SortShared), []string{"i2", "i1", "i3"}},
		{Sort{SortShared, false}, []string{"i1", "i2", "i3"}},
		{NewSort(SortUnique), []string{"i1", "i2", "i3"}},
		{NewSort(SortUsers), []string{"i2", "i1", "i3"}},
		{Sort{SortUsers, false}, []string{"i3", "i1", "i2"}},
	}
	for _, tt := range tests {
		got := imgs()
		SortImages(got, tt.sort)
		if ids := imageIDs(got); !slices.Equal(ids, tt.want) {
			t.Errorf("%v: %v, want %v", tt.sort, ids, tt.want)
		}
	}
}

// TestSortImagesByFrees orders by what deleting each image alone frees,
// the FREES column; without an index (or layers) frees are unknown.
func TestSortImagesByFrees(t *testing.T) {
	t.Parallel()
	s := graphSnap()
	ix := NewReclaimIndex(s)
	imgs := slices.Clone(s.Images)
	SortImagesBy(imgs, NewSort(SortFrees), ix)
	// x frees 32000, d 16000, c 8000; a and b share all theirs: 0, A→Z.
	if got, want := imageIDs(imgs), []string{"x", "d", "c", "a", "b"}; !slices.Equal(got, want) {
		t.Errorf("by frees: %v, want %v", got, want)
	}
	SortImagesBy(imgs, Sort{SortFrees, false}, ix)
	if got, want := imageIDs(imgs), []string{"a", "b", "c", "d", "x"}; !slices.Equal(got, want) {
		t.Errorf("by frees, smallest first: %v, want %v", got, want)
	}
	SortImages(imgs, NewSort(SortFrees)) // no index: all unknown, by name (x is <none>:<none>)
	if got, want := imageIDs(imgs), []string{"x", "a", "b", "c", "d"}; !slices.Equal(got, want) {
		t.Errorf("by frees without an index: %v, want %v", got, want)
	}
}

func TestSortOtherKindsByColumns(t *testing.T) {
	t.Parallel()
	ctrs := []Container{
		{ID: "c1", Name: "a", SizeRootFs: 10, Mounts: []Mount{{Type: "volume"}, {Type: "bind"}}},
		{ID: "c2", Name: "b", SizeRootFs: 30, Mounts: []Mount{{Type: "volume"}, {Type: "volume"}}},
		{ID: "c3", Name: "c", SizeRootFs: Unknown},
	}
	SortContainers(ctrs, NewSort(SortVirtual))
	if got := []string{ctrs[0].ID, ctrs[1].ID, ctrs[2].ID}; !slices.Equal(got, []string{"c2", "c1", "c3"}) {
		t.Errorf("containers by virtual: %v", got)
	}
	SortContainers(ctrs, NewSort(SortMounts))
	if got := []string{ctrs[0].ID, ctrs[1].ID, ctrs[2].ID}; !slices.Equal(got, []string{"c2", "c1", "c3"}) {
		t.Errorf("containers by volumes: %v", got)
	}
	vols := []Volume{{Name: "v1", Containers: []string{"x"}}, {Name: "v2", RefCount: 3}, {Name: "v3"}}
	SortVolumes(vols, NewSort(SortUsers))
	if got := []string{vols[0].Name, vols[1].Name, vols[2].Name}; !slices.Equal(got, []string{"v2", "v1", "v3"}) {
		t.Errorf("volumes by containers: %v", got)
	}
	nets := []Network{{ID: "n1", Name: "a"}, {ID: "n2", Name: "b", Containers: []string{"x"}}}
	SortNetworks(nets, NewSort(SortUsers))
	if nets[0].ID != "n2" {
		t.Errorf("networks by containers: %v first", nets[0].ID)
	}
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	recs := []BuildRecord{
		{ID: "b1", LastUsed: now.Add(-time.Hour), UsageCount: 5},
		{ID: "b2", LastUsed: now.Add(-48 * time.Hour), UsageCount: 1},
		{ID: "b3", UsageCount: 9}, // never used: last
	}
	SortBuildCache(recs, NewSort(SortLastUsed))
	if got := []string{recs[0].ID, recs[1].ID, recs[2].ID}; !slices.Equal(got, []string{"b2", "b1", "b3"}) {
		t.Errorf("build cache by last used: %v", got)
	}
	SortBuildCache(recs, NewSort(SortUses))
	if got := []string{recs[0].ID, recs[1].ID, recs[2].ID}; !slices.Equal(got, []string{"b3", "b1", "b2"}) {
		t.Errorf("build cache by uses: %v", got)
	}
}
