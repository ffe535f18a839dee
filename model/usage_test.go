package model

import (
	"slices"
	"testing"
)

// usageState is one state as both generations of engine report it: the
// lists (shared build-cache records, an image in use, a stopped container)
// and, from API 1.52 on, the engine's own df table.
func usageState(reported []Usage) *Snapshot {
	s := &Snapshot{
		Images: []Image{
			{ID: "sha256:base", Size: 700, SharedSize: Unknown},
			{ID: "sha256:app", Size: 1000, SharedSize: Unknown},
		},
		Containers: []Container{{ID: "c1", ImageID: "sha256:app", State: "exited"}},
	}
	s.ClearSizes()
	s.Link()
	s.ApplyDiskUsage(&DiskUsage{
		LayersSize: 1000,
		Images:     []ImageUsage{{ID: "sha256:base", Size: 700, SharedSize: 700}, {ID: "sha256:app", Size: 1000, SharedSize: 700}},
		Containers: []ContainerUsage{{ID: "c1", SizeRw: 40}},
		BuildCache: []BuildRecord{{ID: "r1", Size: 300, Shared: true}, {ID: "r2", Size: 20}},
		Reported:   reported,
	})
	return s
}

// TestUsageFollowsTheEngine: on API 1.52 and later the rows are the
// engine's own figures, as docker CLI 29 prints them, although the lists
// give other figures (Engine 29 counts shared build-cache records in
// SIZE, and images' RECLAIMABLE as the unique size of unused ones);
// networks stay bilge's; before 1.52 the rows are computed as CLI 20.10
// computes them.
func TestUsageFollowsTheEngine(t *testing.T) {
	t.Parallel()
	old := usageState(nil)
	want := []Usage{
		{Kind: KindImage, Total: 2, Active: 1, Size: 1000, Reclaimable: 700},
		{Kind: KindContainer, Total: 1, Active: 0, Size: 40, Reclaimable: 40},
		{Kind: KindVolume, Size: 0, Reclaimable: 0},
		{Kind: KindBuildCache, Total: 2, Size: 20, Reclaimable: 20},
		{Kind: KindNetwork, Size: Unknown, Reclaimable: Unknown},
	}
	if got := old.Usage(); !slices.Equal(got, want) {
		t.Errorf("before API 1.52:\n got %+v\nwant %+v", got, want)
	}

	reported := []Usage{
		{Kind: KindImage, Total: 2, Active: 1, Size: 1000, Reclaimable: 0},
		{Kind: KindContainer, Total: 1, Active: 0, Size: 40, Reclaimable: 40},
		{Kind: KindVolume, Size: 0, Reclaimable: 0},
		{Kind: KindBuildCache, Total: 2, Size: 320, Reclaimable: 20},
	}
	s := usageState(reported)
	want = append(slices.Clone(reported), Usage{Kind: KindNetwork, Size: Unknown, Reclaimable: Unknown})
	if got := s.Usage(); !slices.Equal(got, want) {
		t.Errorf("API 1.52:\n got %+v\nwant %+v", got, want)
	}
	if got := s.UsageOf(KindBuildCache); got != reported[3] {
		t.Errorf("UsageOf(build cache) = %+v, want %+v", got, reported[3])
	}
	if p := s.UsageOf(KindBuildCache).ReclaimablePercent(); p != 6 {
		t.Errorf("reclaimable percent %d, want 6 (20 of 320)", p)
	}

	// The engine's table goes with the sizes it came with.
	s.ClearSizes()
	if s.Reported != nil {
		t.Errorf("ClearSizes kept the engine's table: %+v", s.Reported)
	}
	if u := s.UsageOf(KindImage); u.Size != Unknown || u.Reclaimable != Unknown {
		t.Errorf("images after ClearSizes: %+v, want sizes Unknown", u)
	}
}

// TestOnDiskCountsEachByteOnce: Engine 29's build-cache SIZE counts the
// records shared with images; what the kind takes on disk does not.
func TestOnDiskCountsEachByteOnce(t *testing.T) {
	t.Parallel()
	s := usageState([]Usage{{Kind: KindBuildCache, Total: 2, Size: 320, Reclaimable: 20}})
	if got := s.UsageOf(KindBuildCache).Size; got != 320 {
		t.Errorf("docker's SIZE %d, want the engine's 320", got)
	}
	if got := s.OnDisk(KindBuildCache); got != 20 {
		t.Errorf("on disk %d, want 20 (the shared record's 300 are the images')", got)
	}
	if got := s.OnDisk(KindImage); got != 1000 {
		t.Errorf("images on disk %d, want 1000", got)
	}
}
