package model

import (
	"slices"
	"strconv"
	"strings"
)

// The containerd image store (Docker 29's default; engine-notes "Engine 29
// (API 1.55) and the containerd image store"; the engine's code read is
// moby tag docker-v29.7.2, daemon/containerd).
//
// There an image is a containerd image record naming a manifest (or an
// index of manifests). What it keeps on disk is, each counted once however
// many images use it:
//
//   - unpacked snapshots, one per chain ID, each its own usage (the image
//     history's sizes: the engine asks the snapshotter for the usage of
//     each chain ID);
//   - content-store blobs, by digest: the index, the manifests, the
//     configs and the compressed layers.
//
// The engine's df images SIZE (LayersSize) is exactly that sum over the
// listed images, and deleting images frees the snapshots and blobs no
// remaining image references (containerd's garbage collector removes
// them; what the build cache still leases is BuildKit's, see
// HeldByBuildCache).
//
// The API names every snapshot (chain IDs from the diff IDs, sizes from
// the history) but no blob: the image list (manifests=1) gives each
// manifest's content total, and SharedSize (disk usage) the bytes of the
// image's snapshots and blobs that another listed image also references.
// bilge splits each image's content into
//
//   - shared blob groups: the blobs of layers (by diff ID) that the same
//     set of images share. A group's size is solved from the images'
//     SharedSize less their shared snapshots: an image whose shared
//     layers all lie in groups of known size but one gives that one;
//   - its own content: the rest (manifest, config, index and layers no
//     other image has), freed with the image alone.
//
// This assumes images that share a layer share its blob, which holds when
// the blob came from the same place (a base pulled or loaded once, builds
// FROM it, commits on it). When the equations do not fit (the same layer
// stored as two blobs: compressed differently by two imports, or a config
// shared by two manifests) the image's figure is not guessed: its units
// stay unknown and what deleting it frees is pending.

// Snapshots no diff ID names. The engine's df walks each image's
// snapshot chain by parent from its top chain ID (daemon/containerd/
// service.go ImageDiskUsage), and a committed container's image has an
// ancestor there that is no layer: docker commit applies the container's
// diff onto the container's own parent, its init snapshot (/etc/hosts,
// /dev, … a few blocks; image_commit.go applyDiffLayer), not onto the
// image's chain. The history names every layer's own usage, the list's
// unpacked size the whole walk (SnapshotUsage): the difference, Size −
// ContentSize − the layers, is those ancestors. They are a unit of the
// image, keyed by its top chain ID, less what an image it extends (its
// top chain is one of this one's) has below that; images built on it
// share it.

// Unit key prefixes: snapshots are keyed by their chain ID ("sha256:…").
const (
	blobGroupKey  = "blobs "   // + the group's first diff ID
	ownContentKey = "content " // + the image ID
	hiddenKey     = "below "   // + the top chain ID of the image
)

// OnContainerdStore reports a snapshot of an engine with the containerd
// image store: flagged so by the engine's reading, or with images that
// have packed content (a snapshot put together from the image list alone,
// before the flag is set, still counts right).
func (s *Snapshot) OnContainerdStore() bool {
	if s.ContainerdStore {
		return true
	}
	for i := range s.Images {
		if s.Images[i].ContentSize > 0 {
			return true
		}
	}
	return false
}

// isContentUnit reports a unit that no build-cache record holds as a
// layer's snapshot: packed content, or snapshots no diff ID names.
func isContentUnit(key string) bool {
	return strings.HasPrefix(key, blobGroupKey) || strings.HasPrefix(key, ownContentKey) || strings.HasPrefix(key, hiddenKey)
}

// hiddenUnits returns, by index in s.Images, the units of the snapshots
// below each image's chain that no diff ID names (see hiddenKey).
func hiddenUnits(s *Snapshot, layersOK []bool) [][]Layer {
	n := len(s.Images)
	hidden := make([]int64, n)
	top := map[string]int{}
	var order []int
	for i := range s.Images {
		img := &s.Images[i]
		if !layersOK[i] || len(img.Layers) == 0 || img.Size < 0 || img.ContentSize < 0 {
			continue
		}
		h := img.Size - img.ContentSize
		seen := map[string]bool{}
		for _, l := range img.Layers {
			if !seen[l.ChainID] {
				seen[l.ChainID] = true
				h -= l.Size
			}
		}
		if h < 0 {
			h = 0 // not unpacked, or other platforms' content: nothing hidden
		}
		hidden[i] = h
		top[img.Layers[len(img.Layers)-1].ChainID] = i
		order = append(order, i)
	}
	slices.SortStableFunc(order, func(a, b int) int { return len(s.Images[a].Layers) - len(s.Images[b].Layers) })
	units := make([][]Layer, n)
	for _, i := range order {
		ls := s.Images[i].Layers
		var below int64
		for k := len(ls) - 2; k >= 0; k-- {
			if j, ok := top[ls[k].ChainID]; ok && len(s.Images[j].Layers) == k+1 {
				units[i] = slices.Clone(units[j])
				below = hidden[j]
				break
			}
		}
		if h := hidden[i] - below; h > 0 {
			units[i] = append(units[i], Layer{ChainID: hiddenKey + ls[len(ls)-1].ChainID, Size: h})
		}
	}
	return units
}

// containerdUnits computes the content units of every image of s (by index
// in s.Images): its shared blob groups and its own content. ok[i] is false
// when the image's content cannot be split (see above); own[i] is its own
// content then 0.
func containerdUnits(s *Snapshot) (units [][]Layer, ok []bool, own []int64) {
	n := len(s.Images)
	units = make([][]Layer, n)
	ok = make([]bool, n)
	own = make([]int64, n)
	first := make(map[string]int, n)
	layersOK := make([]bool, n)
	chainCount := map[string]int{}
	diffUsers := map[string][]int{}
	for i := range s.Images {
		img := &s.Images[i]
		if _, dup := first[img.ID]; dup {
			continue
		}
		first[img.ID] = i
		if !layersKnown(img.Layers) {
			continue
		}
		layersOK[i] = true
		seenC := map[string]bool{}
		for _, l := range img.Layers {
			if !seenC[l.ChainID] {
				seenC[l.ChainID] = true
				chainCount[l.ChainID]++
			}
			if d := l.DiffID; d != "" {
				if u := diffUsers[d]; len(u) == 0 || u[len(u)-1] != i {
					diffUsers[d] = append(u, i)
				}
			}
		}
	}

	// Groups: diff IDs several images share, by the set of those images.
	groupOf := map[string]int{} // diff ID → group
	var groupKey []string
	bySig := map[string]int{}
	diffs := make([]string, 0, len(diffUsers))
	for d, u := range diffUsers {
		if len(u) > 1 {
			diffs = append(diffs, d)
		}
	}
	slices.Sort(diffs) // stable keys: the first diff ID of each group
	var sig strings.Builder
	for _, d := range diffs {
		sig.Reset()
		for _, i := range diffUsers[d] {
			sig.WriteString(strconv.Itoa(i))
			sig.WriteByte(',')
		}
		g, seen := bySig[sig.String()]
		if !seen {
			g = len(groupKey)
			bySig[sig.String()] = g
			groupKey = append(groupKey, blobGroupKey+d)
		}
		groupOf[d] = g
	}

	// One equation per image: its groups add up to its shared blobs.
	sharedBlob := make([]int64, n)
	groups := make([][]int, n)
	for i := range s.Images {
		img := &s.Images[i]
		if !layersOK[i] || img.SharedSize < 0 || img.ContentSize < 0 {
			continue
		}
		var snap int64
		seenC := map[string]bool{}
		seenG := map[int]bool{}
		for _, l := range img.Layers {
			if !seenC[l.ChainID] {
				seenC[l.ChainID] = true
				if chainCount[l.ChainID] > 1 {
					snap += l.Size
				}
			}
			if g, in := groupOf[l.DiffID]; in && !seenG[g] {
				seenG[g] = true
				groups[i] = append(groups[i], g)
			}
		}
		sb := img.SharedSize - snap
		if sb < 0 || sb > img.ContentSize {
			continue
		}
		sharedBlob[i] = sb
		ok[i] = true
	}
	size := make([]int64, len(groupKey))
	for g := range size {
		size[g] = Unknown
	}
	for progress := true; progress; {
		progress = false
		for i := range s.Images {
			if !ok[i] {
				continue
			}
			open, rest := -1, sharedBlob[i]
			for _, g := range groups[i] {
				switch {
				case size[g] >= 0:
					rest -= size[g]
				case open >= 0:
					open = -2 // two unknown: not yet
				case open == -1:
					open = g
				}
			}
			if open >= 0 && rest >= 0 {
				size[open] = rest
				progress = true
			}
		}
	}
	for i := range s.Images {
		if !ok[i] {
			continue
		}
		rest := sharedBlob[i]
		for _, g := range groups[i] {
			if size[g] < 0 {
				rest = -1
				break
			}
			rest -= size[g]
		}
		if rest != 0 {
			ok[i] = false // unsolved or does not fit
			continue
		}
		for _, g := range groups[i] {
			units[i] = append(units[i], Layer{ChainID: groupKey[g], Size: size[g]})
		}
		own[i] = s.Images[i].ContentSize - sharedBlob[i]
		units[i] = append(units[i], Layer{ChainID: ownContentKey + s.Images[i].ID, Size: own[i]})
	}
	for i, h := range hiddenUnits(s, layersOK) {
		if ok[i] {
			units[i] = append(units[i], h...)
		}
	}
	return units, ok, own
}
