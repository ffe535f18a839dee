package model

import "time"

// Preset is one prune preset: it mirrors a docker prune command, and Marks
// gives exactly what that command would remove on a state, for the user
// to review and edit before anything is deleted.
type Preset struct {
	Key   string // the key that picks it in the menu
	Title string // what it marks; N stands for the age when NeedsAge
	// Docker is the command it mirrors; until=N stands for the age.
	Docker string
	// Kind is the kind it removes, -1 when it removes several.
	Kind Kind
	// NeedsAge: it takes an age ("older than N"), an until filter.
	NeedsAge bool
	// pick marks what the command removes; until is now less the age.
	pick func(s *Snapshot, ix *ReclaimIndex, until time.Time) *Marks
}

// Presets are the prune presets in menu order.
var Presets = []Preset{
	{"1", "dangling images", "docker image prune", KindImage, false,
		pruned(KindImage, func(ix *ReclaimIndex) (Reclaim, []string) { return ix.PruneImages(false) })},
	{"2", "unused images", "docker image prune -a", KindImage, false,
		pruned(KindImage, func(ix *ReclaimIndex) (Reclaim, []string) { return ix.PruneImages(true) })},
	{"3", "unused images older than N", "docker image prune -a --filter until=N", KindImage, true,
		prunedUntil(KindImage, (*ReclaimIndex).pruneImagesUntil)},
	{"4", "stopped containers", "docker container prune", KindContainer, false,
		pruned(KindContainer, (*ReclaimIndex).PruneContainers)},
	{"5", "unused anonymous volumes", "docker volume prune", KindVolume, false,
		pruned(KindVolume, func(ix *ReclaimIndex) (Reclaim, []string) { return ix.PruneVolumes(false) })},
	{"6", "all unused volumes", "docker volume prune -a", KindVolume, false,
		pruned(KindVolume, func(ix *ReclaimIndex) (Reclaim, []string) { return ix.PruneVolumes(true) })},
	{"7", "unused networks", "docker network prune", KindNetwork, false,
		pruned(KindNetwork, func(ix *ReclaimIndex) (Reclaim, []string) { return Reclaim{}, ix.PruneNetworks() })},
	{"8", "all build cache", "docker builder prune -a", KindBuildCache, false,
		pruned(KindBuildCache, (*ReclaimIndex).PruneBuildCache)},
	{"9", "build cache unused for N", "docker builder prune -a --filter until=N", KindBuildCache, true,
		prunedUntil(KindBuildCache, func(_ *ReclaimIndex, s *Snapshot, until time.Time) []string { return pruneBuildCacheUntil(s, until) })},
	{"0", "everything unused", "docker system prune -a --volumes", -1, false,
		func(_ *Snapshot, ix *ReclaimIndex, _ time.Time) *Marks {
			_, m := ix.PruneSystem(true)
			return m
		}},
}

// pruned is a preset's pick from one of docker's prune rules, which
// removes objects of kind k.
func pruned(k Kind, rule func(*ReclaimIndex) (Reclaim, []string)) func(*Snapshot, *ReclaimIndex, time.Time) *Marks {
	return func(_ *Snapshot, ix *ReclaimIndex, _ time.Time) *Marks {
		_, ids := rule(ix)
		return marksOf(k, ids)
	}
}

// prunedUntil is a preset's pick from a prune rule with an until filter.
func prunedUntil(k Kind, rule func(*ReclaimIndex, *Snapshot, time.Time) []string) func(*Snapshot, *ReclaimIndex, time.Time) *Marks {
	return func(s *Snapshot, ix *ReclaimIndex, until time.Time) *Marks {
		return marksOf(k, rule(ix, s, until))
	}
}

// Marks is what the preset's command would remove on the snapshot (ix is
// its index) and what that frees. age is the until filter's, counted back
// from now; presets without NeedsAge ignore it.
func (p Preset) Marks(s *Snapshot, ix *ReclaimIndex, now time.Time, age time.Duration) (*Marks, Reclaim) {
	m := p.pick(s, ix, now.Add(-age))
	return m, ix.Compute(m)
}

func marksOf(k Kind, ids []string) *Marks {
	m := NewMarks()
	for _, id := range ids {
		m.Set(k, id, true)
	}
	return m
}

// pruneImagesUntil is `docker image prune -a --filter until=T`: as
// PruneImages(true), but an image created after T (or with no creation
// time) stays, and so do its ancestors (the engine skips an untagged
// parent that still has a child).
func (ix *ReclaimIndex) pruneImagesUntil(s *Snapshot, until time.Time) []string {
	young := make([]bool, len(ix.imgs))
	for i := range s.Images {
		img := &s.Images[i]
		if j, ok := ix.imgByID[img.ID]; ok && (img.Created.IsZero() || img.Created.After(until)) {
			young[j] = true
		}
	}
	var ids []string
	for i, g := range ix.pruneImages(true, func(int32) bool { return false }, young) {
		if g {
			ids = append(ids, ix.imgs[i].id)
		}
	}
	return ids
}

// pruneBuildCacheUntil is `docker builder prune -a --filter until=T`:
// every record not in use and not used after T. BuildKit prunes a record
// it has no last use for whatever its age (cache/manager.go: only a
// lastUsedAt after the cut-off keeps one).
func pruneBuildCacheUntil(s *Snapshot, until time.Time) []string {
	var ids []string
	for i := range s.BuildCache {
		if r := &s.BuildCache[i]; !r.InUse && !r.LastUsed.After(until) {
			ids = append(ids, r.ID)
		}
	}
	return ids
}
