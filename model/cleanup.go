package model

// Totals is the SIZE column of docker system df computed from one disk-usage
// report alone: the figures a clean-up is measured with, before and after.
func (du *DiskUsage) Totals() map[Kind]int64 {
	t := map[Kind]int64{KindImage: du.LayersSize}
	for _, c := range du.Containers {
		if c.SizeRw > 0 {
			t[KindContainer] += c.SizeRw
		}
	}
	for _, v := range du.Volumes {
		if v.Size > 0 {
			t[KindVolume] += v.Size
		}
	}
	for _, r := range du.BuildCache {
		if !r.Shared {
			t[KindBuildCache] += r.Size
		}
	}
	return t
}

// UnusedNetworks lists what `docker network prune` removes: networks no
// container is attached to, never bridge, host or none.
func (s *Snapshot) UnusedNetworks() []string {
	var ids []string
	for i := range s.Networks {
		if n := &s.Networks[i]; n.Unused() {
			ids = append(ids, n.ID)
		}
	}
	return ids
}
