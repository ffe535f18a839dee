package ui

import (
	"fmt"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"bilge/model"
)

// confirmStep is where the confirmation dialog is: the whole set first,
// then the extra confirmations some objects need.
type confirmStep int

const (
	stepAll confirmStep = iota
	stepRunning
	stepNamedVolumes
)

// confirmDialog shows everything that will go, what it frees and what to
// watch out for, and asks. Nothing is deleted until the user says yes to
// every step; the default is to cancel.
type confirmDialog struct {
	marks   *model.Marks
	cascade bool
	step    confirmStep
	// Answers of the later steps.
	stopRunning, namedVolumes bool
	// top is the first line of the scrolled part shown; page and maxTop
	// are how many lines of it the screen showed last, and the last top.
	top, page, maxTop int

	// Derived each time the answers change.
	counts  string   // "66 containers · 241 images · …"
	warn    []string // what to watch out for, one entry each (drawn wrapped)
	list    []string // the objects, grouped by kind, one line each
	reclaim model.Reclaim
	// What needs a further confirmation.
	running, named []string
	// refused are the marked named volumes a container that stays mounts:
	// the engine would refuse them, so they are left out of the plan (and
	// of the named-volume question) with a warning; the containers that
	// mount each.
	refused map[string][]string
	// Stopped containers of marked images (offered for cascade).
	stoppedUsers int

	// warn and list as drawn at width wrapW: wrapped once per width, not
	// on every frame.
	wrapped []string
	wrapW   int

	// reviews are the marked images' reviews behind the plan shown.
	reviews []model.ImageReview
	// changed says what changed in the set while the dialog was open
	// (new data, not the user's answers), since the user last
	// acknowledged a change. While unseen, y (or n at a later step) only
	// acknowledges it: a key pressed against the old set never confirms
	// the new one, however close the change and the key came.
	changed []string
	unseen  bool
}

func (a *App) openConfirm() {
	m := a.marks.Clone()
	if m.Len() == 0 {
		// Nothing marked: the current row alone.
		t := a.tab()
		if t == nil || t.current() < 0 {
			a.flash = "nothing marked: mark rows with space, or open a tab and pick a row"
			return
		}
		k := t.view.kind()
		if !a.markable(k, t.current()) {
			a.flash = "built-in networks cannot be removed"
			return
		}
		m.Set(k, t.view.id(a.snap, t.current()), true)
	}
	a.dialog = &confirmDialog{marks: m}
	a.refreshDialog()
}

// request is the plan request the dialog's answers amount to.
func (d *confirmDialog) request() model.PlanRequest {
	// Until a step is answered, the set is shown as if the answer were
	// yes: the user sees what saying yes includes.
	vols := d.marks.IDs(model.KindVolume)
	if len(d.refused) > 0 {
		kept := vols[:0:0]
		for _, v := range vols {
			if _, ok := d.refused[v]; !ok {
				kept = append(kept, v)
			}
		}
		vols = kept
	}
	return model.PlanRequest{
		Images:       d.marks.IDs(model.KindImage),
		Containers:   d.marks.IDs(model.KindContainer),
		Volumes:      vols,
		Networks:     d.marks.IDs(model.KindNetwork),
		BuildCache:   d.marks.IDs(model.KindBuildCache),
		Cascade:      d.cascade,
		StopRunning:  d.stopRunning || d.step <= stepRunning,
		NamedVolumes: d.namedVolumes || d.step <= stepNamedVolumes,
	}
}

// refreshDialog recomputes the dialog's lines and figures.
func (a *App) refreshDialog() {
	d := a.dialog
	st := &a.st
	s := a.snap
	ctrs := map[string]*model.Container{}
	for i := range s.Containers {
		ctrs[s.Containers[i].ID] = &s.Containers[i]
	}
	vols := map[string]*model.Volume{}
	for i := range s.Volumes {
		vols[s.Volumes[i].Name] = &s.Volumes[i]
	}
	d.refused = nil
	plan := model.NewPlan(s, d.request())
	// Which containers go does not depend on the volumes: the named
	// volumes one that stays mounts are known from this plan.
	if refused := refusedVolumes(plan, d.marks.IDs(model.KindVolume), vols, ctrs); len(refused) > 0 {
		d.refused = refused
		plan = model.NewPlan(s, d.request())
	}
	// What the plan deletes, as marks, for the exact figure.
	pm := model.NewMarks()
	for _, it := range plan.Items {
		pm.Set(it.Kind, it.ID, true)
	}
	d.reclaim = a.index.Compute(pm)

	d.running, d.named = nil, nil
	for _, id := range d.marks.IDs(model.KindContainer) {
		if c, ok := ctrs[id]; ok && c.Active() {
			d.running = append(d.running, c.Name)
		}
	}
	for _, name := range d.marks.IDs(model.KindVolume) {
		if _, no := d.refused[name]; !no {
			if v, ok := vols[name]; ok && !v.Anonymous() {
				d.named = append(d.named, name)
			}
		}
	}

	// The set-wide warnings first, then those about single images.
	var warn []string
	switch n := len(d.running); {
	case n == 0:
	case d.step > stepRunning && !d.stopRunning:
		warn = append(warn, fmt.Sprintf("%d running %s left out: %s", n, plural(n, "container is", "containers are"), strings.Join(d.running, ", ")))
	default:
		warn = append(warn, fmt.Sprintf("%d running %s will be stopped and removed: %s%s", n, plural(n, "container", "containers"), strings.Join(d.running, ", "), askedLater(d.step)))
	}
	switch n := len(d.named); {
	case n == 0:
	case d.step > stepNamedVolumes && !d.namedVolumes:
		warn = append(warn, fmt.Sprintf("%d named %s left out: %s", n, plural(n, "volume is", "volumes are"), strings.Join(d.named, ", ")))
	default:
		warn = append(warn, fmt.Sprintf("%d named %s data: %s%s", n, plural(n, "volume holds", "volumes hold"), strings.Join(d.named, ", "), askedLater(d.step)))
	}
	for _, name := range sortedKeys(d.refused) {
		by := d.refused[name]
		warn = append(warn, fmt.Sprintf("named volume %s is left out: %s %s, which %s (the engine refuses a volume in use)",
			name, plural(len(by), "container", "containers"), someNames(by, 8), plural(len(by), "stays, mounts it", "stay, mount it")))
	}
	for _, it := range plan.Items {
		if it.Kind == model.KindBuildCache && inUseRecord(s, it.ID) {
			warn = append(warn, fmt.Sprintf("build-cache record %s is in use (a build holds it): the engine will keep it", itemName(it.Kind, it.ID, it.Name)))
		}
	}
	warn = append(warn, d.networkWarnings(s, plan, ctrs)...)
	if d.reclaim.HeldByBuildCache > 0 {
		warn = append(warn, fmt.Sprintf("frees %s from images; %s stays in build cache until it is pruned",
			model.HumanSize(d.reclaim.Images), model.HumanSize(d.reclaim.HeldByBuildCache)))
	}
	var mounted []string
	for _, b := range d.reclaim.Blocked {
		if b.Kind == model.KindVolume && len(b.By) > 0 {
			mounted = append(mounted, shortName(b.ID))
		}
	}
	if n := len(mounted); n > 3 {
		warn = append(warn, fmt.Sprintf("%d marked volumes are mounted by containers that stay (%s): the engine will refuse them", n, someNames(mounted, 8)))
	} else {
		for _, v := range mounted {
			warn = append(warn, fmt.Sprintf("volume %s is mounted by a container that stays: the engine will refuse", v))
		}
	}
	imgs := map[string]*model.Image{}
	for i := range s.Images {
		imgs[s.Images[i].ID] = &s.Images[i]
	}
	// Per image (model.ReviewImages decides): what blocks it first, then
	// what goes with it.
	var usedWarn, tagWarn []string
	var multiTag []*model.Image
	d.stoppedUsers = 0
	blocked := map[string]bool{}
	d.reviews = model.ReviewImages(s, d.request())
	for _, rv := range d.reviews {
		img := imgs[rv.ID]
		d.stoppedUsers += len(rv.Stopped) + len(rv.Cascaded) + len(rv.LeftOut)
		name := rv.Name
		if rv.Blocked() {
			w := fmt.Sprintf("%s stays: %s", name, rv.Reason())
			if n := len(rv.Running); n > 0 {
				w += fmt.Sprintf(" (mark the %s to remove %s too)", plural(n, "container", "containers"), plural(n, "it", "them"))
			}
			left := rv.LeftOut // cascade leaves them: the image stays anyway
			if !d.cascade {
				left = rv.Stopped
			}
			if n := len(left); n > 0 {
				w += fmt.Sprintf("; its %d stopped %s (%s) %s left too", n, plural(n, "container", "containers"), someNames(left, 8), plural(n, "is", "are"))
			}
			usedWarn = append(usedWarn, w)
			blocked[rv.ID] = true
		}
		if n := len(rv.Cascaded); n > 0 {
			usedWarn = append(usedWarn, fmt.Sprintf("%s: its stopped %s %s will be removed first (c to undo)",
				name, plural(n, "container", "containers"), someNames(rv.Cascaded, 8)))
		}
		if n := len(rv.Stopped); n > 0 && !rv.Blocked() {
			usedWarn = append(usedWarn, fmt.Sprintf("%s is used by stopped %s %s: press c to remove %s first, or the engine will refuse",
				name, plural(n, "container", "containers"), someNames(rv.Stopped, 8), plural(n, "it", "them")))
		}
		if len(img.Tags) > 1 && !rv.Blocked() {
			multiTag = append(multiTag, img)
			tagWarn = append(tagWarn, fmt.Sprintf("%s goes with all %d tags: %s", model.ShortID(img.ID), len(img.Tags), strings.Join(img.Tags, ", ")))
		}
	}
	warn = append(warn, usedWarn...)
	if len(multiTag) > 3 {
		// One line instead of a screenful: the list below shows each
		// image's tags.
		tagWarn = []string{fmt.Sprintf("%d images have several tags: each goes with all of them (their tags are listed below)", len(multiTag))}
	}
	warn = append(warn, tagWarn...)
	allTags := map[string]string{}
	if len(multiTag) > 3 {
		for _, img := range multiTag {
			allTags[img.ID] = strings.Join(img.Tags, ", ")
		}
	}

	var lines, counts []string
	groups := map[model.Kind][]model.PlanItem{}
	for _, it := range plan.Items {
		groups[it.Kind] = append(groups[it.Kind], it)
	}
	for _, k := range model.DeletionOrder {
		items := groups[k]
		if len(items) == 0 {
			continue
		}
		counts = append(counts, fmt.Sprintf("%d %s", len(items), k.Noun(len(items))))
		if len(lines) > 0 {
			lines = append(lines, "")
		}
		lines = append(lines, st.DetailHead.Render(fmt.Sprintf("%s (%d)", k.String(), len(items))))
		names := make([]string, 0, len(items))
		for _, it := range items {
			n := itemName(it.Kind, it.ID, it.Name)
			if it.Cascade {
				n += st.Muted.Render(" (stopped, uses a marked image)")
			}
			if it.Kind == model.KindContainer && it.Stop {
				n += st.Warn.Render(" (running)")
			}
			if it.Kind == model.KindImage && blocked[it.ID] {
				n += st.Warn.Render(" (stays: the engine will refuse it)")
			}
			if tags, ok := allTags[it.ID]; ok && it.Kind == model.KindImage {
				n += st.Muted.Render(" (with all its tags: " + tags + ")")
			}
			names = append(names, n)
		}
		if k != model.KindImage {
			sort.Strings(names)
		}
		for _, n := range names {
			lines = append(lines, "  "+n)
		}
	}
	if len(plan.Items) == 0 {
		lines = append(lines, st.Muted.Render("  nothing left to delete with these answers"))
	}
	d.counts = strings.Join(counts, " · ")
	d.warn, d.list = warn, lines
	d.wrapW = 0 // wrap again when next drawn
	a.dialogPlan = plan
}

// dialogDataChanged recomputes the open dialog on new data and says what
// changed in the set being confirmed; the next y then only acknowledges
// the change.
func (a *App) dialogDataChanged() {
	d := a.dialog
	oldPlan, oldRev, oldFrees := a.dialogPlan, d.reviews, d.reclaim
	a.refreshDialog()
	what := describeChanges(model.DiffPlans(oldPlan, a.dialogPlan, oldRev, d.reviews))
	if was, now := oldFrees.Total, d.reclaim.Total; materialChange(was, now) {
		what = append(what, fmt.Sprintf("frees %s now (was %s)", freesText(d.reclaim), freesText(oldFrees)))
	}
	if len(what) == 0 {
		return
	}
	if !d.unseen {
		d.changed = nil // changes since the set the user acknowledged
	}
	d.changed = append(d.changed, what...)
	d.unseen = true
}

// materialChange reports a predicted figure that moved by at least 1 MB
// and 1%: less is the noise of a re-measure.
func materialChange(was, now int64) bool {
	diff := now - was
	if diff < 0 {
		diff = -diff
	}
	return diff >= 1_000_000 && diff*100 >= max(was, now)
}

// describeChanges says the changes of a set in a few phrases: added and
// removed objects counted per kind with their names, then each renamed,
// started, stopped or blocked object.
func describeChanges(cs []model.PlanChange) []string {
	var out []string
	for _, c := range []struct {
		change model.ChangeKind
		sign   string
	}{{model.ChangeAdded, "+"}, {model.ChangeRemoved, "−"}} {
		for _, k := range model.Kinds {
			var names []string
			for _, ch := range cs {
				if ch.Change == c.change && ch.Kind == k {
					names = append(names, changeName(ch))
				}
			}
			if n := len(names); n > 0 {
				out = append(out, fmt.Sprintf("%s%d %s (%s)", c.sign, n, k.Noun(n), someNames(names, 5)))
			}
		}
	}
	for _, ch := range cs {
		noun := ch.Kind.Noun(1)
		switch ch.Change {
		case model.ChangeRenamed:
			out = append(out, fmt.Sprintf("%s %s is now %s (was %s)", noun, model.ShortID(ch.ID), ch.Name, ch.Was))
		case model.ChangeRunning:
			out = append(out, fmt.Sprintf("container %s is now running: it would be stopped", ch.Name))
		case model.ChangeStopped:
			out = append(out, fmt.Sprintf("container %s no longer runs", ch.Name))
		case model.ChangeBlocked:
			if ch.Now == "" {
				out = append(out, fmt.Sprintf("%s can go now (was %s)", ch.Name, ch.Was))
			} else {
				out = append(out, fmt.Sprintf("%s now stays: %s", ch.Name, ch.Now))
			}
		}
	}
	return out
}

func changeName(ch model.PlanChange) string {
	n := itemName(ch.Kind, ch.ID, ch.Name)
	if ch.Cascade {
		n += ", stopped, uses a marked image"
	}
	return n
}

// askedLater is what the warnings of the later steps add on the first.
func askedLater(step confirmStep) string {
	if step == stepAll {
		return " (asked separately next)"
	}
	return ""
}

// networkWarnings names the marked networks the engine will refuse (a
// running container that stays is attached: "has active endpoints") and
// those it removes from under stopped containers.
func (d *confirmDialog) networkWarnings(s *model.Snapshot, plan model.Plan, ctrs map[string]*model.Container) []string {
	going := map[string]bool{}
	for _, it := range plan.Items {
		if it.Kind == model.KindContainer {
			going[it.ID] = true
		}
	}
	var busy, idle []string
	for i := range s.Networks {
		n := &s.Networks[i]
		if !d.marks.Has(model.KindNetwork, n.ID) {
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
	var warn []string
	if n := len(busy); n > 0 {
		warn = append(warn, fmt.Sprintf("%d marked %s running containers attached (%s): the engine will refuse %s unless those containers go first (mark them too)",
			n, plural(n, "network has", "networks have"), someNames(busy, 8), plural(n, "it", "them")))
	}
	if n := len(idle); n > 0 {
		warn = append(warn, fmt.Sprintf("%d marked %s only stopped containers attached (%s): the engine removes %s, and those containers then fail to start (network not found)",
			n, plural(n, "network has", "networks have"), someNames(idle, 8), plural(n, "it", "them")))
	}
	return warn
}

// someNames joins the first max names and says how many more there are.
func someNames(names []string, max int) string {
	if len(names) <= max {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:max], ", ") + fmt.Sprintf(" and %d more", len(names)-max)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// refusedVolumes are the marked named volumes that a container the plan
// keeps mounts, each with the names of those containers.
func refusedVolumes(plan model.Plan, marked []string, vols map[string]*model.Volume, ctrs map[string]*model.Container) map[string][]string {
	going := map[string]bool{}
	for _, it := range plan.Items {
		if it.Kind == model.KindContainer {
			going[it.ID] = true
		}
	}
	var out map[string][]string
	for _, name := range marked {
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
			if out == nil {
				out = map[string][]string{}
			}
			sort.Strings(by)
			out[name] = by
		}
	}
	return out
}

func inUseRecord(s *model.Snapshot, id string) bool {
	for i := range s.BuildCache {
		if s.BuildCache[i].ID == id {
			return s.BuildCache[i].InUse
		}
	}
	return false
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// itemName names one object of a plan so that it can be told apart: an
// untagged image (all are <none>:<none>) or a nameless object by its short
// ID too, an anonymous volume by its short ID.
func itemName(k model.Kind, id, name string) string {
	if name == "" || k == model.KindImage && strings.HasPrefix(name, "<none>") && !strings.Contains(name, model.ShortID(id)) {
		return strings.TrimSpace(name + " " + model.ShortID(id))
	}
	return shortName(name)
}

func shortName(s string) string {
	v := model.Volume{Name: s}
	if v.Anonymous() {
		return model.ShortID(s) + " (anonymous)"
	}
	return s
}

// dialogKeys is the keymap while the dialog is open, for both matching
// and the help line: the later steps take only y (an explicit answer, not
// a reflex enter), and c is offered only when a marked image has stopped
// containers.
func (a *App) dialogKeys() KeyMap {
	k := a.keys
	d := a.dialog
	if d == nil {
		return k
	}
	if d.step != stepAll {
		k.Confirm = key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "confirm this step"))
		k.Deny = key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n/esc", "leave out / cancel all"))
	}
	if d.step != stepAll || d.stoppedUsers == 0 && !d.cascade {
		k.Cascade.SetEnabled(false)
	}
	return k
}

func (a *App) onDialogKey(msg tea.KeyPressMsg) tea.Cmd {
	d := a.dialog
	k := a.dialogKeys()
	page := max(d.page-1, 1)
	switch {
	case key.Matches(msg, k.Up):
		d.top = max(d.top-1, 0)
	case key.Matches(msg, k.Down):
		d.top = min(d.top+1, d.maxTop)
	case key.Matches(msg, k.PageUp):
		d.top = max(d.top-page, 0)
	case key.Matches(msg, k.PageDown):
		d.top = min(d.top+page, d.maxTop)
	case key.Matches(msg, k.Top):
		d.top = 0
	case key.Matches(msg, k.Bottom):
		d.top = d.maxTop
	case key.Matches(msg, k.Cascade):
		d.cascade = !d.cascade
		a.refreshDialog()
	case d.unseen && (key.Matches(msg, k.Confirm) || msg.String() == "n" && d.step != stepAll):
		// The set changed under the dialog: this key may have been
		// meant for the old one. It only says the change was seen.
		d.unseen = false
		d.top = 0
	case key.Matches(msg, k.Confirm):
		return a.dialogYes()
	case msg.String() == "enter" && d.step != stepAll:
		a.flash = "enter does not confirm this step: y " + d.stepVerb() + ", n leaves them out, esc cancels everything"
	case msg.String() == "n" && d.step != stepAll:
		// Leave those objects out, keep the rest.
		switch d.step {
		case stepRunning:
			d.stopRunning = false
		case stepNamedVolumes:
			d.namedVolumes = false
		}
		return a.dialogNext()
	case key.Matches(msg, k.Quit):
		return a.onQuitKey(msg)
	case key.Matches(msg, k.Deny):
		a.dialog = nil
		a.flash = "cancelled: nothing deleted"
	}
	return nil
}

// stepVerb is what y does at a later step.
func (d *confirmDialog) stepVerb() string {
	if d.step == stepNamedVolumes {
		return "deletes them and their data"
	}
	return "stops and removes them"
}

func (a *App) dialogYes() tea.Cmd {
	d := a.dialog
	switch d.step {
	case stepRunning:
		d.stopRunning = true
	case stepNamedVolumes:
		d.namedVolumes = true
	}
	return a.dialogNext()
}

// dialogNext moves to the next step that applies, or starts the deletion.
func (a *App) dialogNext() tea.Cmd {
	d := a.dialog
	for {
		d.step++
		// The answers so far decide what the next step asks: a named
		// volume that a container left out mounts is not asked about.
		a.refreshDialog()
		if d.step == stepRunning && len(d.running) > 0 {
			break
		}
		if d.step == stepNamedVolumes && len(d.named) > 0 {
			break
		}
		if d.step > stepNamedVolumes {
			plan := a.dialogPlan
			a.dialog = nil
			if plan.Len() == 0 {
				a.flash = "nothing to delete"
				return nil
			}
			return a.startRun(plan, d.reclaim)
		}
	}
	d.top = 0
	return nil
}

// dialogBody draws the dialog in the body area: the question with the
// count and the exact bytes, then (scrolled) what to watch out for and the
// objects by kind, then the keys.
func (a *App) dialogBody(h int) []string {
	d := a.dialog
	st := &a.st
	inner := max(a.width-4, 10)
	var head []string
	switch d.step {
	case stepAll:
		n := a.dialogPlan.Len()
		head = append(head, st.Offline.Render(fmt.Sprintf("Delete %d %s?", n, plural(n, "object", "objects")))+
			"  frees "+st.DetailHead.Render(freesText(d.reclaim)))
		if d.counts != "" {
			head = append(head, wrapHanging(d.counts, "", "", inner)...)
		}
		head = append(head, st.Muted.Render("exact: each layer counted once, and only if nothing that stays still uses it"))
		if d.stoppedUsers > 0 || d.cascade {
			casc := "off"
			if d.cascade {
				casc = "on"
			}
			head = append(head, st.Muted.Render("c: include stopped containers of marked images — "+casc))
		}
	case stepRunning:
		head = append(head, st.Offline.Render(fmt.Sprintf("Stop and remove %d running %s?", len(d.running), plural(len(d.running), "container", "containers")))+
			st.Muted.Render(fmt.Sprintf("  in all: %d %s, frees %s", a.dialogPlan.Len(), plural(a.dialogPlan.Len(), "object", "objects"), freesText(d.reclaim))))
		head = append(head, wrapHanging(strings.Join(d.running, ", "), "  ", "  ", inner)...)
		head = append(head, wrapHanging("y: stop and remove them · n: leave them out, go on · esc: cancel everything · enter does not confirm this step", "", "", inner, st.Muted)...)
	case stepNamedVolumes:
		head = append(head, st.Offline.Render(fmt.Sprintf("Delete %d named %s and the data in %s?", len(d.named), plural(len(d.named), "volume", "volumes"), plural(len(d.named), "it", "them")))+
			st.Muted.Render(fmt.Sprintf("  in all: %d %s, frees %s", a.dialogPlan.Len(), plural(a.dialogPlan.Len(), "object", "objects"), freesText(d.reclaim))))
		head = append(head, wrapHanging(strings.Join(d.named, ", "), "  ", "  ", inner)...)
		head = append(head, wrapHanging("y: delete them and their data · n: leave them out, go on · esc: cancel everything · enter does not confirm this step", "", "", inner, st.Muted)...)
	}
	if len(d.changed) > 0 {
		head = append(head, wrapHanging("The set changed while this was open: "+strings.Join(d.changed, " · "), "", "  ", inner, st.Warn)...)
		if d.unseen {
			head = append(head, wrapHanging("The next y only acknowledges the change (it deletes nothing); the y after it confirms the new set.", "", "", inner, st.Warn)...)
		} else {
			head = append(head, wrapHanging("Press y again to confirm the new set.", "", "", inner, st.Warn)...)
		}
	}
	head = append(head, "")

	if d.wrapW != inner {
		d.wrapped = d.wrapped[:0]
		if len(d.warn) > 0 {
			d.wrapped = append(d.wrapped, st.Warn.Render(fmt.Sprintf("Watch out (%d)", len(d.warn))))
			for _, w := range d.warn {
				d.wrapped = append(d.wrapped, wrapHanging(w, st.Warn.Render("  ! "), "    ", inner)...)
			}
			d.wrapped = append(d.wrapped, "")
		}
		d.wrapped = append(d.wrapped, d.list...)
		d.wrapW = inner
	}

	// The later steps say their keys under the question.
	var foot []string
	switch {
	case d.step == stepAll && d.unseen:
		foot = wrapHanging("y/enter: acknowledge the change (deletes nothing) · n/esc: cancel", "", "", inner, st.Muted)
	case d.step == stepAll:
		foot = wrapHanging("y/enter: delete · n/esc: cancel (nothing is deleted until you confirm)", "", "", inner, st.Muted)
	}
	scrollText := func(from, to int) string {
		return fmt.Sprintf("lines %d–%d of %d · ↑↓ pgup/pgdn g/G scroll", from, to, len(d.wrapped))
	}
	h -= 2 // the frame
	room := max(h-len(head)-len(foot), 1)
	scrolls := len(d.wrapped) > room
	if scrolls {
		// Room for the line that says where the scroll is, at its widest.
		n := len(d.wrapped)
		room = max(room-len(wrapHanging(scrollText(n, n), "", "", inner)), 1)
	}
	d.page, d.maxTop = room, max(len(d.wrapped)-room, 0)
	d.top = min(max(d.top, 0), d.maxTop)
	end := min(d.top+room, len(d.wrapped))
	body := append(head, d.wrapped[d.top:end]...)
	if scrolls {
		body = append(body, wrapHanging(scrollText(d.top+1, end), "", "", inner, st.Muted)...)
	}
	body = append(body, foot...)
	return a.frame(body, h)
}

// frame draws lines in a rounded box the width of the screen.
func (a *App) frame(lines []string, h int) []string {
	inner := a.width - 4
	border := a.st.Offline
	out := []string{border.Render("╭" + strings.Repeat("─", a.width-2) + "╮")}
	for i := 0; i < h; i++ {
		l := ""
		if i < len(lines) {
			l = lines[i]
		}
		if ansi.StringWidth(l) > inner {
			l = ansi.Truncate(l, inner, "…")
		}
		pad := strings.Repeat(" ", max(inner-ansi.StringWidth(l), 0))
		out = append(out, border.Render("│")+" "+l+pad+" "+border.Render("│"))
	}
	return append(out, border.Render("╰"+strings.Repeat("─", a.width-2)+"╯"))
}
