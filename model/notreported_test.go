package model

import "testing"

// TestVolumeSizeNotReported: a driver that cannot size its volumes (df
// says -1) makes the size N/A, counted as 0 — never pending forever.
func TestVolumeSizeNotReported(t *testing.T) {
	t.Parallel()
	s := &Snapshot{Volumes: []Volume{{Name: "nfs-data", Driver: "nfs"}, {Name: "local-data", Driver: "local"}}}
	s.ClearSizes()
	s.Link()
	s.ApplyDiskUsage(&DiskUsage{Volumes: []VolumeUsage{{Name: "nfs-data", Size: -1, RefCount: 0}, {Name: "local-data", Size: 500, RefCount: 0}}})
	if got := s.Volumes[0].Size; got != NotReported {
		t.Fatalf("size = %d, want NotReported", got)
	}
	if got := SizeText(s.Volumes[0].Size); got != "N/A" {
		t.Errorf("SizeText = %q, want N/A", got)
	}
	if u := s.UsageOf(KindVolume); u.Size != 500 || u.Reclaimable != 500 {
		t.Errorf("usage size %d reclaimable %d, want 500 500 (docker skips -1)", u.Size, u.Reclaimable)
	}
	ix := NewReclaimIndex(s)
	if e := ix.ExactReclaimable()[KindVolume]; e.Pending || e.Bytes != 500 {
		t.Errorf("exact volumes = %+v, want 500, not pending", e)
	}
	r := ix.Compute(rcMarks("v:nfs-data"))
	if r.Pending || r.Volumes != 0 {
		t.Errorf("marking the unsized volume: %+v, want 0 and not pending", r)
	}
}
