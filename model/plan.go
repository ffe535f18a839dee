package model

import "sort"

// PlanItem is one deletion the worker will perform, always by ID (volumes
// by name): never by a tag that may have moved to another image.
type PlanItem struct {
	Kind Kind
	ID   string
	Name string // what the user calls it, for progress and errors
	// Stop: a running container the user confirmed stopping; it is
	// stopped, then removed. Nothing is ever removed with force.
	Stop bool
	// After lists the IDs of earlier items this one needs gone first; when
	// any of them fails, this one is skipped.
	After []string
	// Cascade marks a container the user did not mark but accepted to
	// remove because a marked image needs it gone.
	Cascade bool
}

// Plan is an ordered list of deletions, kind by kind in DeletionOrder
// (containers first), as the engine's dependencies require.
type Plan struct {
	Items []PlanItem
}

// Len is the number of deletions.
func (p Plan) Len() int { return len(p.Items) }

// OutcomeStatus is how one deletion ended.
type OutcomeStatus int

const (
	Deleted OutcomeStatus = iota // gone (or already gone)
	Failed                       // the engine refused; Err says why
	Skipped                      // not attempted: something it depends on was not deleted
	// Cancelled: not attempted because the run was cancelled (the user
	// pressed esc, or the engine stopped answering); Err says which.
	Cancelled
	// Started is a progress report, not an outcome: the item's first
	// engine call was sent; its outcome follows.
	Started
)

func (s OutcomeStatus) String() string {
	switch s {
	case Deleted:
		return "deleted"
	case Failed:
		return "failed"
	case Skipped:
		return "skipped"
	case Cancelled:
		return "cancelled"
	case Started:
		return "started"
	}
	return "?"
}

// Outcome is the result of one plan item.
type Outcome struct {
	Item   PlanItem
	Status OutcomeStatus
	Err    string
}

// PlanRequest is what the user confirmed: the marked IDs per kind and the
// answers given in the confirmation dialog.
type PlanRequest struct {
	Images, Containers, Volumes, Networks, BuildCache []string
	// Cascade adds the stopped containers that use marked images.
	Cascade bool
	// StopRunning allows removing marked running containers (the second,
	// explicit confirmation). Without it marked running containers are
	// left out of the plan.
	StopRunning bool
	// NamedVolumes allows removing marked named volumes (their own
	// confirmation). Without it they are left out.
	NamedVolumes bool
}

// NewPlan orders what the user confirmed into deletions. It only ever
// contains marked objects, plus — with Cascade — stopped containers of
// marked images that are not blocked otherwise (see ReviewImages).
// Objects no longer in the snapshot are dropped.
func NewPlan(s *Snapshot, r PlanRequest) Plan {
	var items [NumKinds][]PlanItem // per kind; the plan has them in DeletionOrder
	ctrs := make(map[string]*Container, len(s.Containers))
	for i := range s.Containers {
		ctrs[s.Containers[i].ID] = &s.Containers[i]
	}
	inPlan := map[string]bool{}
	addContainer := func(c *Container, cascade bool) {
		if inPlan[c.ID] {
			return
		}
		inPlan[c.ID] = true
		items[KindContainer] = append(items[KindContainer], PlanItem{Kind: KindContainer, ID: c.ID, Name: c.Name, Stop: c.Active(), Cascade: cascade})
	}
	for _, id := range sortedUnique(r.Containers) {
		c, ok := ctrs[id]
		if !ok || (c.Active() && !r.StopRunning) {
			continue
		}
		addContainer(c, false)
	}
	imgs := make(map[string]*Image, len(s.Images))
	for i := range s.Images {
		imgs[s.Images[i].ID] = &s.Images[i]
	}
	markedImages := sortedUnique(r.Images)
	if r.Cascade {
		// Never the stopped containers of an image that stays anyway.
		blocked := map[string]bool{}
		for _, rv := range ReviewImages(s, r) {
			blocked[rv.ID] = rv.Blocked()
		}
		for _, id := range markedImages {
			img, ok := imgs[id]
			if !ok || blocked[id] {
				continue
			}
			for _, cid := range img.Containers {
				if c, ok := ctrs[cid]; ok && !c.Active() {
					addContainer(c, true)
				}
			}
		}
	}
	// Images: children before parents (legacy builds refuse to delete a
	// parent while a child exists), each after its containers in the plan.
	var imageItems []PlanItem
	for _, id := range markedImages {
		img, ok := imgs[id]
		if !ok {
			continue
		}
		it := PlanItem{Kind: KindImage, ID: img.ID, Name: img.Name()}
		for _, cid := range img.Containers {
			if inPlan[cid] {
				it.After = append(it.After, cid)
			}
		}
		imageItems = append(imageItems, it)
	}
	at := make(map[string]int, len(imageItems))
	for i, it := range imageItems {
		at[it.ID] = i
	}
	for _, child := range imageItems {
		if i, ok := at[imgs[child.ID].ParentID]; ok {
			imageItems[i].After = append(imageItems[i].After, child.ID)
		}
	}
	items[KindImage] = orderByAfter(imageItems)

	// A volume or network goes after the planned containers that use it.
	planned := func(ctrs []string) (after []string) {
		for _, cid := range ctrs {
			if inPlan[cid] {
				after = append(after, cid)
			}
		}
		return after
	}
	vols := indexBy(s.Volumes, func(v *Volume) string { return v.Name })
	for _, name := range sortedUnique(r.Volumes) {
		v, ok := vols[name]
		if !ok || (!v.Anonymous() && !r.NamedVolumes) {
			continue
		}
		items[KindVolume] = append(items[KindVolume], PlanItem{Kind: KindVolume, ID: v.Name, Name: v.Name, After: planned(v.Containers)})
	}
	nets := indexBy(s.Networks, func(n *Network) string { return n.ID })
	for _, id := range sortedUnique(r.Networks) {
		n, ok := nets[id]
		if !ok || n.Builtin() {
			continue
		}
		items[KindNetwork] = append(items[KindNetwork], PlanItem{Kind: KindNetwork, ID: n.ID, Name: n.Name, After: planned(n.Containers)})
	}
	recs := indexBy(s.BuildCache, func(b *BuildRecord) string { return b.ID })
	for _, id := range sortedUnique(r.BuildCache) {
		if rec, ok := recs[id]; ok {
			items[KindBuildCache] = append(items[KindBuildCache], PlanItem{Kind: KindBuildCache, ID: rec.ID, Name: rec.Description})
		}
	}
	var p Plan
	for _, k := range DeletionOrder {
		p.Items = append(p.Items, items[k]...)
	}
	return p
}

func sortedUnique(ids []string) []string {
	out := append([]string(nil), ids...)
	sort.Strings(out)
	n := 0
	for i, id := range out {
		if i == 0 || id != out[n-1] {
			out[n] = id
			n++
		}
	}
	return out[:n]
}

// orderByAfter puts items after the items (of the same list) they wait for.
func orderByAfter(items []PlanItem) []PlanItem {
	idx := map[string]int{}
	for i, it := range items {
		idx[it.ID] = i
	}
	done := make([]bool, len(items))
	visiting := make([]bool, len(items))
	out := make([]PlanItem, 0, len(items))
	var visit func(i int)
	visit = func(i int) {
		if done[i] || visiting[i] {
			return
		}
		visiting[i] = true
		for _, dep := range items[i].After {
			if j, ok := idx[dep]; ok {
				visit(j)
			}
		}
		done[i] = true
		out = append(out, items[i])
	}
	for i := range items {
		visit(i)
	}
	return out
}
