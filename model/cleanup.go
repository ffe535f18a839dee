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

// KindReclaim is the exact bytes a kind's prune frees.
type KindReclaim struct {
	Bytes   int64
	Pending bool // depends on sizes or layers not known yet
	// Held is the part of Bytes (images only) that BuildKit's build cache
	// keeps on disk until it is pruned.
	Held int64
}

// ExactReclaimable is what each kind's own prune would free on this state,
// exactly: images as `docker image prune -a` (each layer once, only if no
// remaining image uses it), containers as `container prune`, volumes as
// `volume prune -a`, build cache as `builder prune -a`.
func (ix *ReclaimIndex) ExactReclaimable() map[Kind]KindReclaim {
	out := map[Kind]KindReclaim{}
	r, _ := ix.PruneImages(true)
	out[KindImage] = KindReclaim{r.Images, r.PendingKinds.Has(KindImage), r.HeldByBuildCache}
	r, _ = ix.PruneContainers()
	out[KindContainer] = KindReclaim{r.Containers, r.PendingKinds.Has(KindContainer), 0}
	r, _ = ix.PruneVolumes(true)
	out[KindVolume] = KindReclaim{r.Volumes, r.PendingKinds.Has(KindVolume), 0}
	r, _ = ix.PruneBuildCache()
	out[KindBuildCache] = KindReclaim{r.BuildCache, r.PendingKinds.Has(KindBuildCache), 0}
	return out
}
