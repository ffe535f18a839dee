package model

import "slices"

// tallied is the state both Compute and a Tally reduce to.
type tallied struct {
	images, held, containers, volumes, buildCache int64
	unknownDel                                    int // effectively deleted images with unknown layers
	ctrPending, volPending, recPending            int
}

// result turns the counters into a Reclaim (Blocked aside).
func (ix *ReclaimIndex) result(t *tallied) Reclaim {
	r := Reclaim{
		Images:     t.images,
		Containers: t.containers,
		Volumes:    t.volumes,
		BuildCache: t.buildCache,
	}
	r.HeldByBuildCache = t.held
	if t.unknownDel > 0 || (t.images > 0 && ix.unknown > t.unknownDel) {
		r.PendingKinds = r.PendingKinds.With(KindImage)
	}
	if t.ctrPending > 0 {
		r.PendingKinds = r.PendingKinds.With(KindContainer)
	}
	if t.volPending > 0 {
		r.PendingKinds = r.PendingKinds.With(KindVolume)
	}
	if t.recPending > 0 {
		r.PendingKinds = r.PendingKinds.With(KindBuildCache)
	}
	r.Pending = r.PendingKinds != 0
	r.Total = r.Images - r.HeldByBuildCache + r.Containers + r.Volumes + r.BuildCache
	return r
}

// Compute is what deleting the marked set frees, computed from scratch in
// O(marked objects + layers in the snapshot). See Tally for a set that
// changes one mark at a time.
func (ix *ReclaimIndex) Compute(m *Marks) Reclaim {
	if m == nil {
		m = &Marks{}
	}
	var t tallied
	var blocked []Blocked

	ctrOn := make([]bool, len(ix.ctrs))
	for id, on := range m.Containers {
		if c := ix.lookup(KindContainer, id); on && c >= 0 {
			ctrOn[c] = true
			if sz := ix.ctrs[c].sizeRw; sz < 0 {
				t.ctrPending++
			} else {
				t.containers += sz
			}
		}
	}
	unmarkedUsers := func(users []int32) []string {
		var by []string
		for _, c := range users {
			if !ctrOn[c] {
				by = append(by, ix.ctrs[c].id)
			}
		}
		return by
	}

	imgOn := make([]bool, len(ix.imgs))
	for id, on := range m.Images {
		if i := ix.lookup(KindImage, id); on && i >= 0 {
			imgOn[i] = true
		}
	}
	del := make([]int32, len(ix.layerSize))
	for i := range ix.imgs {
		if !imgOn[i] {
			continue
		}
		img := &ix.imgs[i]
		if by := unmarkedUsers(img.users); by != nil {
			blocked = append(blocked, Blocked{Kind: KindImage, ID: img.id, By: by})
			continue
		}
		if !img.known {
			t.unknownDel++
			continue
		}
		for _, l := range ix.imgLayers[img.l0:img.l1] {
			del[l]++
		}
	}
	freedG := make([]int32, len(ix.groupSize))
	for l, d := range del {
		if d > 0 && d == ix.layerTotal[l] {
			t.images += ix.layerSize[l]
			switch {
			case !ix.sized && ix.layerBK[l] > 0:
				t.held += ix.layerSize[l]
			case ix.sized && ix.layerGroup[l] >= 0:
				freedG[ix.layerGroup[l]]++
			}
		}
	}

	volOn := make([]bool, len(ix.vols))
	for id, on := range m.Volumes {
		if v := ix.lookup(KindVolume, id); on && v >= 0 {
			volOn[v] = true
		}
	}
	for v := range ix.vols {
		if !volOn[v] {
			continue
		}
		vol := &ix.vols[v]
		if by := unmarkedUsers(vol.users); by != nil || vol.refOnly {
			blocked = append(blocked, Blocked{Kind: KindVolume, ID: vol.name, By: by})
			continue
		}
		if vol.size < 0 {
			t.volPending++
		} else {
			t.volumes += vol.size
		}
	}

	recOn := make([]bool, len(ix.recs))
	for id, on := range m.BuildCache {
		if r := ix.lookup(KindBuildCache, id); on && r >= 0 {
			recOn[r] = true
		}
	}
	leftG := slices.Clone(ix.groupRecs)
	for r := range ix.recs {
		if !recOn[r] {
			continue
		}
		rec := &ix.recs[r]
		switch {
		case rec.inUse:
			blocked = append(blocked, Blocked{Kind: KindBuildCache, ID: rec.id})
		case rec.shared:
			if g := ix.recGroup[r]; g >= 0 {
				leftG[g]--
			}
		case rec.size < 0:
			t.recPending++
		default:
			t.buildCache += rec.size
		}
	}

	for g := range freedG {
		t.held += ix.heldOf(int32(g), freedG[g], leftG[g])
	}
	res := ix.result(&t)
	res.Blocked = blocked
	return res
}

// FreesAlone is what deleting the image alone frees from images: the sizes
// of the layers no other image uses; 0 (known) when a container uses it.
// known is false when the answer is not exact yet: the image's layers are
// unknown, or it frees bytes while some other image's layers are unknown
// (that image may share them). known is false too for an ID not in the
// snapshot. It equals Compute with that one image marked (Images, and
// Images not pending), in O(layers of the image).
func (ix *ReclaimIndex) FreesAlone(imageID string) (bytes int64, known bool) {
	i, ok := ix.imgByID[imageID]
	if !ok {
		return 0, false
	}
	img := &ix.imgs[i]
	if len(img.users) > 0 {
		return 0, true
	}
	if !img.known {
		return 0, false
	}
	for _, l := range ix.imgLayers[img.l0:img.l1] {
		if ix.layerTotal[l] == 1 {
			bytes += ix.layerSize[l]
		}
	}
	return bytes, bytes == 0 || ix.unknown == 0
}

// HeldAlone is the part of FreesAlone that the build cache keeps on disk
// until it is pruned (its Shared records hold those layers). It equals
// Compute with that one image marked (HeldByBuildCache), in O(layers of
// the image²) without allocating: the Images table asks it per visible
// row per frame.
func (ix *ReclaimIndex) HeldAlone(imageID string) int64 {
	i, ok := ix.imgByID[imageID]
	if !ok || !ix.imgs[i].known || len(ix.imgs[i].users) > 0 {
		return 0
	}
	ls := ix.imgLayers[ix.imgs[i].l0:ix.imgs[i].l1]
	freed := func(l int32) bool { return ix.layerTotal[l] == 1 } // no other image uses it
	var held int64
	for k, l := range ls {
		switch {
		case !freed(l):
		case !ix.sized:
			if ix.layerBK[l] > 0 {
				held += ix.layerSize[l]
			}
		case ix.layerGroup[l] >= 0:
			// Each group once, at its first freed layer: count the image's
			// freed layers of that size.
			g, first, n := ix.layerGroup[l], true, int32(0)
			for k2, l2 := range ls {
				if freed(l2) && ix.layerGroup[l2] == g {
					first = first && k2 >= k
					n++
				}
			}
			if first {
				held += ix.heldOf(g, n, ix.groupRecs[g])
			}
		}
	}
	return held
}

// SharedByN is SharedBy without the image except: the first n IDs, and
// how many there are in all, without building the whole list.
func (ix *ReclaimIndex) SharedByN(chainID string, n int, except string) (ids []string, total int) {
	l, ok := ix.layerByChain[chainID]
	if !ok {
		return nil, 0
	}
	for _, i := range ix.layerUsers[ix.layerStart[l]:ix.layerStart[l+1]] {
		if id := ix.imgs[i].id; id != except {
			if len(ids) < n {
				ids = append(ids, id)
			}
			total++
		}
	}
	return ids, total
}

// SharedBy lists the IDs of the images that use the layer, in snapshot
// order (nil for a chain ID no image with known layers has).
func (ix *ReclaimIndex) SharedBy(chainID string) []string {
	l, ok := ix.layerByChain[chainID]
	if !ok {
		return nil
	}
	users := ix.layerUsers[ix.layerStart[l]:ix.layerStart[l+1]]
	out := make([]string, len(users))
	for k, i := range users {
		out[k] = ix.imgs[i].id
	}
	return out
}

// LayersPending reports how many images' layers are not known yet.
func (ix *ReclaimIndex) LayersPending() int { return ix.unknown }
