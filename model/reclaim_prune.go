package model

// PruneImages is `docker image prune` (all false) or `docker image prune
// -a` (all true).
//
// Without all: dangling images (no tag) that no container uses and that are
// not the parent of another image, plus, as the engine prunes parents of
// what it deletes, their untagged parents that are left with no child and
// no container. With all: every image that no container (in any state) uses
// and that is not an ancestor of an image a container uses (the engine
// refuses to delete a parent while a child remains).
func (ix *ReclaimIndex) PruneImages(all bool) (Reclaim, []string) {
	gone := ix.pruneImages(all, func(c int32) bool { return false }, nil)
	m := &Marks{Images: map[string]bool{}}
	var ids []string
	for i, g := range gone {
		if g {
			ids = append(ids, ix.imgs[i].id)
			m.Images[ix.imgs[i].id] = true
		}
	}
	return ix.Compute(m), ids
}

// pruneImages marks the images an image prune removes, counting the
// containers for which removed(c) holds as gone already. With all, the
// images keep[i] names stay as if used (an until filter's newer images),
// and so do their ancestors.
func (ix *ReclaimIndex) pruneImages(all bool, removed func(c int32) bool, keep []bool) []bool {
	used := func(i int) bool {
		for _, c := range ix.imgs[i].users {
			if !removed(c) {
				return true
			}
		}
		return false
	}
	gone := make([]bool, len(ix.imgs))
	if all {
		kept := make([]bool, len(ix.imgs))
		for i := range ix.imgs {
			if !used(i) && (keep == nil || !keep[i]) {
				continue
			}
			for p := int32(i); p >= 0 && !kept[p]; p = ix.imgs[p].parent {
				kept[p] = true
			}
		}
		for i := range gone {
			gone[i] = !kept[i]
		}
		return gone
	}
	goneChildren := make([]int32, len(ix.imgs))
	for i := range ix.imgs {
		img := &ix.imgs[i]
		if !img.untagged || img.children > 0 || used(i) {
			continue
		}
		gone[i] = true
		// The engine then prunes each parent left untagged, childless and
		// unused.
		for p := img.parent; p >= 0 && !gone[p]; p = ix.imgs[p].parent {
			goneChildren[p]++
			if !ix.imgs[p].bare || goneChildren[p] < ix.imgs[p].children || used(int(p)) {
				break
			}
			gone[p] = true
		}
	}
	return gone
}

// PruneContainers is `docker container prune`: every container not
// running, paused or restarting.
func (ix *ReclaimIndex) PruneContainers() (Reclaim, []string) {
	m := &Marks{Containers: map[string]bool{}}
	var ids []string
	for c := range ix.ctrs {
		if ctr := &ix.ctrs[c]; !ctr.ghost && !ctr.active {
			ids = append(ids, ctr.id)
			m.Containers[ctr.id] = true
		}
	}
	return ix.Compute(m), ids
}

// PruneVolumes is `docker volume prune` (all false: unused anonymous
// volumes, as engines from 23.0 do) or `docker volume prune -a` (all true:
// every unused volume). Unused: no container mounts it and the engine
// counts no reference to it.
func (ix *ReclaimIndex) PruneVolumes(all bool) (Reclaim, []string) {
	m := &Marks{Volumes: map[string]bool{}}
	var ids []string
	for v := range ix.vols {
		vol := &ix.vols[v]
		if len(vol.users) == 0 && !vol.refOnly && (all || vol.anonymous) {
			ids = append(ids, vol.name)
			m.Volumes[vol.name] = true
		}
	}
	return ix.Compute(m), ids
}

// PruneNetworks is `docker network prune`: every network but bridge, host
// and none with no endpoint, that is no running (paused, restarting)
// container attached. The engine removes a network that only stopped
// containers are attached to; they then fail to start.
func (ix *ReclaimIndex) PruneNetworks() []string {
	var ids []string
	for n := range ix.nets {
		net := &ix.nets[n]
		if net.builtin {
			continue
		}
		free := true
		for _, c := range net.users {
			if ctr := &ix.ctrs[c]; ctr.ghost || ctr.active || ix.stoppedKeepNets {
				free = false
				break
			}
		}
		if free {
			ids = append(ids, net.id)
		}
	}
	return ids
}

// PruneBuildCache is `docker builder prune -a`: every record not in use.
// Shared records go too but free nothing (their bytes belong to images).
func (ix *ReclaimIndex) PruneBuildCache() (Reclaim, []string) {
	m := &Marks{BuildCache: map[string]bool{}}
	var ids []string
	for r := range ix.recs {
		if rec := &ix.recs[r]; !rec.inUse {
			ids = append(ids, rec.id)
			m.BuildCache[rec.id] = true
		}
	}
	return ix.Compute(m), ids
}

// PruneSystem is `docker system prune -a` (with volumes, `--volumes`):
// stopped containers first, then what that leaves unused: networks no
// remaining container is attached to (never bridge, host, none), images no
// remaining container uses (as PruneImages(true)), anonymous volumes no
// remaining container mounts, and every build-cache record not in use. It
// frees more than the separate prunes on today's state, since removing
// stopped containers frees their images and volumes.
func (ix *ReclaimIndex) PruneSystem(volumes bool) (Reclaim, *Marks) {
	m := NewMarks()
	removed := func(c int32) bool { return !ix.ctrs[c].ghost && !ix.ctrs[c].active }
	for c := range ix.ctrs {
		if removed(int32(c)) {
			m.Containers[ix.ctrs[c].id] = true
		}
	}
	allRemoved := func(users []int32) bool {
		for _, c := range users {
			if !removed(c) {
				return false
			}
		}
		return true
	}
	for _, id := range ix.PruneNetworks() {
		m.Networks[id] = true
	}
	for i, g := range ix.pruneImages(true, removed, nil) {
		if g {
			m.Images[ix.imgs[i].id] = true
		}
	}
	if volumes {
		for v := range ix.vols {
			if vol := &ix.vols[v]; vol.anonymous && !vol.refOnly && allRemoved(vol.users) {
				m.Volumes[vol.name] = true
			}
		}
	}
	for r := range ix.recs {
		if rec := &ix.recs[r]; !rec.inUse {
			m.BuildCache[rec.id] = true
		}
	}
	return ix.Compute(m), m
}
