package model

import (
	"fmt"
	"sort"
	"strings"
)

// ImageReview is what stands between one marked image and its deletion:
// the containers and images that use it and stay, and what cascade removes
// first or leaves because of them.
type ImageReview struct {
	ID   string
	Name string // the image's Label: untagged images by their short ID too
	// Tags are the image's tags: deleting it by ID removes every one.
	Tags []string
	// Running names the running (paused, restarting) containers that use
	// the image and stay: the engine refuses the image while they exist.
	Running []string
	// Children names the images built on this one that stay (legacy
	// builds): the engine refuses a parent while a child exists.
	Children []string
	// BlockedChildren names the marked children that cannot go themselves,
	// which keeps this one too.
	BlockedChildren []string
	// Stopped names the stopped containers that use the image and stay
	// (cascade off): the engine refuses the image while they exist.
	Stopped []string
	// Cascaded names the stopped containers cascade removes first.
	Cascaded []string
	// LeftOut names the stopped containers cascade leaves because the
	// image cannot go anyway: removing them would gain nothing.
	LeftOut []string
}

// Blocked reports an image that cannot go whatever the stopped containers
// do: something else that stays uses it.
func (r ImageReview) Blocked() bool {
	return len(r.Running) > 0 || len(r.Children) > 0 || len(r.BlockedChildren) > 0
}

// Reason says in a few words why a blocked image stays ("" if it is not
// blocked).
func (r ImageReview) Reason() string {
	var why []string
	if n := len(r.Running); n > 0 {
		why = append(why, fmt.Sprintf("used by running %s %s", pluralWord(n, "container", "containers"), strings.Join(r.Running, ", ")))
	}
	if n := len(r.Children); n > 0 {
		why = append(why, fmt.Sprintf("%s %s built on it", strings.Join(r.Children, ", "), pluralWord(n, "is", "are")))
	}
	if n := len(r.BlockedChildren); n > 0 {
		why = append(why, fmt.Sprintf("its child %s %s cannot go", pluralWord(n, "image", "images"), strings.Join(r.BlockedChildren, ", ")))
	}
	return strings.Join(why, "; ")
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// ReviewImages reviews each marked image of the request that is still in
// the snapshot, in ID order: what blocks it, and which of its stopped
// containers cascade removes or leaves. An image is blocked when a
// container that stays is running (a marked running container stays
// unless StopRunning), or when a child image stays or is blocked itself.
// Cascade never removes the stopped containers of a blocked image: the
// image would stay anyway, and those containers with it.
func ReviewImages(s *Snapshot, r PlanRequest) []ImageReview {
	ctrs := make(map[string]*Container, len(s.Containers))
	for i := range s.Containers {
		ctrs[s.Containers[i].ID] = &s.Containers[i]
	}
	imgs := make(map[string]*Image, len(s.Images))
	children := map[string][]*Image{}
	for i := range s.Images {
		img := &s.Images[i]
		imgs[img.ID] = img
		if img.ParentID != "" {
			children[img.ParentID] = append(children[img.ParentID], img)
		}
	}
	markedCtr := map[string]bool{}
	for _, id := range r.Containers {
		markedCtr[id] = true
	}
	// goes reports a container the request removes itself (not by cascade).
	goes := func(c *Container) bool {
		return markedCtr[c.ID] && (!c.Active() || r.StopRunning)
	}
	marked := map[string]bool{}
	var order []*Image
	for _, id := range sortedUnique(r.Images) {
		if img, ok := imgs[id]; ok {
			marked[id] = true
			order = append(order, img)
		}
	}
	reviews := make([]ImageReview, len(order))
	at := map[string]int{}
	for i, img := range order {
		at[img.ID] = i
		rv := ImageReview{ID: img.ID, Name: img.Label(), Tags: img.Tags}
		for _, cid := range img.Containers {
			c, ok := ctrs[cid]
			if !ok || goes(c) {
				continue
			}
			if c.Active() {
				rv.Running = append(rv.Running, c.Name)
			}
		}
		for _, ch := range children[img.ID] {
			if !marked[ch.ID] {
				rv.Children = append(rv.Children, ch.Label())
			}
		}
		sort.Strings(rv.Running)
		sort.Strings(rv.Children)
		reviews[i] = rv
	}
	// A marked child that cannot go keeps its parent: repeat until no
	// more parents turn blocked (chains are short).
	for changed := true; changed; {
		changed = false
		for i, img := range order {
			if len(reviews[i].BlockedChildren) > 0 {
				continue
			}
			var blocked []string
			for _, ch := range children[img.ID] {
				if j, ok := at[ch.ID]; ok && reviews[j].Blocked() {
					blocked = append(blocked, ch.Label())
				}
			}
			if len(blocked) > 0 {
				sort.Strings(blocked)
				reviews[i].BlockedChildren = blocked
				changed = true
			}
		}
	}
	for i, img := range order {
		rv := &reviews[i]
		for _, cid := range img.Containers {
			c, ok := ctrs[cid]
			if !ok || c.Active() || goes(c) {
				continue
			}
			switch {
			case !r.Cascade:
				rv.Stopped = append(rv.Stopped, c.Name)
			case rv.Blocked():
				rv.LeftOut = append(rv.LeftOut, c.Name)
			default:
				rv.Cascaded = append(rv.Cascaded, c.Name)
			}
		}
		sort.Strings(rv.Stopped)
		sort.Strings(rv.LeftOut)
		sort.Strings(rv.Cascaded)
	}
	return reviews
}

// Blockers is everything that keeps the image in one line: what blocks it
// and, without cascade, its stopped containers ("" when nothing does).
func (r ImageReview) Blockers() string {
	why := r.Reason()
	if len(r.Stopped) > 0 {
		if why != "" {
			why += "; "
		}
		why += fmt.Sprintf("used by stopped %s %s", pluralWord(len(r.Stopped), "container", "containers"), strings.Join(r.Stopped, ", "))
	}
	return why
}

// ChangeKind is how one object of a plan changed between two reviews.
type ChangeKind int

const (
	ChangeAdded   ChangeKind = iota // now in the plan
	ChangeRemoved                   // no longer in the plan
	ChangeRenamed                   // same ID, another name (a tag moved)
	ChangeRunning                   // a container now runs (it will be stopped first)
	ChangeStopped                   // a container no longer runs
	ChangeBlocked                   // what keeps an image changed (Was, Now)
)

// PlanChange is one difference between the plan a user saw and the plan
// for the same answers now.
type PlanChange struct {
	Change ChangeKind
	Kind   Kind
	ID     string
	Name   string
	// Was and Now: the old name (ChangeRenamed), or what blocked the image
	// before and now (ChangeBlocked, "" for nothing).
	Was, Now string
	// Cascade: the item comes (or came) in by cascade.
	Cascade bool
}

// DiffPlans lists what differs between the plan (and image reviews) a
// user saw and those computed now: objects added or removed, renamed
// (same ID, its tag moved), containers that started or stopped, images
// blocked, unblocked or blocked otherwise. Added first, in the new plan's
// order; then the rest in the old plan's order.
func DiffPlans(old, cur Plan, oldRev, curRev []ImageReview) []PlanChange {
	type key struct {
		k  Kind
		id string
	}
	was := make(map[key]PlanItem, len(old.Items))
	for _, it := range old.Items {
		was[key{it.Kind, it.ID}] = it
	}
	now := make(map[key]PlanItem, len(cur.Items))
	var out []PlanChange
	for _, it := range cur.Items {
		now[key{it.Kind, it.ID}] = it
		if _, ok := was[key{it.Kind, it.ID}]; !ok {
			out = append(out, PlanChange{Change: ChangeAdded, Kind: it.Kind, ID: it.ID, Name: it.Name, Cascade: it.Cascade})
		}
	}
	for _, o := range old.Items {
		n, ok := now[key{o.Kind, o.ID}]
		switch {
		case !ok:
			out = append(out, PlanChange{Change: ChangeRemoved, Kind: o.Kind, ID: o.ID, Name: o.Name, Cascade: o.Cascade})
			continue
		case n.Name != o.Name:
			out = append(out, PlanChange{Change: ChangeRenamed, Kind: o.Kind, ID: o.ID, Name: n.Name, Was: o.Name})
		}
		if o.Kind == KindContainer && n.Stop != o.Stop {
			c := ChangeRunning
			if !n.Stop {
				c = ChangeStopped
			}
			out = append(out, PlanChange{Change: c, Kind: o.Kind, ID: o.ID, Name: n.Name})
		}
	}
	before := make(map[string]string, len(oldRev))
	for _, r := range oldRev {
		before[r.ID] = r.Blockers()
	}
	for _, r := range curRev {
		b, ok := before[r.ID]
		if ok && b != r.Blockers() {
			out = append(out, PlanChange{Change: ChangeBlocked, Kind: KindImage, ID: r.ID, Name: r.Name, Was: b, Now: r.Blockers()})
		}
	}
	return out
}

// PlanReview is everything the confirmation of a request shows: the plan
// and what it frees, what needs a question of its own, and what the engine
// will refuse, keep or break.
type PlanReview struct {
	// Request is the request the plan is for: the one reviewed less the
	// Refused volumes.
	Request PlanRequest
	Plan    Plan
	// Reclaim is what the plan's deletions free, exactly; its
	// HeldByBuildCache is the part of the images' bytes that stays in the
	// build cache until that is pruned.
	Reclaim Reclaim
	// Running names the marked containers that run (paused, restarting):
	// they go only if the user confirms stopping them. Marked order.
	Running []string
	// Named names the marked named volumes the plan may remove (not
	// Refused): their data goes only if the user confirms. Marked order.
	Named []string
	// Refused are the marked named volumes a container that stays mounts:
	// the engine would refuse them, so they are left out of the plan and
	// of the named-volume question. By name.
	Refused []RefusedVolume
	// InUse are the plan's build-cache records a build holds: the engine
	// keeps them.
	InUse []PlanItem
	// BusyNetworks names the marked networks a running (paused,
	// restarting) container that stays is attached to: the engine refuses
	// them. IdleNetworks names those only stopped containers that stay are
	// attached to: the engine removes them, and those containers then fail
	// to start. Snapshot order.
	BusyNetworks, IdleNetworks []string
	// KeptNetworks are, on an engine where stopped containers keep their
	// networks in use (Engine.StoppedUseNetworks: Podman), the marked
	// networks only stopped containers that stay are attached to: the
	// deletion keeps them (dockerapi checks just before it), where
	// Docker's engine would remove them (IdleNetworks). Snapshot order.
	KeptNetworks []string
	// Mounted are the plan's volumes a container that stays mounts (the
	// engine refuses them), from Reclaim.Blocked.
	Mounted []string
	// Images reviews each marked image (ReviewImages).
	Images []ImageReview
	// StoppedUsers counts the stopped containers of marked images: what
	// cascade can add (or adds).
	StoppedUsers int
}

// RefusedVolume is a marked named volume that containers that stay mount.
type RefusedVolume struct {
	Name string
	By   []string // the names of those containers, sorted
}

// Review reviews what the user marked with the answers given so far (the
// request): the plan for it and everything that stands in its way. ix is
// the snapshot's reclaim index.
func Review(s *Snapshot, ix *ReclaimIndex, req PlanRequest) PlanReview {
	ctrs := make(map[string]*Container, len(s.Containers))
	for i := range s.Containers {
		ctrs[s.Containers[i].ID] = &s.Containers[i]
	}
	vols := make(map[string]*Volume, len(s.Volumes))
	for i := range s.Volumes {
		vols[s.Volumes[i].Name] = &s.Volumes[i]
	}
	r := PlanReview{Request: req, Plan: NewPlan(s, req)}
	// Which containers go does not depend on the volumes: the named
	// volumes a container that stays mounts are known from this plan.
	going := goingContainers(r.Plan)
	refused := map[string]bool{}
	for _, name := range sortedUnique(req.Volumes) {
		v, ok := vols[name]
		if !ok || v.Anonymous() {
			continue
		}
		var by []string
		for _, id := range v.Containers {
			if c, ok := ctrs[id]; ok && !going[id] {
				by = append(by, c.Name)
			}
		}
		if len(by) > 0 {
			sort.Strings(by)
			r.Refused = append(r.Refused, RefusedVolume{Name: name, By: by})
			refused[name] = true
		}
	}
	if len(refused) > 0 {
		kept := make([]string, 0, len(req.Volumes))
		for _, v := range req.Volumes {
			if !refused[v] {
				kept = append(kept, v)
			}
		}
		r.Request.Volumes = kept
		r.Plan = NewPlan(s, r.Request)
	}
	// What the plan deletes, as marks, for the exact figure.
	pm := NewMarks()
	for _, it := range r.Plan.Items {
		pm.Set(it.Kind, it.ID, true)
	}
	r.Reclaim = ix.Compute(pm)

	for _, id := range sortedUnique(req.Containers) {
		if c, ok := ctrs[id]; ok && c.Active() {
			r.Running = append(r.Running, c.Name)
		}
	}
	for _, name := range sortedUnique(req.Volumes) {
		if v, ok := vols[name]; ok && !v.Anonymous() && !refused[name] {
			r.Named = append(r.Named, name)
		}
	}
	inUse := map[string]bool{}
	for i := range s.BuildCache {
		if rec := &s.BuildCache[i]; rec.InUse {
			inUse[rec.ID] = true
		}
	}
	for _, it := range r.Plan.Items {
		if it.Kind == KindBuildCache && inUse[it.ID] {
			r.InUse = append(r.InUse, it)
		}
	}
	r.BusyNetworks, r.IdleNetworks = attachedNetworks(s, req.Networks, going, ctrs)
	if s.Engine.StoppedUseNetworks {
		r.KeptNetworks, r.IdleNetworks = r.IdleNetworks, nil
	}
	for _, b := range r.Reclaim.Blocked {
		if b.Kind == KindVolume && len(b.By) > 0 {
			r.Mounted = append(r.Mounted, b.ID)
		}
	}
	r.Images = ReviewImages(s, r.Request)
	for _, rv := range r.Images {
		r.StoppedUsers += len(rv.Stopped) + len(rv.Cascaded) + len(rv.LeftOut)
	}
	return r
}

// goingContainers are the containers a plan removes.
func goingContainers(p Plan) map[string]bool {
	going := map[string]bool{}
	for _, it := range p.Items {
		if it.Kind == KindContainer {
			going[it.ID] = true
		}
	}
	return going
}

// attachedNetworks names the marked networks that containers that stay
// are attached to: busy when one of them runs (the engine refuses the
// network: "has active endpoints"), idle when all are stopped (the engine
// removes it from under them).
func attachedNetworks(s *Snapshot, marked []string, going map[string]bool, ctrs map[string]*Container) (busy, idle []string) {
	want := make(map[string]bool, len(marked))
	for _, id := range marked {
		want[id] = true
	}
	for i := range s.Networks {
		n := &s.Networks[i]
		if !want[n.ID] {
			continue
		}
		running, stopped := false, false
		for _, cid := range n.Containers {
			c := ctrs[cid]
			if c == nil || going[cid] {
				continue
			}
			if c.Active() {
				running = true
			} else {
				stopped = true
			}
		}
		switch {
		case running:
			busy = append(busy, n.Name)
		case stopped:
			idle = append(idle, n.Name)
		}
	}
	return busy, idle
}
