package model

import (
	"slices"
	"strings"
	"time"
)

// Exact reclaim (design §6, engine-notes "Exact reclaim"): the bytes that
// deleting a set of objects frees, computed from the layers of every image.
//
// The rules, for a set of marked objects:
//
//   - An image is effectively deleted when it is marked and every container
//     that uses it (in any state) is marked too. A marked image that an
//     unmarked container uses cannot go (a running container's image cannot
//     be deleted; a stopped one's frees nothing while the container stays):
//     it is reported in Blocked, By naming those containers, and counts as
//     remaining.
//   - A layer (by chain ID) is freed when every image that uses it is
//     effectively deleted; its size counts once, however many images share
//     it. Layers of remaining images, and so of every image a container
//     keeps, stay.
//   - Images with unknown layers (Layers == nil, or a layer without a chain
//     ID or with a negative size) make the image figure pending: when one
//     of them is effectively deleted (it frees bytes nobody can count yet),
//     and when one of them remains while some bytes are counted as freed
//     (it may share those layers). Reclaim.Images is then the part computed
//     from known layers; it is never presented as exact.
//   - Build cache holds image layers too: records of BuildKit builds, and
//     records of the base images builds pulled, share their bytes with the
//     image layers they produced or used (their records are Shared). When
//     such a layer is freed while its record stays, the bytes move to the
//     build cache instead of leaving the disk (the record flips to not
//     shared): they count in HeldByBuildCache (still part of Images: df's
//     images SIZE drops by Images, its build-cache SIZE grows by
//     HeldByBuildCache). Records name no layer, but a record's size is its
//     layer's: per size, min(freed layers, Shared records that stay)
//     layers are held. Before disk usage (records unknown) every freed
//     layer of a BuildKit-built image counts as held, from caution.
//   - Containers free their writable layer (SizeRw; Unknown → pending).
//   - Volumes free their Size (Unknown → pending). A marked volume that an
//     unmarked container mounts, or that the engine counts references to
//     (RefCount > 0) while no listed container mounts it, is blocked and
//     frees nothing.
//   - Build-cache records free their Size (negative → pending), except
//     Shared records (their bytes belong to images: 0, not blocked) and
//     records in use (blocked, 0).
//   - Networks hold no disk space: network marks are ignored.
//
// Total is what the disk gains: Images − HeldByBuildCache + Containers +
// Volumes + BuildCache (the change of df's grand total).
//
// Marked IDs that the snapshot does not have are ignored. A container ID
// that an image or volume lists (Image.Containers, Volume.Containers) but
// the container list lacks is a container bilge cannot delete: it keeps
// what it uses.
//
// Not modelled: deleting an image with PruneChildren also removes its
// untagged parents (legacy builder); those parents count as remaining, so
// the figure can only be low, never high, in that case.

// KindSet is a set of kinds.
type KindSet uint8

// Has reports whether k is in the set.
func (s KindSet) Has(k Kind) bool { return s&(1<<uint(k)) != 0 }

// With returns the set plus k.
func (s KindSet) With(k Kind) KindSet { return s | 1<<uint(k) }

// Blocked is a marked object that cannot go, or frees nothing, because
// something that stays still uses it.
type Blocked struct {
	Kind Kind
	ID   string // volume name for volumes
	// By are the IDs of the unmarked containers that use it, in snapshot
	// order. Empty when the engine reports it in use without naming a
	// container (a build-cache record in use; a volume with references
	// bilge cannot see).
	By []string
}

// Reclaim is what deleting a set of objects frees, in bytes.
type Reclaim struct {
	// Images, Containers, Volumes, BuildCache are the bytes each kind frees
	// (the known part when the kind is pending).
	Images, Containers, Volumes, BuildCache int64
	// Total is what the disk gains: the four above, less HeldByBuildCache.
	Total int64
	// Pending reports that some figure depends on data not known yet;
	// PendingKinds says which.
	Pending      bool
	PendingKinds KindSet
	// HeldByBuildCache is the part of Images that BuildKit's build cache
	// keeps on disk: "frees X from images; Y stays in build cache until
	// pruned".
	HeldByBuildCache int64
	// Blocked lists marked objects that cannot go or free nothing: images,
	// then volumes, then build-cache records, each in snapshot order.
	Blocked []Blocked
}

// ReclaimIndex answers exact-reclaim questions about one snapshot. Build it
// once per snapshot (O(images + containers + volumes + layer references));
// it keeps no reference to the snapshot and is safe for concurrent reads.
// Layers and objects are interned as small integers.
type ReclaimIndex struct {
	sized bool

	imgs      []ixImage
	imgByID   map[string]int32
	imgLayers []int32 // per image, its layers: imgLayers[img.l0:img.l1]
	unknown   int     // images whose layers are not known

	layerByChain map[string]int32
	layerSize    []int64
	layerTotal   []int32 // images using the layer
	layerBK      []int32 // BuildKit-built images using the layer
	// Build-cache groups (once disk usage is in): Shared records and the
	// layers of their size. A record holds the layer it produced or
	// pulled, and its Size is that layer's; which of several layers of the
	// same size it holds the API does not say.
	layerGroup []int32 // per layer, its group, -1 when no Shared record has its size
	groupSize  []int64
	groupRecs  []int32 // Shared records of the group's size
	recGroup   []int32 // per record, its group, -1 when not Shared (or unsized)
	layerUsers []int32 // images using layer l: layerUsers[layerStart[l]:layerStart[l+1]]
	layerStart []int32

	// On the containerd image store (Snapshot.ContainerdStore) the units
	// are snapshots and content (cstore.go). layerContent marks content
	// units; layerSlack is, per snapshot, the largest own content of the
	// BuildKit-built images using it (how much blob a build-cache record
	// of that layer can hold beyond the snapshot).
	containerd   bool
	layerContent []bool
	layerSlack   []int64
	layerBuilt   []time.Time // newest creation of the BuildKit images using it

	ctrs    []ixContainer
	ctrByID map[string]int32
	vols    []ixVolume
	volByID map[string]int32
	recs    []ixRecord
	recByID map[string]int32
	nets    []ixNetwork
}

type ixImage struct {
	id       string
	l0, l1   int32   // its layers in imgLayers
	users    []int32 // containers using it (any state), ghosts included
	parent   int32   // index of its parent image, -1 when none is listed
	children int32   // listed images whose parent it is
	known    bool    // layers known
	buildKit bool
	untagged bool // no repo:tag
	bare     bool // no tag and no digest
}

type ixContainer struct {
	id     string
	sizeRw int64
	images []int32 // images it uses (normally one)
	vols   []int32 // volumes it mounts
	active bool
	ghost  bool // named by an image, volume or network, absent from the container list
}

type ixVolume struct {
	name      string
	size      int64
	users     []int32 // containers mounting it, ghosts included
	refOnly   bool    // RefCount > 0 but no listed container mounts it
	anonymous bool
}

type ixRecord struct {
	id            string
	size          int64
	shared, inUse bool
	created       time.Time
}

type ixNetwork struct {
	id      string
	builtin bool
	users   []int32
}

// layersKnown reports whether an image's layers can be counted.
func layersKnown(ls []Layer) bool {
	if ls == nil {
		return false
	}
	for i := range ls {
		if ls[i].ChainID == "" || ls[i].Size < 0 {
			return false
		}
	}
	return true
}

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
