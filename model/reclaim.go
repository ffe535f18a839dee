package model

import (
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
	// stoppedKeepNets: a network any container uses, stopped ones
	// included, is not unused (Engine.StoppedUseNetworks).
	stoppedKeepNets bool

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
