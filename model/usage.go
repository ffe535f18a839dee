package model

// Usage is one row of the docker system df table.
type Usage struct {
	Kind   Kind
	Total  int
	Active int
	// Size and Reclaimable are Unknown while disk usage is pending, and for
	// networks, which take no disk space of their own.
	Size        int64
	Reclaimable int64
}

// ReclaimablePercent is Reclaimable as a whole percentage of Size, computed
// as the docker CLI does (integer division), or -1 when it has no meaning.
func (u Usage) ReclaimablePercent() int64 {
	if u.Size <= 0 || u.Reclaimable < 0 {
		return -1
	}
	return u.Reclaimable * 100 / u.Size
}

// Usage is the docker system df table of the snapshot, row for row as the
// docker CLI of the engine's generation prints it, plus a Networks row.
// Engines of API 1.52 and later (Engine 29) report TOTAL, ACTIVE, SIZE and
// RECLAIMABLE themselves and docker CLI 29 prints those figures as they
// are: the rows are the engine's (Snapshot.Reported). Older engines report
// the lists only, and the rows are computed from them as CLI 28 and
// earlier compute them.
func (s *Snapshot) Usage() []Usage {
	out := make([]Usage, 0, len(Kinds))
	for _, k := range DFOrder {
		out = append(out, s.UsageOf(k))
	}
	return out
}

// UsageOf returns the row of one kind.
func (s *Snapshot) UsageOf(k Kind) Usage {
	for _, r := range s.Reported {
		if r.Kind == k && k != KindNetwork {
			return r
		}
	}
	return s.computedUsage(k)
}

// OnDisk is the space a kind takes on disk with every byte counted once:
// its SIZE as the lists give it. Engine 29's own build-cache SIZE (Usage)
// also counts records shared with images, whose bytes the images' SIZE
// counts already.
func (s *Snapshot) OnDisk(k Kind) int64 {
	return s.computedUsage(k).Size
}

// computedUsage is the row of one kind computed from the lists, as the
// docker CLI before 29 computes it.
func (s *Snapshot) computedUsage(k Kind) Usage {
	switch k {
	case KindImage:
		return s.imageUsage()
	case KindContainer:
		return s.containerUsage()
	case KindVolume:
		return s.volumeUsage()
	case KindBuildCache:
		return s.buildCacheUsage()
	default:
		return s.networkUsage()
	}
}

// imageUsage: ACTIVE counts images with at least one container in any state;
// SIZE is every layer once (the engine's LayersSize); RECLAIMABLE is the
// docker CLI's figure, SIZE minus the unique size of active images.
func (s *Snapshot) imageUsage() Usage {
	u := Usage{Kind: KindImage, Total: len(s.Images), Size: Unknown, Reclaimable: Unknown}
	var used int64
	for i := range s.Images {
		img := &s.Images[i]
		if len(img.Containers) == 0 {
			continue
		}
		u.Active++
		if img.Size >= 0 && img.SharedSize >= 0 {
			used += img.Size - img.SharedSize
		}
	}
	if s.Sized && s.LayersSize >= 0 {
		u.Size = s.LayersSize
		u.Reclaimable = max(s.LayersSize-used, 0)
	}
	return u
}

// containerUsage: ACTIVE is running, paused or restarting; SIZE the writable
// layers; RECLAIMABLE the writable layers of the others.
func (s *Snapshot) containerUsage() Usage {
	u := Usage{Kind: KindContainer, Total: len(s.Containers), Size: Unknown, Reclaimable: Unknown}
	var size, used int64
	known := s.Sized
	for i := range s.Containers {
		c := &s.Containers[i]
		if c.Active() {
			u.Active++
		}
		if c.SizeRw < 0 {
			known = false
			continue
		}
		size += c.SizeRw
		if c.Active() {
			used += c.SizeRw
		}
	}
	if known {
		u.Size, u.Reclaimable = size, size-used
	}
	return u
}

// volumeUsage: ACTIVE has a reference count above 0; SIZE skips volumes the
// driver cannot size; RECLAIMABLE is the size of unreferenced volumes.
func (s *Snapshot) volumeUsage() Usage {
	u := Usage{Kind: KindVolume, Total: len(s.Volumes), Size: Unknown, Reclaimable: Unknown}
	var size, used int64
	for i := range s.Volumes {
		v := &s.Volumes[i]
		active := v.RefCount > 0 || (v.RefCount < 0 && len(v.Containers) > 0)
		if active {
			u.Active++
		}
		if v.Size > 0 {
			size += v.Size
			if active {
				used += v.Size
			}
		}
	}
	if s.Sized {
		u.Size, u.Reclaimable = size, size-used
	}
	return u
}

// buildCacheUsage: ACTIVE counts records in use; SIZE skips shared records
// (their bytes belong to images); RECLAIMABLE is neither in use nor shared.
// (Engine 29 counts shared records in SIZE: see Usage.)
func (s *Snapshot) buildCacheUsage() Usage {
	u := Usage{Kind: KindBuildCache, Total: len(s.BuildCache), Size: Unknown, Reclaimable: Unknown}
	if !s.Sized {
		u.Total = 0
		return u
	}
	var size, used int64
	for i := range s.BuildCache {
		r := &s.BuildCache[i]
		if r.InUse {
			u.Active++
		}
		if r.Shared {
			continue
		}
		size += r.Size
		if r.InUse {
			used += r.Size
		}
	}
	u.Size, u.Reclaimable = size, size-used
	return u
}

// networkUsage: ACTIVE has containers attached. Networks hold no disk space.
func (s *Snapshot) networkUsage() Usage {
	u := Usage{Kind: KindNetwork, Total: len(s.Networks), Size: Unknown, Reclaimable: Unknown}
	for i := range s.Networks {
		if len(s.Networks[i].Containers) > 0 {
			u.Active++
		}
	}
	return u
}
