package model

import "slices"

// Tally returns an empty incremental tally over the index.
func (ix *ReclaimIndex) Tally() *Tally {
	t := &Tally{
		ix:      ix,
		imgOn:   make([]bool, len(ix.imgs)),
		eff:     make([]bool, len(ix.imgs)),
		imgOpen: make([]int32, len(ix.imgs)),
		ctrOn:   make([]bool, len(ix.ctrs)),
		volOn:   make([]bool, len(ix.vols)),
		volOpen: make([]int32, len(ix.vols)),
		recOn:   make([]bool, len(ix.recs)),
		del:     make([]int32, len(ix.layerSize)),
		freedG:  make([]int32, len(ix.groupSize)),
		leftG:   slices.Clone(ix.groupRecs),
	}
	for i := range ix.imgs {
		t.imgOpen[i] = int32(len(ix.imgs[i].users))
	}
	for v := range ix.vols {
		t.volOpen[v] = int32(len(ix.vols[v].users))
	}
	return t
}

// TallyOf returns a tally with the given marks set.
func (ix *ReclaimIndex) TallyOf(m *Marks) *Tally {
	t := ix.Tally()
	if m == nil {
		return t
	}
	for _, k := range SizedKinds {
		for id, on := range *m.of(k) {
			if on {
				t.Set(k, id, true)
			}
		}
	}
	return t
}

// Tally is an incremental exact-reclaim counter for a mark set that grows
// and shrinks one object at a time (the UI's space key). Set and Toggle
// cost O(layers of the images affected) — a container's toggle may change
// whether its image is effectively deleted — plus, when an object becomes
// or stops being blocked, O(blocked objects) to keep the blocked list in
// order. Result is O(1) when the blocked list did not change, O(blocked
// objects) when it did; it never walks the layers. Result equals
// ReclaimIndex.Compute of the same marks.
//
// The Tally keeps its own copy of the marks (for the objects the snapshot
// has); the UI keeps its Marks as the source of truth and mirrors each
// change with Set, or rebuilds with TallyOf after a new snapshot. Not safe
// for concurrent use.
type Tally struct {
	ix      *ReclaimIndex
	imgOn   []bool
	eff     []bool  // effectively deleted
	imgOpen []int32 // users not marked (ghosts always count)
	ctrOn   []bool
	volOn   []bool
	volOpen []int32
	recOn   []bool
	del     []int32 // per layer, effectively deleted images using it
	freedG  []int32 // per build-cache group, its freed layers
	leftG   []int32 // per build-cache group, its Shared records that stay
	c       tallied

	blk   []blkEntry // blocked objects, by key
	pub   []Blocked  // the published list; never modified once published
	dirty bool       // blk changed since pub was built
}

// blkEntry is one blocked object; key orders images, then volumes, then
// build-cache records, each by index (snapshot order).
type blkEntry struct {
	key uint64
	b   Blocked
}

const (
	rankImage uint64 = iota
	rankVolume
	rankRecord
)

// Marked reports whether the tally counts the object as marked (false for
// objects the snapshot does not have, and for networks).
func (t *Tally) Marked(k Kind, id string) bool {
	i := t.ix.lookup(k, id)
	if i < 0 {
		return false
	}
	switch k {
	case KindImage:
		return t.imgOn[i]
	case KindContainer:
		return t.ctrOn[i]
	case KindVolume:
		return t.volOn[i]
	}
	return t.recOn[i]
}

// Toggle flips the object's mark and reports whether it is now marked.
// Objects the snapshot does not have, and networks, are ignored (false).
func (t *Tally) Toggle(k Kind, id string) bool {
	i := t.ix.lookup(k, id)
	if i < 0 {
		return false
	}
	on := !t.Marked(k, id)
	t.set(k, i, on)
	return on
}

// Set marks (on) or unmarks the object; setting the current state is a
// no-op. Objects the snapshot does not have, and networks, are ignored.
func (t *Tally) Set(k Kind, id string, on bool) {
	if i := t.ix.lookup(k, id); i >= 0 {
		t.set(k, i, on)
	}
}

func (t *Tally) set(k Kind, i int32, on bool) {
	ix := t.ix
	switch k {
	case KindImage:
		if t.imgOn[i] == on {
			return
		}
		t.imgOn[i] = on
		t.updateImage(i)
	case KindContainer:
		if t.ctrOn[i] == on {
			return
		}
		t.ctrOn[i] = on
		c := &ix.ctrs[i]
		sign := int64(1)
		if !on {
			sign = -1
		}
		if c.sizeRw < 0 {
			t.c.ctrPending += int(sign)
		} else {
			t.c.containers += sign * c.sizeRw
		}
		for _, img := range c.images {
			t.imgOpen[img] -= int32(sign)
			t.updateImage(img)
		}
		for _, v := range c.vols {
			t.volume(v, -1)
			t.volOpen[v] -= int32(sign)
			t.volume(v, +1)
			t.syncVolume(v)
		}
	case KindVolume:
		if t.volOn[i] == on {
			return
		}
		t.volume(i, -1)
		t.volOn[i] = on
		t.volume(i, +1)
		t.syncVolume(i)
	case KindBuildCache:
		if t.recOn[i] == on {
			return
		}
		t.record(i, -1)
		t.recOn[i] = on
		t.record(i, +1)
		rec := &ix.recs[i]
		t.setBlocked(rankRecord, i, on && rec.inUse, func() Blocked {
			return Blocked{Kind: KindBuildCache, ID: rec.id}
		})
	}
}

// updateImage re-derives whether image i is effectively deleted or
// blocked (after its mark or one of its containers' changed), and moves
// its layers in or out of the freed sum.
func (t *Tally) updateImage(i int32) {
	ix := t.ix
	img := &ix.imgs[i]
	eff := t.imgOn[i] && t.imgOpen[i] == 0
	if eff != t.eff[i] {
		t.eff[i] = eff
		switch {
		case !img.known && eff:
			t.c.unknownDel++
		case !img.known:
			t.c.unknownDel--
		case eff:
			for _, l := range ix.imgLayers[img.l0:img.l1] {
				t.del[l]++
				if t.del[l] == ix.layerTotal[l] {
					t.c.images += ix.layerSize[l]
					t.layerHeld(l, +1)
				}
			}
		default:
			for _, l := range ix.imgLayers[img.l0:img.l1] {
				if t.del[l] == ix.layerTotal[l] {
					t.c.images -= ix.layerSize[l]
					t.layerHeld(l, -1)
				}
				t.del[l]--
			}
		}
	}
	t.setBlocked(rankImage, i, t.imgOn[i] && !eff, func() Blocked {
		return Blocked{Kind: KindImage, ID: img.id, By: t.unmarked(img.users)}
	})
}

// layerHeld accounts for layer l being freed (sign +1) or no longer
// freed (-1) in what stays in build cache.
func (t *Tally) layerHeld(l int32, sign int) {
	ix := t.ix
	switch {
	case !ix.sized && ix.layerBK[l] > 0:
		t.c.held += int64(sign) * ix.layerSize[l]
	case ix.sized && ix.layerGroup[l] >= 0:
		t.group(ix.layerGroup[l], int32(sign), 0)
	}
}

// group changes build-cache group g's freed layers and staying records,
// and the held bytes with them.
func (t *Tally) group(g, dFreed, dLeft int32) {
	before := t.ix.heldOf(g, t.freedG[g], t.leftG[g])
	t.freedG[g] += dFreed
	t.leftG[g] += dLeft
	t.c.held += t.ix.heldOf(g, t.freedG[g], t.leftG[g]) - before
}

// volBlocked reports a marked volume that something staying uses.
func (t *Tally) volBlocked(v int32) bool {
	return t.volOn[v] && (t.volOpen[v] > 0 || t.ix.vols[v].refOnly)
}

// volume adds (sign +1) or removes (-1) volume v's bytes.
func (t *Tally) volume(v int32, sign int) {
	if !t.volOn[v] || t.volBlocked(v) {
		return
	}
	if size := t.ix.vols[v].size; size < 0 {
		t.c.volPending += sign
	} else {
		t.c.volumes += int64(sign) * size
	}
}

// syncVolume brings volume v's blocked entry up to date.
func (t *Tally) syncVolume(v int32) {
	vol := &t.ix.vols[v]
	t.setBlocked(rankVolume, v, t.volBlocked(v), func() Blocked {
		return Blocked{Kind: KindVolume, ID: vol.name, By: t.unmarked(vol.users)}
	})
}

// record adds (sign +1) or removes (-1) build-cache record r's
// contribution.
func (t *Tally) record(r int32, sign int) {
	if !t.recOn[r] {
		return
	}
	switch rec := &t.ix.recs[r]; {
	case rec.inUse:
	case rec.shared:
		if g := t.ix.recGroup[r]; g >= 0 {
			t.group(g, 0, -int32(sign))
		}
	case rec.size < 0:
		t.c.recPending += sign
	default:
		t.c.buildCache += int64(sign) * rec.size
	}
}

// unmarked lists the users not marked, by ID.
func (t *Tally) unmarked(users []int32) []string {
	var by []string
	for _, c := range users {
		if !t.ctrOn[c] {
			by = append(by, t.ix.ctrs[c].id)
		}
	}
	return by
}

// setBlocked puts the object in the blocked list (with a fresh entry, as
// its By may have changed) or takes it out.
func (t *Tally) setBlocked(rank uint64, i int32, on bool, entry func() Blocked) {
	key := rank<<32 | uint64(i)
	pos, found := slices.BinarySearchFunc(t.blk, key, func(e blkEntry, k uint64) int {
		switch {
		case e.key < k:
			return -1
		case e.key > k:
			return 1
		}
		return 0
	})
	switch {
	case on && found:
		t.blk[pos].b = entry()
	case on:
		t.blk = slices.Insert(t.blk, pos, blkEntry{key: key, b: entry()})
	case found:
		t.blk = slices.Delete(t.blk, pos, pos+1)
	default:
		return
	}
	t.dirty = true
}

// Result is what the marked set frees. Its Blocked slice (and the By
// lists in it) may be shared with other results of this tally: read it,
// do not modify it.
func (t *Tally) Result() Reclaim {
	r := t.ix.result(&t.c)
	if t.dirty {
		t.dirty = false
		t.pub = nil
		if len(t.blk) > 0 {
			t.pub = make([]Blocked, len(t.blk))
			for k := range t.blk {
				t.pub[k] = t.blk[k].b
			}
		}
	}
	r.Blocked = t.pub
	return r
}

// The Prune functions say what a docker prune command would remove, as
// marks bilge can show and edit (design §4: presets never fire blind), and
// what removing it frees (Compute of those marks). IDs are in snapshot
// order.
