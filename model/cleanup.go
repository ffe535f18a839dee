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

// SystemGap says why `docker system prune -a --volumes` frees another
// amount than each kind's own prune (ExactReclaimable) added up, the
// Overview's total. It removes the stopped containers first, so the images
// and anonymous volumes only they use go too; it keeps named volumes,
// which `volume prune -a` counts. The parts add up: System = Kinds +
// StoppedImages + StoppedVolumes − NamedVolumes − Held.
type SystemGap struct {
	Kinds  int64 // Σ ExactReclaimable bytes
	System int64 // what the system prune frees (its Reclaim.Total)
	// Stopped is how many containers it removes.
	Stopped int
	// StoppedImages: image bytes freed only once the stopped containers
	// go; StoppedVolumes: their anonymous volumes.
	StoppedImages, StoppedVolumes int64
	// NamedVolumes: unused named volumes, which it keeps.
	NamedVolumes int64
	// Held: image layers build-cache records in use keep on disk (image
	// prune -a counts them, builder prune cannot free them).
	Held int64
	// Pending: some figure depends on sizes or layers not known yet.
	Pending bool
}

// SystemGap compares the system prune with each kind's own prune, given
// what both free on this index: exact from ExactReclaimable, sys and its
// marks from PruneSystem(true) (the caller has them already: computing
// them again would double the cost at scale).
func (ix *ReclaimIndex) SystemGap(exact map[Kind]KindReclaim, sys Reclaim, m *Marks) SystemGap {
	var g SystemGap
	for _, e := range exact {
		g.Kinds += e.Bytes
		g.Pending = g.Pending || e.Pending
	}
	anon, _ := ix.PruneVolumes(false)
	g.System = sys.Total
	g.Stopped = m.LenOf(KindContainer)
	g.StoppedImages = sys.Images - exact[KindImage].Bytes
	g.StoppedVolumes = sys.Volumes - anon.Volumes
	g.NamedVolumes = exact[KindVolume].Bytes - anon.Volumes
	g.Held = sys.HeldByBuildCache
	g.Pending = g.Pending || sys.Pending || anon.Pending
	return g
}
