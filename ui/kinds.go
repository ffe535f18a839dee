package ui

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"bilge/model"
)

// kindViews is one view per kind; the tabs show them in model.Kinds order.
var kindViews = []kindView{imagesView{}, containersView{}, volumesView{}, networksView{}, buildCacheView{}}

// numTabs is the Overview and one tab per kind.
const numTabs = 1 + model.NumKinds

// tabKind is the kind tab i shows (tab 0 is the Overview: false). Tabs
// follow model.Kinds; tabKind and tabOf are the one place tab numbers
// and kinds meet.
func tabKind(i int) (model.Kind, bool) {
	if i <= 0 || i > model.NumKinds {
		return 0, false
	}
	return model.Kinds[i-1], true
}

// tabOf is the tab that shows kind k.
func tabOf(k model.Kind) int { return slices.Index(model.Kinds, k) + 1 }

// tabName is tab i's label.
func tabName(i int) string {
	if k, ok := tabKind(i); ok {
		return k.Info().Tab
	}
	return "Overview"
}

// kindView adapts one kind of object to the table: its columns, how to
// order and filter it, and how to draw a row and its details.
type kindView interface {
	kind() model.Kind
	columns() []column
	// apply sorts the kind's slice in place and returns the indices that
	// pass the filter, in order.
	apply(s *model.Snapshot, ix *model.ReclaimIndex, o model.Sort, f model.Filter, now time.Time) []int
	count(s *model.Snapshot) int
	id(s *model.Snapshot, i int) string
	cells(st *Styles, s *model.Snapshot, i int, now time.Time) []cell
	details(st *Styles, s *model.Snapshot, ix *model.ReclaimIndex, i int, now time.Time) []string
}

func sizeCell(st *Styles, n int64) cell {
	if n == model.NotReported {
		return cell{text: "N/A", style: &st.Muted}
	}
	if n < 0 {
		return cell{text: model.Pending, style: &st.Pending}
	}
	return cell{text: model.HumanSize(n)}
}

// ageText is docker's wording of an age, shortened where docker's is
// longer than a table column needs ("About an hour" → "1 hour").
func ageText(now, t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	switch a := model.Age(now.Sub(t)); a {
	case "Less than a second":
		return "just now"
	case "About a minute":
		return "1 minute ago"
	case "About an hour":
		return "1 hour ago"
	default:
		return a + " ago"
	}
}

// ---- images

type imagesView struct{}

func (imagesView) kind() model.Kind { return model.KindImage }
func (imagesView) columns() []column {
	return []column{
		{title: "TAG", min: 18, flex: 3, sort: model.SortName, sortable: true, elide: true},
		// Untagged images all read <none>:<none>: without this column
		// the name says which one.
		{title: "IMAGE ID", min: 12, drop: 2, foldFrom: "<none>:<none>", foldTo: "<none> "},
		{title: "CREATED", min: 14, sort: model.SortAge, sortable: true, drop: 4},
		{title: "SIZE", min: 9, right: true, sort: model.SortSize, sortable: true},
		{title: "SHARED", min: 9, right: true, sort: model.SortShared, sortable: true, drop: 6},
		{title: "UNIQUE", min: 9, right: true, sort: model.SortUnique, sortable: true, drop: 3},
		{title: "CTRS", min: 4, right: true, sort: model.SortUsers, sortable: true, drop: 5},
		{title: "STATUS", min: 12, drop: 1},
		{title: "FREES", min: 9, right: true, sort: model.SortFrees, sortable: true},
	}
}
func (imagesView) count(s *model.Snapshot) int { return len(s.Images) }
func (imagesView) id(s *model.Snapshot, i int) string {
	return s.Images[i].ID
}
func (imagesView) apply(s *model.Snapshot, ix *model.ReclaimIndex, o model.Sort, f model.Filter, now time.Time) []int {
	model.SortImagesBy(s.Images, o, ix)
	return model.FilterImages(s.Images, f, now)
}

func imageStatusCell(st *Styles, img *model.Image) cell {
	status := img.Status()
	c := cell{text: status.String()}
	switch status {
	case model.ImageInUse:
		c.style = &st.InUse
	case model.ImageStoppedOnly:
		c.style = &st.Stopped
	case model.ImageUnused:
		c.style = &st.Unused
	case model.ImageDangling:
		c.style = &st.Dangling
	}
	return c
}

func (imagesView) cells(st *Styles, s *model.Snapshot, i int, now time.Time) []cell {
	img := &s.Images[i]
	name := img.Name()
	if n := len(img.Tags); n > 1 {
		name = fmt.Sprintf("%s +%d", name, n-1)
	}
	cells := []cell{
		{text: name},
		{text: model.ShortID(img.ID)},
		{text: ageText(now, img.Created)},
		sizeCell(st, img.Size),
		sizeCell(st, img.SharedSize),
		sizeCell(st, img.UniqueSize()),
		{text: fmt.Sprint(len(img.Containers))},
		imageStatusCell(st, img),
	}
	if s.ContainersPending {
		// The container list is still coming: who uses it is not known.
		cells[6] = cell{text: model.Pending, style: &st.Pending}
		cells[7] = cell{text: model.Pending, style: &st.Pending}
	}
	return cells
}

func (imagesView) details(st *Styles, s *model.Snapshot, ix *model.ReclaimIndex, i int, now time.Time) []string {
	img := &s.Images[i]
	d := newDetails(st)
	d.title("Image " + model.ShortID(img.ID))
	d.kv("ID", img.ID)
	d.kv("Created", img.Created.Format(time.RFC3339)+" ("+ageText(now, img.Created)+")")
	d.kv("Size", model.SizeText(img.Size))
	d.kv("Shared", model.SizeText(img.SharedSize))
	d.kv("Unique", model.SizeText(img.UniqueSize()))
	if s.ContainersPending {
		d.kv("Status", model.Pending+" (listing containers)")
	} else {
		d.kv("Status", img.Status().String())
	}
	d.section("Tags")
	if len(img.Tags) == 0 {
		d.line("<none> (dangling)")
	}
	for _, t := range img.Tags {
		d.line(t)
	}
	if len(img.Tags) > 1 {
		d.note(fmt.Sprintf("deleting this image removes all %d tags", len(img.Tags)))
	}
	if len(img.Digests) > 0 {
		d.section("Digests")
		for _, dg := range img.Digests {
			d.line(dg)
		}
	}
	names := containerNames(s, img.Containers)
	if s.ContainersPending {
		d.section("Containers using it")
		d.line(model.Pending + " (listing containers)")
	} else {
		d.section(fmt.Sprintf("Containers using it (%d)", len(img.Containers)))
		if len(names) == 0 {
			d.line("none")
		}
	}
	for _, n := range names {
		d.line(n)
	}
	d.layers(s, ix, img)
	d.labels(img.Labels)
	return d.lines
}

func containerNames(s *model.Snapshot, ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	var out []string
	for i := range s.Containers {
		c := &s.Containers[i]
		if want[c.ID] {
			out = append(out, fmt.Sprintf("%s (%s, %s)", c.Name, model.ShortID(c.ID), c.StateText()))
		}
	}
	sort.Strings(out)
	return out
}

// ---- containers

type containersView struct{}

func (containersView) kind() model.Kind { return model.KindContainer }
func (containersView) columns() []column {
	return []column{
		{title: "NAME", min: 16, flex: 2, sort: model.SortName, sortable: true},
		{title: "IMAGE", min: 14, flex: 2, drop: 2, elide: true},
		{title: "STATE", min: 12},
		{title: "CREATED", min: 14, sort: model.SortAge, sortable: true, drop: 3},
		{title: "SIZE", min: 9, right: true, sort: model.SortSize, sortable: true},
		{title: "VIRTUAL", min: 9, right: true, sort: model.SortVirtual, sortable: true, drop: 4},
		{title: "VOLS", min: 4, right: true, sort: model.SortMounts, sortable: true, drop: 5},
	}
}
func (containersView) count(s *model.Snapshot) int { return len(s.Containers) }
func (containersView) id(s *model.Snapshot, i int) string {
	return s.Containers[i].ID
}
func (containersView) apply(s *model.Snapshot, ix *model.ReclaimIndex, o model.Sort, f model.Filter, now time.Time) []int {
	model.SortContainers(s.Containers, o)
	return model.FilterContainers(s.Containers, f, now)
}

func volumeMounts(c *model.Container) int {
	n := 0
	for _, m := range c.Mounts {
		if m.Type == "volume" {
			n++
		}
	}
	return n
}

func (containersView) cells(st *Styles, s *model.Snapshot, i int, now time.Time) []cell {
	c := &s.Containers[i]
	state := cell{text: c.StateText()}
	switch {
	case c.Active():
		state.style = &st.InUse
	case c.State == model.StateExited && c.ExitCode != 0, c.State == model.StateDead:
		state.style = &st.Dangling
	default:
		state.style = &st.Stopped
	}
	return []cell{
		{text: c.Name},
		{text: c.ImageText()},
		state,
		{text: ageText(now, c.Created)},
		sizeCell(st, c.SizeRw),
		sizeCell(st, c.SizeRootFs),
		{text: fmt.Sprint(volumeMounts(c))},
	}
}

func (containersView) details(st *Styles, s *model.Snapshot, ix *model.ReclaimIndex, i int, now time.Time) []string {
	c := &s.Containers[i]
	d := newDetails(st)
	d.title("Container " + c.Name)
	d.kv("ID", c.ID)
	d.kv("State", c.StateText())
	d.kv("Created", c.Created.Format(time.RFC3339)+" ("+ageText(now, c.Created)+")")
	d.kv("Writable layer", model.SizeText(c.SizeRw))
	d.kv("With image", model.SizeText(c.SizeRootFs))
	d.section("Image")
	// Created from the image's ID (or its tag moved on), the reference
	// is that ID: name it once.
	if c.ImageText() != model.ShortID(c.ImageID) {
		d.line(c.Image)
	}
	d.line(c.ImageID)
	d.section(fmt.Sprintf("Mounts (%d)", len(c.Mounts)))
	if len(c.Mounts) == 0 {
		d.line("none")
	}
	for _, m := range c.Mounts {
		src := m.Source
		if m.Type == "volume" {
			src = m.Name
			if isAnonymousName(m.Name) {
				src = model.ShortID(m.Name) + " (anonymous)"
			}
		}
		d.line(fmt.Sprintf("%-6s %s → %s", m.Type, src, m.Destination))
	}
	if len(c.Networks) > 0 {
		d.section("Networks")
		for _, id := range c.Networks {
			d.line(networkName(s, id))
		}
	}
	d.labels(c.Labels)
	return d.lines
}

func isAnonymousName(name string) bool {
	v := model.Volume{Name: name}
	return v.Anonymous()
}

func networkName(s *model.Snapshot, id string) string {
	for i := range s.Networks {
		if s.Networks[i].ID == id {
			return s.Networks[i].Name
		}
	}
	return model.ShortID(id)
}

// ---- volumes

type volumesView struct{}

func (volumesView) kind() model.Kind { return model.KindVolume }
func (volumesView) columns() []column {
	return []column{
		{title: "NAME", min: 24, flex: 3, sort: model.SortName, sortable: true},
		{title: "DRIVER", min: 8, drop: 2},
		{title: "CTRS", min: 4, right: true, sort: model.SortUsers, sortable: true},
		{title: "SIZE", min: 9, right: true, sort: model.SortSize, sortable: true},
		{title: "CREATED", min: 14, sort: model.SortAge, sortable: true, drop: 1},
	}
}
func (volumesView) count(s *model.Snapshot) int { return len(s.Volumes) }
func (volumesView) id(s *model.Snapshot, i int) string {
	return s.Volumes[i].Name
}
func (volumesView) apply(s *model.Snapshot, ix *model.ReclaimIndex, o model.Sort, f model.Filter, now time.Time) []int {
	model.SortVolumes(s.Volumes, o)
	return model.FilterVolumes(s.Volumes, f, now)
}

func volumeName(v *model.Volume) string {
	if v.Anonymous() {
		return model.ShortID(v.Name) + " anonymous"
	}
	return v.Name
}

func volumeUsers(v *model.Volume) int {
	if n := len(v.Containers); n > 0 || v.RefCount < 0 {
		return n
	}
	return int(v.RefCount)
}

func (volumesView) cells(st *Styles, s *model.Snapshot, i int, now time.Time) []cell {
	v := &s.Volumes[i]
	name := cell{text: volumeName(v)}
	if v.Anonymous() {
		name.style = &st.Muted
	}
	users := cell{text: fmt.Sprint(volumeUsers(v))}
	if !v.InUse() {
		users.style = &st.Unused
	}
	return []cell{name, {text: v.Driver}, users, sizeCell(st, v.Size), {text: ageText(now, v.Created)}}
}

func (volumesView) details(st *Styles, s *model.Snapshot, ix *model.ReclaimIndex, i int, now time.Time) []string {
	v := &s.Volumes[i]
	d := newDetails(st)
	kind := "named"
	if v.Anonymous() {
		kind = "anonymous"
	}
	d.title("Volume " + volumeName(v))
	d.kv("Name", v.Name)
	d.kv("Kind", kind)
	d.kv("Driver", v.Driver)
	d.kv("Size", model.SizeText(v.Size))
	if !v.Created.IsZero() {
		d.kv("Created", v.Created.Format(time.RFC3339)+" ("+ageText(now, v.Created)+")")
	}
	d.section(fmt.Sprintf("Containers mounting it (%d)", len(v.Containers)))
	names := containerNames(s, v.Containers)
	if len(names) == 0 {
		d.line("none")
	}
	for _, n := range names {
		d.line(n)
	}
	if !v.Anonymous() {
		d.note("a named volume holds data someone chose to keep")
	}
	d.labels(v.Labels)
	return d.lines
}

// ---- networks

type networksView struct{}

func (networksView) kind() model.Kind { return model.KindNetwork }
func (networksView) columns() []column {
	return []column{
		{title: "NAME", min: 20, flex: 3, sort: model.SortName, sortable: true},
		{title: "DRIVER", min: 8},
		{title: "SCOPE", min: 6, drop: 2},
		{title: "CTRS", min: 4, right: true, sort: model.SortUsers, sortable: true},
		{title: "CREATED", min: 14, sort: model.SortAge, sortable: true, drop: 1},
	}
}
func (networksView) count(s *model.Snapshot) int { return len(s.Networks) }
func (networksView) id(s *model.Snapshot, i int) string {
	return s.Networks[i].ID
}
func (networksView) apply(s *model.Snapshot, ix *model.ReclaimIndex, o model.Sort, f model.Filter, now time.Time) []int {
	model.SortNetworks(s.Networks, o)
	return model.FilterNetworks(s.Networks, f, now)
}
func (networksView) cells(st *Styles, s *model.Snapshot, i int, now time.Time) []cell {
	n := &s.Networks[i]
	name := cell{text: n.Name}
	if n.Builtin() {
		name = cell{text: n.Name + " (built-in)", style: &st.Muted}
	}
	users := cell{text: fmt.Sprint(len(n.Containers))}
	if n.Unused() {
		users.style = &st.Unused
	}
	return []cell{name, {text: n.Driver}, {text: n.Scope}, users, {text: ageText(now, n.Created)}}
}
func (networksView) details(st *Styles, s *model.Snapshot, ix *model.ReclaimIndex, i int, now time.Time) []string {
	n := &s.Networks[i]
	d := newDetails(st)
	d.title("Network " + n.Name)
	d.kv("ID", n.ID)
	d.kv("Driver", n.Driver)
	d.kv("Scope", n.Scope)
	d.kv("Created", n.Created.Format(time.RFC3339)+" ("+ageText(now, n.Created)+")")
	if n.Builtin() {
		d.note("built-in: the engine never lets it be removed")
	}
	d.section(fmt.Sprintf("Containers attached (%d)", len(n.Containers)))
	names := containerNames(s, n.Containers)
	if len(names) == 0 {
		d.line("none")
	}
	for _, c := range names {
		d.line(c)
	}
	d.labels(n.Labels)
	return d.lines
}

// ---- build cache

type buildCacheView struct{}

func (buildCacheView) kind() model.Kind { return model.KindBuildCache }
func (buildCacheView) columns() []column {
	return []column{
		{title: "ID", min: 12, drop: 3},
		{title: "TYPE", min: 10, flex: 1, drop: 4},
		{title: "DESCRIPTION", min: 16, flex: 3, sort: model.SortName, sortable: true},
		{title: "SIZE", min: 9, right: true, sort: model.SortSize, sortable: true},
		{title: "CREATED", min: 14, sort: model.SortAge, sortable: true, drop: 2},
		{title: "LAST USED", min: 14, sort: model.SortLastUsed, sortable: true, drop: 5},
		{title: "USES", min: 4, right: true, sort: model.SortUses, sortable: true, drop: 6},
		{title: "SHARED", min: 6, drop: 7},
		{title: "IN USE", min: 6, drop: 1},
	}
}
func (buildCacheView) count(s *model.Snapshot) int { return len(s.BuildCache) }
func (buildCacheView) id(s *model.Snapshot, i int) string {
	return s.BuildCache[i].ID
}
func (buildCacheView) apply(s *model.Snapshot, ix *model.ReclaimIndex, o model.Sort, f model.Filter, now time.Time) []int {
	model.SortBuildCache(s.BuildCache, o)
	return model.FilterBuildCache(s.BuildCache, f, now)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (buildCacheView) cells(st *Styles, s *model.Snapshot, i int, now time.Time) []cell {
	r := &s.BuildCache[i]
	return []cell{
		{text: model.ShortID(r.ID)},
		{text: r.Type},
		{text: strings.Join(strings.Fields(r.Description), " ")},
		sizeCell(st, r.Size),
		{text: ageText(now, r.Created)},
		{text: ageText(now, r.LastUsed)},
		{text: fmt.Sprint(r.UsageCount)},
		{text: yesNo(r.Shared)},
		{text: yesNo(r.InUse)},
	}
}
func (buildCacheView) details(st *Styles, s *model.Snapshot, ix *model.ReclaimIndex, i int, now time.Time) []string {
	r := &s.BuildCache[i]
	d := newDetails(st)
	d.title("Build cache " + model.ShortID(r.ID))
	d.kv("ID", r.ID)
	d.kv("Type", r.Type)
	d.kv("Size", model.SizeText(r.Size))
	d.kv("Created", r.Created.Format(time.RFC3339)+" ("+ageText(now, r.Created)+")")
	d.kv("Last used", ageText(now, r.LastUsed))
	d.kv("Usage count", fmt.Sprint(r.UsageCount))
	d.kv("Shared", yesNo(r.Shared))
	d.kv("In use", yesNo(r.InUse))
	if r.Shared {
		d.note("shared: its bytes are also held by an image, so pruning it frees nothing until that goes")
	}
	d.section("Description")
	d.line(r.Description)
	if len(r.Parents) > 0 {
		d.section("Parents")
		for _, p := range r.Parents {
			d.line(model.ShortID(p))
		}
	}
	return d.lines
}

// ---- details builder

type details struct {
	st    *Styles
	lines []string
}

func newDetails(st *Styles) *details { return &details{st: st} }

func (d *details) title(s string) { d.lines = append(d.lines, d.st.DetailHead.Render(s), "") }
func (d *details) kv(k, v string) {
	d.lines = append(d.lines, d.st.DetailKey.Render(fmt.Sprintf("%-15s", k))+v)
}
func (d *details) section(s string) { d.lines = append(d.lines, "", d.st.DetailHead.Render(s)) }
func (d *details) line(s string)    { d.lines = append(d.lines, "  "+s) }
func (d *details) note(s string)    { d.lines = append(d.lines, "  "+d.st.Warn.Render("! "+s)) }
func (d *details) labels(l map[string]string) {
	if len(l) == 0 {
		return
	}
	d.section(fmt.Sprintf("Labels (%d)", len(l)))
	keys := make([]string, 0, len(l))
	for k := range l {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		d.line(k + "=" + l[k])
	}
}

// layers lists the image's layers with sizes and which other images share
// each, and explains what deleting the image alone frees.
func (d *details) layers(s *model.Snapshot, ix *model.ReclaimIndex, img *model.Image) {
	d.section("Frees if deleted alone")
	frees, known := ix.FreesAlone(img.ID)
	switch {
	case len(img.Containers) > 0:
		d.line("0B: containers use it; it frees nothing until they go")
	case !known && img.Layers == nil:
		d.line(d.st.Pending.Render("pending: layer data not fetched yet"))
	case !known:
		d.line(model.HumanSize(frees) + d.st.Pending.Render(" so far (other images' layers still pending)"))
	default:
		why := "the layers no other image uses"
		if frees < img.Size {
			why += fmt.Sprintf("; %s of its %s is shared with other images", model.HumanSize(img.Size-frees), model.HumanSize(img.Size))
		}
		held := int64(0)
		if frees > 0 {
			held = ix.HeldAlone(img.ID)
		}
		if held > 0 {
			who := "builds used it as a base"
			if img.BuildKit {
				who = "built by BuildKit"
			}
			d.line(model.HumanSize(frees-held) + " now" + d.st.Muted.Render(" — "+why))
			d.note(fmt.Sprintf("%s: frees %s from images; %s stays in build cache until it is pruned (its records hold the same layers)",
				who, model.HumanSize(frees), model.HumanSize(held)))
		} else {
			d.line(model.HumanSize(frees) + d.st.Muted.Render(" — "+why))
		}
	}
	d.section("Layers")
	if img.Layers == nil {
		d.line(d.st.Pending.Render("layer data not fetched yet"))
		return
	}
	// Up to three sharers are named per layer; the names of just those
	// are looked up, so a base layer shared by thousands costs no more.
	const named = 3
	type sharing struct {
		ids   []string
		total int
	}
	per := make([]sharing, len(img.Layers))
	want := map[string]string{}
	for n, l := range img.Layers {
		ids, total := ix.SharedByN(l.ChainID, named+1, img.ID)
		if len(ids) > named {
			ids = ids[:named]
		}
		per[n] = sharing{ids, total}
		for _, id := range ids {
			want[id] = ""
		}
	}
	for i := range s.Images {
		if _, ok := want[s.Images[i].ID]; ok {
			name := s.Images[i].Name()
			if len(s.Images[i].Tags) == 0 {
				name = model.ShortID(s.Images[i].ID) // "<none>:<none>" says nothing
			}
			want[s.Images[i].ID] = name
		}
	}
	for n, l := range img.Layers {
		share := d.st.Good.Render("only this image")
		if sh := per[n]; sh.total > 0 {
			shown := make([]string, 0, named+1)
			for _, id := range sh.ids {
				shown = append(shown, want[id])
			}
			if sh.total > len(sh.ids) {
				shown = append(shown, fmt.Sprintf("+%d more", sh.total-len(sh.ids)))
			}
			share = d.st.Muted.Render("shared with " + strings.Join(shown, ", "))
		}
		d.line(fmt.Sprintf("%2d %-12s %9s  %s", n+1, model.ShortID(l.ChainID), model.HumanSize(l.Size), share))
	}
}
