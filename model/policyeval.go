package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// PolicyItem is one object a policy removes.
type PolicyItem struct {
	Kind Kind
	ID   string // volume name for volumes
	Name string
	// Rule is the title of the rule (or budget) that selected it.
	Rule string
	// Bytes is what the item adds to the plan's total when the items are
	// counted in plan order, exactly (an image sharing a layer only with
	// images later in the plan adds nothing; the last of them adds the
	// layer): the items' Bytes add up to PolicyPlan.Reclaim.Total.
	Bytes int64
	// Cascade is never set: a policy never removes a container its rules
	// did not select.
}

// Held is an object a rule selected that stays, and why.
type Held struct {
	Kind   Kind
	ID     string
	Name   string
	Rule   string
	Reason string
}

// BudgetResult is how a budget (max-size, min-free) fares under the plan.
type BudgetResult struct {
	Name  string // "max-size 20GB"
	Limit int64
	// Before is Docker's total (max-size) or the free space (min-free)
	// now; After is what the plan predicts.
	Before, After int64
	// Met reports that the budget holds after the plan (or held already).
	Met bool
	// Why, when not met or not checked, says so in one line.
	Why string
}

// PolicyPlan is a policy evaluated against one snapshot.
type PolicyPlan struct {
	// Items are in plan (deletion) order: containers, images, volumes,
	// networks, build cache.
	Items []PolicyItem
	Marks *Marks
	// Reclaim is ix.Compute(Marks): the exact bytes.
	Reclaim Reclaim
	// Plan is what the deletion worker runs: by ID, nothing forced,
	// nothing but Items.
	Plan    Plan
	Held    []Held
	Budgets []BudgetResult
}

// RuleOf is the rule that selected an item of the plan ("" for an object
// not in it): the seam a deletions log reads when outcomes come back.
func (pp *PolicyPlan) RuleOf(k Kind, id string) string {
	for i := range pp.Items {
		if it := &pp.Items[i]; it.Kind == k && it.ID == id {
			return it.Rule
		}
	}
	return ""
}

// Rules maps each item (by kind and ID) to its rule, for many look-ups.
func (pp *PolicyPlan) Rules() map[PlanKey]string {
	m := make(map[PlanKey]string, len(pp.Items))
	for _, it := range pp.Items {
		m[PlanKey{it.Kind, it.ID}] = it.Rule
	}
	return m
}

// PlanKey names a plan item.
type PlanKey struct {
	Kind Kind
	ID   string
}

// Evaluate applies the policy to a snapshot with disk usage and layers
// (see EvaluateFree; min-free is then reported as not checked).
func (p Policy) Evaluate(s *Snapshot, ix *ReclaimIndex, now time.Time) PolicyPlan {
	return p.EvaluateFree(s, ix, now, Unknown)
}

// EvaluateFree applies the policy: each rule in order selects the objects
// it matches that no earlier rule took; an object a protection covers is
// held instead (protections always win); then budgets add unused images,
// least recently used first, until they hold. free is the free space on
// the filesystem of the engine's data root (Unknown when bilge cannot see
// it: min-free is then not checked). In use means, at the snapshot: an
// image any container (any state) uses, a volume any container mounts or
// the engine counts a reference to, a network with a container attached,
// a build-cache record the engine reports in use. A container the plan
// removes still counts as using its image, volumes and networks in this
// run (as a separate docker container prune then image prune would see
// them): the next run finds them unused.
func (p Policy) EvaluateFree(s *Snapshot, ix *ReclaimIndex, now time.Time, free int64) PolicyPlan {
	e := newEvaluation(p, s, now)
	for _, r := range p.Rules {
		e.apply(r)
	}
	e.keepParents()
	pp := PolicyPlan{Marks: e.marks}
	pp.Budgets = e.budgets(ix, free)
	e.keepParents()
	pp.Held = e.held
	pp.Plan = NewPlan(s, PlanRequest{
		Images:       e.marks.IDs(KindImage),
		Containers:   e.marks.IDs(KindContainer),
		Volumes:      e.marks.IDs(KindVolume),
		Networks:     e.marks.IDs(KindNetwork),
		BuildCache:   e.marks.IDs(KindBuildCache),
		NamedVolumes: true, // a rule named them
	})
	t := ix.Tally()
	prev := int64(0)
	for _, it := range pp.Plan.Items {
		t.Set(it.Kind, it.ID, true)
		total := t.Result().Total
		pp.Items = append(pp.Items, PolicyItem{Kind: it.Kind, ID: it.ID, Name: it.Name, Rule: e.rule[PlanKey{it.Kind, it.ID}], Bytes: total - prev})
		prev = total
	}
	pp.Reclaim = ix.Compute(e.marks)
	return pp
}

// evaluation is the state of one Evaluate.
type evaluation struct {
	p    Policy
	s    *Snapshot
	now  time.Time
	ctrs map[string]*Container
	imgs map[string]*Image
	// users are the containers using each image, volume (by name) and
	// network: those the objects list and those whose own fields name
	// them (the two agree on any engine; a hostile one gets the union).
	users map[PlanKey][]string
	last  map[string]string // image ID → the repository keep-last keeps it for
	marks *Marks
	rule  map[PlanKey]string
	seen  map[PlanKey]bool // selected or held
	held  []Held
}

func newEvaluation(p Policy, s *Snapshot, now time.Time) *evaluation {
	e := &evaluation{p: p, s: s, now: now, marks: NewMarks(), rule: map[PlanKey]string{}, seen: map[PlanKey]bool{}}
	e.ctrs = make(map[string]*Container, len(s.Containers))
	for i := range s.Containers {
		e.ctrs[s.Containers[i].ID] = &s.Containers[i]
	}
	e.imgs = make(map[string]*Image, len(s.Images))
	for i := range s.Images {
		e.imgs[s.Images[i].ID] = &s.Images[i]
	}
	e.last = keepLast(s.Images, p.Keep.Last)
	e.users = map[PlanKey][]string{}
	// Each user once, in the order first seen (a set beside the lists:
	// every container on the default bridge would make a search of the
	// list quadratic).
	type user struct {
		PlanKey
		ctr string
	}
	seen := map[user]struct{}{}
	use := func(k Kind, id, ctr string) {
		u := user{PlanKey{k, id}, ctr}
		if _, dup := seen[u]; !dup {
			seen[u] = struct{}{}
			e.users[u.PlanKey] = append(e.users[u.PlanKey], ctr)
		}
	}
	for i := range s.Containers {
		c := &s.Containers[i]
		use(KindImage, c.ImageID, c.ID)
		for _, m := range c.Mounts {
			if m.Type == "volume" {
				use(KindVolume, m.Name, c.ID)
			}
		}
		for _, n := range c.Networks {
			use(KindNetwork, n, c.ID)
		}
	}
	for i := range s.Images {
		for _, c := range s.Images[i].Containers {
			use(KindImage, s.Images[i].ID, c)
		}
	}
	for i := range s.Volumes {
		for _, c := range s.Volumes[i].Containers {
			use(KindVolume, s.Volumes[i].Name, c)
		}
	}
	for i := range s.Networks {
		for _, c := range s.Networks[i].Containers {
			use(KindNetwork, s.Networks[i].ID, c)
		}
	}
	return e
}

// keepLast is, for each image keep-last protects, a repository it is one
// of the newest n of.
func keepLast(imgs []Image, n int) map[string]string {
	out := map[string]string{}
	if n <= 0 {
		return out
	}
	repos := map[string][]*Image{}
	for i := range imgs {
		seen := map[string]bool{}
		for _, t := range imgs[i].Tags {
			if r := RepoOf(t); !seen[r] {
				seen[r] = true
				repos[r] = append(repos[r], &imgs[i])
			}
		}
	}
	names := make([]string, 0, len(repos))
	for r := range repos {
		names = append(names, r)
	}
	sort.Strings(names)
	for _, r := range names {
		list := repos[r]
		sort.SliceStable(list, func(a, b int) bool {
			if !list[a].Created.Equal(list[b].Created) {
				return list[a].Created.After(list[b].Created)
			}
			return list[a].ID < list[b].ID
		})
		for _, img := range list[:min(n, len(list))] {
			if _, ok := out[img.ID]; !ok {
				out[img.ID] = r
			}
		}
	}
	return out
}

func (e *evaluation) older(t time.Time, d time.Duration) bool {
	return d <= 0 || t.Before(e.now.Add(-d))
}

// take records what a rule matched: selected, or held when reason is set.
func (e *evaluation) take(k Kind, id, name string, r Rule, reason string) {
	key := PlanKey{k, id}
	if e.seen[key] {
		return
	}
	e.seen[key] = true
	if reason != "" {
		e.held = append(e.held, Held{Kind: k, ID: id, Name: name, Rule: r.Title(), Reason: reason})
		return
	}
	e.marks.Set(k, id, true)
	e.rule[key] = r.Title()
}

func (e *evaluation) apply(r Rule) {
	switch r.Kind {
	case RuleDangling, RuleImages:
		for i := range e.s.Images {
			img := &e.s.Images[i]
			if e.imageMatches(img, r) {
				e.take(KindImage, img.ID, img.Name(), r, e.imageKept(img))
			}
		}
	case RuleContainers:
		for i := range e.s.Containers {
			c := &e.s.Containers[i]
			if !stopped(c) || !allLabels(r.Labels, c.Labels) {
				continue
			}
			at, known := c.StoppedAt()
			if !known && !c.Created.IsZero() {
				// Created within the age, it stopped within it too (the
				// times that are not known are not asked for: NeedsTimes).
				at, known = c.Created, !e.older(c.Created, r.Older)
			}
			if known && !e.older(at, r.Older) {
				continue
			}
			reason := e.labelKept(c.Labels)
			if reason == "" && r.Older > 0 && !known {
				reason = "when it stopped is not known"
			}
			e.take(KindContainer, c.ID, c.Name, r, reason)
		}
	case RuleVolumes:
		for i := range e.s.Volumes {
			v := &e.s.Volumes[i]
			if e.volumeMatches(v, r) {
				e.take(KindVolume, v.Name, v.Name, r, e.volumeKept(v))
			}
		}
	case RuleNetworks:
		for i := range e.s.Networks {
			n := &e.s.Networks[i]
			if n.Builtin() || !allLabels(r.Labels, n.Labels) || !e.older(n.Created, r.Older) {
				continue
			}
			reason := e.labelKept(n.Labels)
			if users := e.users[PlanKey{KindNetwork, n.ID}]; reason == "" && len(users) > 0 {
				reason = fmt.Sprintf("in use: %d container(s) attached", len(users))
			}
			e.take(KindNetwork, n.ID, n.Name, r, reason)
		}
	case RuleBuildCache:
		for i := range e.s.BuildCache {
			rec := &e.s.BuildCache[i]
			if e.older(recordUsed(rec), r.Older) {
				e.take(KindBuildCache, rec.ID, rec.Description, r, recordKept(rec))
			}
		}
	case RuleBuildCacheBudget:
		e.buildCacheBudget(r)
	}
}

func stopped(c *Container) bool {
	switch c.State {
	case StateExited, StateCreated, StateDead:
		return true
	}
	return false
}

func recordUsed(r *BuildRecord) time.Time {
	if r.LastUsed.IsZero() {
		return r.Created
	}
	return r.LastUsed
}

func recordKept(r *BuildRecord) string {
	if r.InUse {
		return "in use by a build"
	}
	return ""
}

func (e *evaluation) imageMatches(img *Image, r Rule) bool {
	if r.Kind == RuleDangling && !img.Dangling() {
		return false
	}
	if len(r.Match) > 0 {
		if _, ok := anyPattern(r.Match, img.Tags); !ok {
			return false
		}
	}
	return allLabels(r.Labels, img.Labels) && e.older(e.s.LastUsed(img, e.ctrs), r.Older)
}

func (e *evaluation) labelKept(labels map[string]string) string {
	if l, ok := anyLabel(e.p.Keep.Labels, labels); ok {
		return "keep label " + l.String()
	}
	return ""
}

// imageKept says which protection keeps the image ("" for none).
func (e *evaluation) imageKept(img *Image) string {
	if users := e.users[PlanKey{KindImage, img.ID}]; len(users) > 0 {
		n := len(users)
		name := ShortID(users[0])
		if c := e.ctrs[users[0]]; c != nil && c.Name != "" {
			name = c.Name
		}
		if n == 1 {
			return "in use by container " + name
		}
		return fmt.Sprintf("in use by container %s and %d more", name, n-1)
	}
	if r := e.labelKept(img.Labels); r != "" {
		return r
	}
	if p, ok := anyPattern(e.p.Keep.Refs, img.Tags); ok {
		return "keep " + p.String()
	}
	if repo, ok := e.last[img.ID]; ok {
		return fmt.Sprintf("keep-last %d of %s", e.p.Keep.Last, repo)
	}
	if w := e.p.Keep.UsedWithin; w > 0 {
		if used := e.s.LastUsed(img, e.ctrs); !e.older(used, w) {
			return "used within " + FormatAge(w)
		}
	}
	return ""
}

func (e *evaluation) volumeMatches(v *Volume, r Rule) bool {
	if len(r.Match) > 0 {
		if !slices.ContainsFunc(r.Match, func(p Pattern) bool { return p.MatchName(v.Name) }) {
			return false
		}
	} else if !v.Anonymous() {
		return false
	}
	return allLabels(r.Labels, v.Labels) && e.older(v.Created, r.Older)
}

func (e *evaluation) volumeKept(v *Volume) string {
	if r := e.labelKept(v.Labels); r != "" {
		return r
	}
	switch users := e.users[PlanKey{KindVolume, v.Name}]; {
	case len(users) > 0:
		return fmt.Sprintf("in use: mounted by %d container(s)", len(users))
	case v.RefCount > 0:
		return "in use: the engine counts references to it"
	}
	return ""
}

// keepParents holds every selected image that is an ancestor of an image
// that stays: the engine refuses to delete a parent while a child exists.
func (e *evaluation) keepParents() {
	for i := range e.s.Images {
		img := &e.s.Images[i]
		if e.marks.Has(KindImage, img.ID) {
			continue
		}
		for p, hops := e.imgs[img.ParentID], 0; p != nil && hops < len(e.s.Images); p, hops = e.imgs[p.ParentID], hops+1 {
			if e.marks.Has(KindImage, p.ID) {
				e.marks.Set(KindImage, p.ID, false)
				e.held = append(e.held, Held{Kind: KindImage, ID: p.ID, Name: p.Name(), Rule: e.rule[PlanKey{KindImage, p.ID}],
					Reason: "parent of image " + img.Name() + ", which stays"})
				delete(e.rule, PlanKey{KindImage, p.ID})
			}
		}
	}
}

// buildCacheBudget selects unused records, least recently used first,
// until the build cache's size (df's: records not shared) is within the
// rule's KeepStorage.
func (e *evaluation) buildCacheBudget(r Rule) {
	var size int64
	var cands []*BuildRecord
	for i := range e.s.BuildCache {
		rec := &e.s.BuildCache[i]
		if rec.Shared || rec.Size < 0 {
			continue
		}
		if e.marks.Has(KindBuildCache, rec.ID) {
			continue // an earlier rule removes it already
		}
		size += rec.Size
		if !rec.InUse && !e.seen[PlanKey{KindBuildCache, rec.ID}] {
			cands = append(cands, rec)
		}
	}
	sort.SliceStable(cands, func(a, b int) bool {
		ta, tb := recordUsed(cands[a]), recordUsed(cands[b])
		if !ta.Equal(tb) {
			return ta.Before(tb)
		}
		return cands[a].ID < cands[b].ID
	})
	for _, rec := range cands {
		if size <= r.KeepStorage {
			break
		}
		e.take(KindBuildCache, rec.ID, rec.Description, r, "")
		size -= rec.Size
	}
}

// dockerTotal is Docker's total on disk, each byte once.
func dockerTotal(s *Snapshot) int64 {
	var t int64
	for _, k := range []Kind{KindImage, KindContainer, KindVolume, KindBuildCache} {
		if n := s.OnDisk(k); n > 0 {
			t += n
		}
	}
	return t
}

// budgets applies max-size and min-free in turn.
func (e *evaluation) budgets(ix *ReclaimIndex, free int64) []BudgetResult {
	var out []BudgetResult
	if e.p.MaxSize > 0 {
		total := dockerTotal(e.s)
		b := BudgetResult{Name: "max-size " + HumanSize(e.p.MaxSize), Limit: e.p.MaxSize, Before: total}
		freed := e.fitBudget(ix, b.Name, total-e.p.MaxSize)
		b.After = total - freed
		b.Met = b.After <= b.Limit
		if !b.Met {
			b.Why = fmt.Sprintf("no plan can reach it: deleting every unused image that no protection keeps leaves %s, %s over", HumanSize(b.After), HumanSize(b.After-b.Limit))
		}
		out = append(out, b)
	}
	if e.p.MinFree > 0 {
		b := BudgetResult{Name: "min-free " + HumanSize(e.p.MinFree), Limit: e.p.MinFree, Before: free}
		if free < 0 {
			b.Why = "not checked: bilge cannot see the filesystem of the engine's data root (a remote engine, or no access to it)"
			b.After = Unknown
		} else {
			freed := e.fitBudget(ix, b.Name, e.p.MinFree-free)
			b.After = free + freed
			b.Met = b.After >= b.Limit
			if !b.Met {
				b.Why = fmt.Sprintf("no plan can reach it: deleting every unused image that no protection keeps leaves %s free, %s short", HumanSize(b.After), HumanSize(b.Limit-b.After))
			}
		}
		out = append(out, b)
	}
	return out
}

// fitBudget adds unused images, least recently used first, until the plan
// frees need bytes (what it frees already counts), then drops again those
// the target does not need, most recently used first: the fewest, oldest
// images that reach it, each counted exactly (an image whose layers an
// image that stays shares frees only what it alone holds). It returns
// what the whole plan frees.
func (e *evaluation) fitBudget(ix *ReclaimIndex, name string, need int64) int64 {
	t := ix.TallyOf(e.marks)
	if need <= 0 || t.Result().Total >= need {
		return t.Result().Total
	}
	parents := map[string]bool{}
	for i := range e.s.Images {
		if img := &e.s.Images[i]; img.ParentID != "" && !e.marks.Has(KindImage, img.ID) {
			parents[img.ParentID] = true
		}
	}
	type cand struct {
		img  *Image
		used time.Time
	}
	var cands []cand
	for i := range e.s.Images {
		img := &e.s.Images[i]
		if e.marks.Has(KindImage, img.ID) || parents[img.ID] || e.imageKept(img) != "" {
			continue
		}
		cands = append(cands, cand{img, e.s.LastUsed(img, e.ctrs)})
	}
	sort.SliceStable(cands, func(a, b int) bool {
		if !cands[a].used.Equal(cands[b].used) {
			return cands[a].used.Before(cands[b].used)
		}
		return cands[a].img.ID < cands[b].img.ID
	})
	var added []*Image
	for _, c := range cands {
		if t.Result().Total >= need {
			break
		}
		t.Set(KindImage, c.img.ID, true)
		added = append(added, c.img)
	}
	if t.Result().Total >= need {
		for i := len(added) - 1; i >= 0; i-- {
			t.Set(KindImage, added[i].ID, false)
			if t.Result().Total >= need {
				added = slices.Delete(added, i, i+1)
				continue
			}
			t.Set(KindImage, added[i].ID, true)
		}
	}
	for _, img := range added {
		key := PlanKey{KindImage, img.ID}
		e.seen[key] = true
		e.marks.Set(KindImage, img.ID, true)
		e.rule[key] = name
	}
	return t.Result().Total
}

// Summary is the plan's one-line total: "12 items, frees 3.2GB".
func (pp *PolicyPlan) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d to delete, frees %s", len(pp.Items), HumanSize(pp.Reclaim.Total))
	if pp.Reclaim.Pending {
		b.WriteString(" (or more: some sizes are not known yet)")
	}
	return b.String()
}

// NeedsTimes lists the objects whose times the list calls lack and the
// policy weighs: stopped containers a rule with an age could select
// (Container.Finished; one created within the age stopped within it too),
// and unused images whose last use an age, keep-used-within or a budget
// looks at (Image.LastTagged; one created within the window was used
// within it). The caller fills them (by inspect) before Evaluate.
func (p Policy) NeedsTimes(s *Snapshot, now time.Time) (containers, images []string) {
	ctrAge, imgAge := time.Duration(-1), time.Duration(-1)
	shortest := func(cur, d time.Duration) time.Duration {
		if cur < 0 || d < cur {
			return d
		}
		return cur
	}
	for _, r := range p.Rules {
		switch {
		case r.Kind == RuleContainers && r.Older > 0:
			ctrAge = shortest(ctrAge, r.Older)
		case (r.Kind == RuleImages || r.Kind == RuleDangling) && r.Older > 0:
			imgAge = shortest(imgAge, r.Older)
		}
	}
	if p.Keep.UsedWithin > 0 {
		imgAge = shortest(imgAge, p.Keep.UsedWithin)
	}
	if p.MaxSize > 0 || p.MinFree > 0 {
		imgAge = 0 // the order of every unused image
	}
	if ctrAge >= 0 {
		for i := range s.Containers {
			c := &s.Containers[i]
			if (c.State == StateExited || c.State == StateDead) && c.Created.Before(now.Add(-ctrAge)) {
				containers = append(containers, c.ID)
			}
		}
	}
	if imgAge >= 0 {
		for i := range s.Images {
			img := &s.Images[i]
			if len(img.Containers) == 0 && (imgAge == 0 || img.Created.Before(now.Add(-imgAge))) {
				images = append(images, img.ID)
			}
		}
	}
	return containers, images
}
