package ui

// The Images tab grouped by repository (R toggles): one row per
// repository with its tags, images, size, exact FREES and newest
// creation; enter or → opens a repository to show its images beneath,
// enter or ← closes it; space on a repository marks all its images.
//
// An image tagged in two repositories shows under each, and belongs to
// each: marking a repository marks every image with a tag in it (deletion
// is by ID, so the image's other tags go too; the flash says so), and a
// repository's FREES is exactly what marking it frees, ReclaimIndex.Compute
// of those images, counted once. Untagged images are one group, <none>.
// SIZE is the bytes of the repository's images with shared layers counted
// once (pending until their layers are known). The filter picks images as
// in the flat view; a repository shows when any of its images match, and
// opened shows all its images, since it is marked and measured whole.
//
// The groups and their FREES are computed in Update (apply) once per
// reclaim index, that is once per snapshot, never per frame: the sort and
// the filter only reorder them.

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"bilge/model"
)

// noRepo is the group of the untagged images.
const noRepo = "<none>"

// repoKeyPrefix makes a repository row's ID, which no image ID can equal.
const repoKeyPrefix = "repo:"

// repoGroup is one repository: its images and figures for the snapshot.
type repoGroup struct {
	name   string
	ids    []string // its images, distinct
	tags   int      // tags in this repository
	size   int64    // its images' bytes, shared layers counted once
	sizeOK bool     // every image's layers are known
	frees  model.Reclaim
	last   time.Time // newest image's creation
	also   int       // images also tagged in another repository
}

// repoItem is one line of the grouped table: a repository, or (image ≥ 0)
// one of its images, index into the snapshot's images.
type repoItem struct {
	group int
	image int
}

// reposView is the grouped Images view: a kindView whose rows index its
// items (repositories and the images of open ones).
type reposView struct {
	ix       *model.ReclaimIndex // the index groups were computed for
	groups   []repoGroup
	expanded map[string]bool
	items    []repoItem
	order    []int // groups in the current sort, filtered
	matched  []int // the images the filter matches (what * marks)
	// frees draws an image's FREES cell as the flat view does.
	frees func(img *model.Image) cell
}

func newReposView(frees func(img *model.Image) cell) *reposView {
	return &reposView{expanded: map[string]bool{}, frees: frees}
}

func (*reposView) kind() model.Kind { return model.KindImage }
func (*reposView) columns() []column {
	return []column{
		{title: "REPOSITORY", min: 18, flex: 3, sort: model.SortName, sortable: true, elide: true},
		{title: "TAGS", min: 4, right: true, drop: 2},
		{title: "IMAGES", min: 6, right: true, drop: 3},
		{title: "SIZE", min: 9, right: true, sort: model.SortSize, sortable: true},
		{title: "FREES", min: 9, right: true, sort: model.SortFrees, sortable: true},
		{title: "LAST CREATED", min: 14, sort: model.SortAge, sortable: true, drop: 1},
	}
}

// count is the number of repositories.
func (v *reposView) count(*model.Snapshot) int { return len(v.groups) }

func (v *reposView) id(s *model.Snapshot, i int) string {
	it := v.items[i]
	if it.image < 0 {
		return repoKeyPrefix + v.groups[it.group].name
	}
	return s.Images[it.image].ID
}

// group is the repository of row i (its own, or its image's).
func (v *reposView) group(i int) *repoGroup { return &v.groups[v.items[i].group] }

// isRepo reports whether row i is a repository (not one of its images).
func (v *reposView) isRepo(i int) bool { return i >= 0 && i < len(v.items) && v.items[i].image < 0 }

// regroup computes the repositories and their figures for a new index.
func (v *reposView) regroup(s *model.Snapshot, ix *model.ReclaimIndex) {
	v.ix = ix
	v.groups = v.groups[:0]
	var members [][]int // each group's images, as indices into s.Images
	at := map[string]int{}
	var repos []string
	for i := range s.Images {
		img := &s.Images[i]
		repos = repos[:0]
		for _, t := range img.Tags {
			if r := model.RepoOf(t); !slices.Contains(repos, r) {
				repos = append(repos, r)
			}
		}
		if len(repos) == 0 {
			repos = append(repos, noRepo)
		}
		for _, r := range repos {
			gi, ok := at[r]
			if !ok {
				gi = len(v.groups)
				at[r] = gi
				v.groups = append(v.groups, repoGroup{name: r, sizeOK: true})
				members = append(members, nil)
			}
			g := &v.groups[gi]
			g.ids = append(g.ids, img.ID)
			members[gi] = append(members[gi], i)
			if r != noRepo {
				for _, t := range img.Tags {
					if model.RepoOf(t) == r {
						g.tags++
					}
				}
			}
			if img.Created.After(g.last) {
				g.last = img.Created
			}
			if len(repos) > 1 {
				g.also++
			}
		}
	}
	for name := range v.expanded {
		if _, ok := at[name]; !ok {
			delete(v.expanded, name) // gone with its images
		}
	}
	// One tally walks each repository's layers twice (mark, unmark): the
	// whole pass is linear in the images' layers. Tally.Result equals
	// Compute of the same marks.
	tally := ix.Tally()
	for gi := range v.groups {
		g := &v.groups[gi]
		var seen map[string]bool // a layer shared within the repository counts once
		if len(members[gi]) > 1 {
			seen = map[string]bool{}
		}
		for _, i := range members[gi] {
			img := &s.Images[i]
			if img.Layers == nil {
				g.sizeOK = false
			}
			for _, l := range img.Layers {
				if seen == nil {
					g.size += l.Size // one image: its layers are distinct
				} else if !seen[l.ChainID] {
					seen[l.ChainID] = true
					g.size += l.Size
				}
			}
			tally.Set(model.KindImage, img.ID, true)
		}
		g.frees = tally.Result()
		for _, id := range g.ids {
			tally.Set(model.KindImage, id, false)
		}
	}
}

func (v *reposView) apply(s *model.Snapshot, ix *model.ReclaimIndex, o model.Sort, f model.Filter, now time.Time) []int {
	if ix != v.ix {
		v.regroup(s, ix)
	}
	// The images of an open repository follow the same order: the
	// snapshot's images are sorted (and indexed) only while one is open.
	var pos map[string]int
	if len(v.expanded) > 0 {
		model.SortImagesBy(s.Images, o, ix)
		pos = make(map[string]int, len(s.Images))
		for i := range s.Images {
			pos[s.Images[i].ID] = i
		}
	}
	v.matched = model.FilterImages(s.Images, f, now)
	v.order = v.order[:0]
	if f.Empty() {
		for gi := range v.groups {
			v.order = append(v.order, gi)
		}
	} else {
		match := make(map[string]bool, len(v.matched))
		for _, i := range v.matched {
			match[s.Images[i].ID] = true
		}
		for gi := range v.groups {
			if slices.ContainsFunc(v.groups[gi].ids, func(id string) bool { return match[id] }) {
				v.order = append(v.order, gi)
			}
		}
	}
	slices.SortStableFunc(v.order, func(x, y int) int { return v.less(o, x, y) })
	v.items = v.items[:0]
	for _, gi := range v.order {
		v.items = append(v.items, repoItem{group: gi, image: -1})
		if !v.expanded[v.groups[gi].name] {
			continue
		}
		imgs := make([]int, 0, len(v.groups[gi].ids))
		for _, id := range v.groups[gi].ids {
			imgs = append(imgs, pos[id])
		}
		slices.Sort(imgs)
		for _, i := range imgs {
			v.items = append(v.items, repoItem{group: gi, image: i})
		}
	}
	rows := make([]int, len(v.items))
	for i := range rows {
		rows[i] = i
	}
	return rows
}

// less orders two repositories by o (ties by name).
func (v *reposView) less(o model.Sort, x, y int) int {
	a, b := &v.groups[x], &v.groups[y]
	c := 0
	switch o.Key {
	case model.SortSize:
		c = cmpInt(a.size, b.size)
	case model.SortFrees:
		c = cmpInt(a.frees.Total, b.frees.Total)
	case model.SortAge:
		c = a.last.Compare(b.last)
	}
	if o.Desc {
		c = -c
	}
	if c == 0 {
		c = strings.Compare(a.name, b.name)
		if o.Key == model.SortName && o.Desc {
			c = -c
		}
	}
	return c
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// repoFreesCell is a repository's FREES: what marking it frees, exact,
// with a * when part of it leaves only once the build cache is pruned.
func repoFreesCell(st *Styles, r model.Reclaim) cell {
	if r.PendingKinds.Has(model.KindImage) {
		return cell{text: model.Pending, style: &st.Pending}
	}
	if r.HeldByBuildCache > 0 {
		return cell{text: model.HumanSize(r.Total) + "*", style: &st.Muted}
	}
	return cell{text: model.HumanSize(r.Total) + " "}
}

func (v *reposView) cells(st *Styles, s *model.Snapshot, i int, now time.Time) []cell {
	it := v.items[i]
	g := &v.groups[it.group]
	if it.image < 0 {
		open := "+ "
		if v.expanded[g.name] {
			open = "- "
		}
		size := cell{text: model.Pending, style: &st.Pending}
		if g.sizeOK {
			size = sizeCell(st, g.size)
		}
		name := cell{text: open + g.name}
		if g.name == noRepo {
			name.style = &st.Dangling
		}
		return []cell{
			name,
			{text: fmt.Sprint(g.tags)},
			{text: fmt.Sprint(len(g.ids))},
			size,
			repoFreesCell(st, g.frees),
			{text: ageText(now, g.last)},
		}
	}
	img := &s.Images[it.image]
	var tags []string
	for _, t := range img.Tags {
		if model.RepoOf(t) == g.name {
			tags = append(tags, t[len(g.name):])
		}
	}
	name := model.ShortID(img.ID)
	if len(tags) > 0 {
		name = strings.Join(tags, " ") + " " + model.ShortID(img.ID)
	}
	if n := len(img.Tags) - len(tags); n > 0 && g.name != noRepo {
		name += fmt.Sprintf(" (+%d elsewhere)", n)
	}
	return []cell{
		{text: "    " + name, style: &st.Muted},
		{text: fmt.Sprint(len(tags))},
		{text: ""},
		sizeCell(st, img.Size),
		v.frees(img),
		{text: ageText(now, img.Created)},
	}
}

func (v *reposView) details(st *Styles, s *model.Snapshot, ix *model.ReclaimIndex, i int, now time.Time) []string {
	it := v.items[i]
	if it.image >= 0 {
		return imagesView{}.details(st, s, ix, it.image, now)
	}
	g := &v.groups[it.group]
	d := newDetails(st)
	d.title("Repository " + g.name)
	d.kv("Images", fmt.Sprint(len(g.ids)))
	d.kv("Tags", fmt.Sprint(g.tags))
	if g.sizeOK {
		d.kv("Size", model.SizeText(g.size)+" (shared layers counted once)")
	} else {
		d.kv("Size", model.Pending+" (layer data not fetched yet)")
	}
	d.kv("Frees, whole", freesText(g.frees))
	d.kv("Last created", ageText(now, g.last))
	if g.also > 0 {
		d.note(fmt.Sprintf("%d %s also tagged in another repository: marking this one marks %s, and deleting removes those tags too",
			g.also, plural(g.also, "image is", "images are"), plural(g.also, "it", "them")))
	}
	for _, b := range g.frees.Blocked {
		if b.Kind == model.KindImage {
			d.note(fmt.Sprintf("image %s is used by %d %s: it frees nothing until they go",
				model.ShortID(b.ID), len(b.By), plural(len(b.By), "container", "containers")))
		}
	}
	d.section("Images")
	for _, id := range g.ids {
		d.line(model.ShortID(id))
	}
	return d.lines
}

// toggleGrouped switches the Images tab between the flat and the grouped
// view (R). The filter goes along; the view shown is re-applied, since
// both order the snapshot's images.
func (a *App) toggleGrouped() {
	flat := a.tabs[model.KindImage]
	from, to := flat, a.repoTab
	if a.grouped {
		from, to = a.repoTab, flat
	}
	to.filter = from.filter
	to.dirty = true
	a.grouped = !a.grouped
	a.detailTop = 0
	a.applyActive()
	if a.grouped {
		a.flash = fmt.Sprintf("%d repositories · enter or → opens one · space marks all its images · R: flat list", len(a.repoView().groups))
	} else {
		a.flash = "images, flat · R: by repository"
	}
}

// repoView is the grouped view.
func (a *App) repoView() *reposView { return a.repoTab.view.(*reposView) }

// openRepo opens (dir > 0), closes (dir < 0) or toggles (0) the
// repository under the cursor; closing from one of its images puts the
// cursor back on the repository.
func (a *App) openRepo(dir int) {
	t := a.repoTab
	v := a.repoView()
	i := t.current()
	if !a.grouped || i < 0 {
		return
	}
	g := v.group(i)
	open := dir > 0 || dir == 0 && !v.expanded[g.name]
	if !v.isRepo(i) && open {
		return // already open
	}
	if open == v.expanded[g.name] && v.isRepo(i) {
		return
	}
	if open {
		v.expanded[g.name] = true
	} else {
		delete(v.expanded, g.name)
	}
	t.selected = repoKeyPrefix + g.name
	t.apply(a.snap, a.index, a.now)
}

// markRepo marks all the repository's images, or unmarks them when all
// are marked, and says how many and what that frees.
func (a *App) markRepo(g *repoGroup) {
	on := false
	for _, id := range g.ids {
		if !a.marks.Has(model.KindImage, id) {
			on = true
		}
	}
	for _, id := range g.ids {
		a.setMark(model.KindImage, id, on)
	}
	a.reclaim = a.tally.Result()
	n := len(g.ids)
	if !on {
		a.flash = fmt.Sprintf("unmarked %d %s of %s", n, model.KindImage.Noun(n), g.name)
		return
	}
	a.flash = fmt.Sprintf("marked %d %s of %s · frees %s", n, model.KindImage.Noun(n), g.name, freesText(g.frees))
	if g.also > 0 {
		a.flash += fmt.Sprintf(" · %d also tagged elsewhere: those tags go too", g.also)
	}
}

// repoMarks is how many of the repository's images are marked.
func (a *App) repoMarks(g *repoGroup) int {
	n := 0
	for _, id := range g.ids {
		if a.marks.Has(model.KindImage, id) {
			n++
		}
	}
	return n
}
