package model

import (
	"slices"
	"strings"
	"time"
)

// NewReclaimIndex indexes a snapshot. Image users are the containers whose
// ImageID is the image plus those the image lists; volume users are the
// containers that mount it plus those it lists. A layer's size is taken
// from the first image (in snapshot order) that has it. Objects listed
// twice count once (the first).
func NewReclaimIndex(s *Snapshot) *ReclaimIndex {
	ix := &ReclaimIndex{
		imgByID:      map[string]int32{},
		layerByChain: map[string]int32{},
		ctrByID:      map[string]int32{},
		volByID:      map[string]int32{},
		recByID:      map[string]int32{},
	}
	if s == nil {
		ix.layerStart = []int32{0}
		return ix
	}
	ix.sized = s.Sized

	// Images and their layers.
	refs := 0
	for i := range s.Images {
		refs += len(s.Images[i].Layers)
	}
	ix.imgs = make([]ixImage, 0, len(s.Images))
	ix.imgByID = make(map[string]int32, len(s.Images))
	ix.imgLayers = make([]int32, 0, refs)
	// refs is an upper bound on the layers; growing the map costs more.
	ix.layerByChain = make(map[string]int32, refs)
	// stamp, per layer: 1 + the last image that referenced it.
	var stamp []int32
	imgSrc := make([]*Image, 0, len(s.Images))
	// On the containerd image store an image's units are its snapshots
	// (its layers, by chain ID) and its content (cstore.go).
	var (
		cUnits [][]Layer
		cOK    []bool
		cOwn   []int64
	)
	if s.OnContainerdStore() {
		ix.containerd = true
		cUnits, cOK, cOwn = containerdUnits(s)
	}
	for i := range s.Images {
		img := &s.Images[i]
		if _, dup := ix.imgByID[img.ID]; dup {
			continue
		}
		n := int32(len(ix.imgs))
		ix.imgByID[img.ID] = n
		imgSrc = append(imgSrc, img)
		e := ixImage{
			id:       img.ID,
			parent:   -1,
			buildKit: img.BuildKit,
			untagged: len(img.Tags) == 0,
			bare:     len(img.Tags) == 0 && len(img.Digests) == 0,
			l0:       int32(len(ix.imgLayers)),
		}
		units, known := img.Layers, layersKnown(img.Layers)
		if ix.containerd && known {
			known = cOK[i]
			units = append(slices.Clone(units), cUnits[i]...)
		}
		if known {
			e.known = true
			for _, ly := range units {
				l, ok := ix.layerByChain[ly.ChainID]
				if !ok {
					l = int32(len(ix.layerSize))
					ix.layerByChain[ly.ChainID] = l
					ix.layerSize = append(ix.layerSize, ly.Size)
					ix.layerTotal = append(ix.layerTotal, 0)
					ix.layerBK = append(ix.layerBK, 0)
					stamp = append(stamp, 0)
					if ix.containerd {
						ix.layerSlack = append(ix.layerSlack, 0)
						ix.layerBuilt = append(ix.layerBuilt, time.Time{})
						ix.layerContent = append(ix.layerContent, isContentUnit(ly.ChainID))
					}
				}
				if ix.containerd && img.BuildKit {
					ix.layerSlack[l] = max(ix.layerSlack[l], cOwn[i])
					if img.Created.After(ix.layerBuilt[l]) {
						ix.layerBuilt[l] = img.Created
					}
				}
				if stamp[l] == n+1 {
					continue // the same layer twice in one image
				}
				stamp[l] = n + 1
				ix.imgLayers = append(ix.imgLayers, l)
				ix.layerTotal[l]++
				if img.BuildKit {
					ix.layerBK[l]++
				}
			}
		} else {
			ix.unknown++
		}
		e.l1 = int32(len(ix.imgLayers))
		ix.imgs = append(ix.imgs, e)
	}
	for i, img := range imgSrc {
		if p, ok := ix.imgByID[img.ParentID]; ok && img.ParentID != "" && int(p) != i {
			ix.imgs[i].parent = p
			ix.imgs[p].children++
		}
	}
	// Layer → images, for SharedBy.
	ix.layerStart = make([]int32, len(ix.layerSize)+1)
	for l, n := range ix.layerTotal {
		ix.layerStart[l+1] = ix.layerStart[l] + n
	}
	ix.layerUsers = make([]int32, len(ix.imgLayers))
	fill := slices.Clone(ix.layerStart[:len(ix.layerSize)])
	for i := range ix.imgs {
		img := &ix.imgs[i]
		for _, l := range ix.imgLayers[img.l0:img.l1] {
			ix.layerUsers[fill[l]] = int32(i)
			fill[l]++
		}
	}

	// Containers.
	ix.ctrs = make([]ixContainer, 0, len(s.Containers))
	ix.ctrByID = make(map[string]int32, len(s.Containers))
	ctrSrc := make([]*Container, 0, len(s.Containers))
	for i := range s.Containers {
		c := &s.Containers[i]
		if _, dup := ix.ctrByID[c.ID]; dup {
			continue
		}
		ix.ctrByID[c.ID] = int32(len(ix.ctrs))
		ix.ctrs = append(ix.ctrs, ixContainer{id: c.ID, sizeRw: c.SizeRw, active: c.Active()})
		ctrSrc = append(ctrSrc, c)
	}
	// ctrStamp dedupes the users of one object: users already added carry
	// the object's pass number.
	ctrStamp := make([]int32, len(ix.ctrs))
	pass := int32(0)
	ctr := func(id string) int32 {
		if c, ok := ix.ctrByID[id]; ok {
			return c
		}
		c := int32(len(ix.ctrs))
		ix.ctrByID[id] = c
		ix.ctrs = append(ix.ctrs, ixContainer{id: id, sizeRw: Unknown, ghost: true})
		ctrStamp = append(ctrStamp, 0)
		return c
	}
	// addListed appends the listed container IDs not yet among users.
	addListed := func(users []int32, listed []string) []int32 {
		if len(listed) == 0 {
			return users
		}
		pass++
		for _, c := range users {
			ctrStamp[c] = pass
		}
		for _, id := range listed {
			c := ctr(id)
			if ctrStamp[c] == pass {
				continue
			}
			ctrStamp[c] = pass
			users = append(users, c)
		}
		return users
	}
	for c, src := range ctrSrc {
		if i, ok := ix.imgByID[src.ImageID]; ok {
			ix.imgs[i].users = append(ix.imgs[i].users, int32(c))
		}
	}
	for i, img := range imgSrc {
		ix.imgs[i].users = addListed(ix.imgs[i].users, img.Containers)
	}

	// Volumes.
	ix.vols = make([]ixVolume, 0, len(s.Volumes))
	ix.volByID = make(map[string]int32, len(s.Volumes))
	volSrc := make([]*Volume, 0, len(s.Volumes))
	for i := range s.Volumes {
		v := &s.Volumes[i]
		if _, dup := ix.volByID[v.Name]; dup {
			continue
		}
		ix.volByID[v.Name] = int32(len(ix.vols))
		size := v.Size
		if size == NotReported {
			size = 0 // frees what cannot be measured: nothing bilge can promise
		}
		ix.vols = append(ix.vols, ixVolume{name: v.Name, size: size, anonymous: v.Anonymous()})
		volSrc = append(volSrc, v)
	}
	for c, src := range ctrSrc {
		for _, m := range src.Mounts {
			if m.Type != "volume" {
				continue
			}
			if v, ok := ix.volByID[m.Name]; ok {
				u := ix.vols[v].users
				if n := len(u); n == 0 || u[n-1] != int32(c) {
					ix.vols[v].users = append(u, int32(c))
				}
			}
		}
	}
	for v, src := range volSrc {
		ix.vols[v].users = addListed(ix.vols[v].users, src.Containers)
		ix.vols[v].refOnly = len(ix.vols[v].users) == 0 && src.RefCount > 0
	}

	// Networks (for PruneSystem).
	ix.stoppedKeepNets = s.Engine.StoppedUseNetworks
	ix.nets = make([]ixNetwork, 0, len(s.Networks))
	netByID := make(map[string]int32, len(s.Networks))
	netSrc := make([]*Network, 0, len(s.Networks))
	for i := range s.Networks {
		n := &s.Networks[i]
		if _, dup := netByID[n.ID]; dup {
			continue
		}
		netByID[n.ID] = int32(len(ix.nets))
		ix.nets = append(ix.nets, ixNetwork{id: n.ID, builtin: n.Builtin()})
		netSrc = append(netSrc, n)
	}
	for c, src := range ctrSrc {
		for _, id := range src.Networks {
			if n, ok := netByID[id]; ok {
				u := ix.nets[n].users
				if k := len(u); k == 0 || u[k-1] != int32(c) {
					ix.nets[n].users = append(u, int32(c))
				}
			}
		}
	}
	for n, src := range netSrc {
		ix.nets[n].users = addListed(ix.nets[n].users, src.Containers)
	}

	// Inverse links: container → images, volumes.
	for i := range ix.imgs {
		for _, c := range ix.imgs[i].users {
			ix.ctrs[c].images = append(ix.ctrs[c].images, int32(i))
		}
	}
	for v := range ix.vols {
		for _, c := range ix.vols[v].users {
			ix.ctrs[c].vols = append(ix.ctrs[c].vols, int32(v))
		}
	}

	// Build cache.
	ix.recs = make([]ixRecord, 0, len(s.BuildCache))
	ix.recByID = make(map[string]int32, len(s.BuildCache))
	for i := range s.BuildCache {
		r := &s.BuildCache[i]
		if _, dup := ix.recByID[r.ID]; dup {
			continue
		}
		ix.recByID[r.ID] = int32(len(ix.recs))
		ix.recs = append(ix.recs, ixRecord{id: r.ID, size: r.Size, shared: r.Shared, inUse: r.InUse, created: r.Created})
	}
	ix.groupBuildCache()
	return ix
}

// groupBuildCache groups the Shared build-cache records by size with the
// layers of that size. Deleting images frees layers; a freed layer whose
// Shared record stays moves to the build cache instead of leaving the
// disk (the record flips to not shared). Records of old builds are often
// gone (garbage-collected), and then the disk does gain the bytes. A
// record's size is its layer's, so per size at most min(records that stay,
// layers freed) layers stay in build cache: bilge counts exactly that many
// as held. When sizes are unique this is exact; when several layers share
// a size (the same files copied onto different bases) it can only make
// the freed figure low, never high.
func (ix *ReclaimIndex) groupBuildCache() {
	ix.recGroup = make([]int32, len(ix.recs))
	for r := range ix.recGroup {
		ix.recGroup[r] = -1
	}
	ix.layerGroup = make([]int32, len(ix.layerSize))
	for l := range ix.layerGroup {
		ix.layerGroup[l] = -1
	}
	if !ix.sized {
		return // before disk usage: every BuildKit layer counts as held (safe)
	}
	bySize := map[int64]int32{}
	for r := range ix.recs {
		rec := &ix.recs[r]
		if !rec.shared || rec.size < 0 {
			continue
		}
		g, ok := bySize[rec.size]
		if !ok {
			g = int32(len(ix.groupSize))
			bySize[rec.size] = g
			ix.groupSize = append(ix.groupSize, rec.size)
			ix.groupRecs = append(ix.groupRecs, 0)
		}
		ix.groupRecs[g]++
		ix.recGroup[r] = g
	}
	if ix.containerd {
		ix.groupContainerd()
		return
	}
	for l, size := range ix.layerSize {
		if g, ok := bySize[size]; ok {
			ix.layerGroup[l] = g
		}
	}
}

// groupContainerd matches snapshots with Shared build-cache records on
// the containerd image store. There a record holds its layer's snapshot
// and its compressed blob, and its Size is both; the blob's own size is
// not reported (it is part of the image's own content). A snapshot of
// size s of a BuildKit-built image goes with the record whose size S
// exceeds s by the least, and by no more than that image's own content
// (the blob cannot be bigger than the content it is part of). Of several
// such records (the same files built again: a compressed blob differs by
// a few bytes from build to build), the one created nearest the image
// goes with it, and of equally near ones the smallest. The bytes held are
// the record's size, snapshot and blob.
//
// A build FROM a local image makes a Shared record of the base's blob
// alone (its size is the blob's, to the byte: seen on Engine 29.7.2 with
// a base imported, issue 11's table); it is the base's, never a snapshot
// plus blob of the build's own layers, so records of a shared blob
// group's size are left out.
func (ix *ReclaimIndex) groupContainerd() {
	blobSize := map[int64]bool{}
	for key, l := range ix.layerByChain {
		if strings.HasPrefix(key, blobGroupKey) {
			blobSize[ix.layerSize[l]] = true
		}
	}
	// near[g] is, for the layer at hand, how far the nearest record of
	// group g was created from the image.
	near := make([]time.Duration, len(ix.groupSize))
	for l, size := range ix.layerSize {
		if ix.layerContent[l] || ix.layerBK[l] == 0 || ix.layerSlack[l] <= 0 {
			continue
		}
		for g := range near {
			near[g] = -1
		}
		for r := range ix.recs {
			g := ix.recGroup[r]
			if g < 0 {
				continue
			}
			if d := ix.groupSize[g] - size; d <= 0 || d > ix.layerSlack[l] || blobSize[ix.groupSize[g]] {
				continue
			}
			dt := ix.recs[r].created.Sub(ix.layerBuilt[l]).Abs()
			if near[g] < 0 || dt < near[g] {
				near[g] = dt
			}
		}
		best := int32(-1)
		for g, dt := range near {
			if dt < 0 {
				continue
			}
			if best < 0 || dt < near[best] || (dt == near[best] && ix.groupSize[g] < ix.groupSize[best]) {
				best = int32(g)
			}
		}
		ix.layerGroup[l] = best
	}
}

// heldOf is the bytes of group g that stay in build cache when freed
// layers of its size are freed and left of its records stay.
func (ix *ReclaimIndex) heldOf(g int32, freed, left int32) int64 {
	return ix.groupSize[g] * int64(min(freed, left))
}

// lookup returns the index of a marked object the index tracks, or -1.
// Ghost containers and networks are not tracked.
func (ix *ReclaimIndex) lookup(k Kind, id string) int32 {
	var m map[string]int32
	switch k {
	case KindImage:
		m = ix.imgByID
	case KindContainer:
		if c, ok := ix.ctrByID[id]; ok && !ix.ctrs[c].ghost {
			return c
		}
		return -1
	case KindVolume:
		m = ix.volByID
	case KindBuildCache:
		m = ix.recByID
	default:
		return -1
	}
	if i, ok := m[id]; ok {
		return i
	}
	return -1
}
