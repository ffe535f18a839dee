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
	// are how many lines of it the screen shows, and the last top
	// (layoutDialog).
	top, page, maxTop int
	// head, scrollLine and foot are the lines above, under and below the
	// scrolled part, as laid out for the screen.
	head, scrollLine, foot []string

	// Derived each time the answers change, from model.Review.
	counts  string   // "66 containers · 241 images · …"
	warn    []string // what to watch out for, one entry each (drawn wrapped)
	list    []string // the objects, grouped by kind, one line each
	reclaim model.Reclaim
	// What needs a further confirmation.
	running, named []string
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
		if v, ok := t.view.(*reposView); ok && v.isRepo(t.current()) {
			for _, id := range v.group(t.current()).ids { // the repository, whole
				m.Set(k, id, true)
			}
		} else {
			m.Set(k, t.view.id(a.snap, t.current()), true)
		}
	}
	a.dialog = &confirmDialog{marks: m}
	a.refreshDialog()
}

// request is the plan request the dialog's answers amount to.
func (d *confirmDialog) request() model.PlanRequest {
	// Until a step is answered, the set is shown as if the answer were
	// yes: the user sees what saying yes includes.
	return model.PlanRequest{
		Images:       d.marks.IDs(model.KindImage),
		Containers:   d.marks.IDs(model.KindContainer),
		Volumes:      d.marks.IDs(model.KindVolume),
		Networks:     d.marks.IDs(model.KindNetwork),
		BuildCache:   d.marks.IDs(model.KindBuildCache),
		Cascade:      d.cascade,
		StopRunning:  d.stopRunning || d.step <= stepRunning,
		NamedVolumes: d.namedVolumes || d.step <= stepNamedVolumes,
	}
}

// warnings says what to watch out for in the review, set-wide first, then
// about single images; allTags are the images whose tags the list names
// (several tags each, too many to say one by one).
func (d *confirmDialog) warnings(rev model.PlanReview) (warn []string, allTags map[string]string) {
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
	for _, rv := range rev.Refused {
		by := rv.By
		warn = append(warn, fmt.Sprintf("named volume %s is left out: %s %s, which %s (the engine refuses a volume in use)",
			rv.Name, plural(len(by), "container", "containers"), someNames(by, 8), plural(len(by), "stays, mounts it", "stay, mount it")))
	}
	for _, it := range rev.InUse {
		warn = append(warn, fmt.Sprintf("build-cache record %s is in use (a build holds it): the engine will keep it", itemName(it.Kind, it.ID, it.Name)))
	}
	warn = append(warn, networkWarnings(rev.BusyNetworks, rev.IdleNetworks)...)
	if n := len(rev.KeptNetworks); n > 0 {
		// Podman: its own removal by ID would not refuse, bilge does.
		warn = append(warn, fmt.Sprintf("%d marked %s stopped containers attached (%s): %s unless those containers go first (mark them too)",
			n, plural(n, "network has", "networks have"), someNames(rev.KeptNetworks, 8), plural(n, "it stays", "they stay")))
	}
	if d.reclaim.HeldByBuildCache > 0 {
		warn = append(warn, fmt.Sprintf("%s of image layers go; %s of them stay in build cache until it is pruned",
			model.HumanSize(d.reclaim.Images), model.HumanSize(d.reclaim.HeldByBuildCache)))
	}
	mounted := make([]string, len(rev.Mounted))
	for i, v := range rev.Mounted {
		mounted[i] = shortName(v)
	}
	if n := len(mounted); n > 3 {
		warn = append(warn, fmt.Sprintf("%d marked volumes are mounted by containers that stay (%s): the engine will refuse them", n, someNames(mounted, 8)))
	} else {
		for _, v := range mounted {
			warn = append(warn, fmt.Sprintf("volume %s is mounted by a container that stays: the engine will refuse", v))
		}
	}
	// Per image: what blocks it first, then what goes with it.
	var usedWarn, tagWarn []string
	var multiTag []model.ImageReview
	for _, rv := range rev.Images {
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
		}
		if n := len(rv.Cascaded); n > 0 {
			usedWarn = append(usedWarn, fmt.Sprintf("%s: its stopped %s %s will be removed first (c to undo)",
				name, plural(n, "container", "containers"), someNames(rv.Cascaded, 8)))
		}
		if n := len(rv.Stopped); n > 0 && !rv.Blocked() {
			usedWarn = append(usedWarn, fmt.Sprintf("%s is used by stopped %s %s: press c to remove %s first, or the engine will refuse",
				name, plural(n, "container", "containers"), someNames(rv.Stopped, 8), plural(n, "it", "them")))
		}
		if len(rv.Tags) > 1 && !rv.Blocked() {
			multiTag = append(multiTag, rv)
			tagWarn = append(tagWarn, fmt.Sprintf("%s goes with all %d tags: %s", model.ShortID(rv.ID), len(rv.Tags), strings.Join(rv.Tags, ", ")))
		}
	}
	warn = append(warn, usedWarn...)
	if len(multiTag) > 3 {
		// One line instead of a screenful: the list below shows each
		// image's tags.
		tagWarn = []string{fmt.Sprintf("%d images have several tags: each goes with all of them (their tags are listed below)", len(multiTag))}
	}
	warn = append(warn, tagWarn...)
	allTags = map[string]string{}
	if len(multiTag) > 3 {
		for _, rv := range multiTag {
			allTags[rv.ID] = strings.Join(rv.Tags, ", ")
		}
	}
	return warn, allTags
}

// refreshDialog recomputes the dialog's lines and figures from the review
// of the marks and answers (model.Review decides what is blocked, refused,
// cascaded or held; this says it).
func (a *App) refreshDialog() {
	d := a.dialog
	st := &a.st
	rev := model.Review(a.snap, a.index, d.request())
	plan := rev.Plan
	d.reclaim, d.running, d.named = rev.Reclaim, rev.Running, rev.Named
	d.stoppedUsers, d.reviews = rev.StoppedUsers, rev.Images
	warn, allTags := d.warnings(rev)
	blocked := map[string]bool{}
	for _, rv := range rev.Images {
		blocked[rv.ID] = rv.Blocked()
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

// networkWarnings says which marked networks the engine will refuse
// (busy: a running container that stays is attached, "has active
// endpoints") and which it removes from under stopped containers (idle).
func networkWarnings(busy, idle []string) []string {
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
	if top, ok := scrollKey(k, msg, d.top, max(d.page-1, 1), d.maxTop); ok {
		d.top = top
		return nil
	}
	switch {
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
		d.answer(false)
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
	a.dialog.answer(true)
	return a.dialogNext()
}

// answer takes y (yes) or n for the step on screen: whether the running
// containers are stopped, or the named volumes deleted.
func (d *confirmDialog) answer(yes bool) {
	switch d.step {
	case stepRunning:
		d.stopRunning = yes
	case stepNamedVolumes:
		d.namedVolumes = yes
	}
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

// layoutDialog lays out the dialog in the body area: the question with
// the count and the exact bytes, then (scrolled) what to watch out for and
// the objects by kind, then the keys.
func (a *App) layoutDialog(h int) {
	d := a.dialog
	st := &a.st
	inner := max(a.width-4, 10)
	var head []string
	switch d.step {
	case stepAll:
		n := a.dialogPlan.Len()
		head = append(head, st.Offline.Render(fmt.Sprintf("Delete %d %s%s?", n, plural(n, "object", "objects"), a.onEngine()))+
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
		head = append(head, st.Offline.Render(fmt.Sprintf("Stop and remove %d running %s%s?", len(d.running), plural(len(d.running), "container", "containers"), a.onEngine()))+
			st.Muted.Render(fmt.Sprintf("  in all: %d %s, frees %s", a.dialogPlan.Len(), plural(a.dialogPlan.Len(), "object", "objects"), freesText(d.reclaim))))
		head = append(head, wrapHanging(strings.Join(d.running, ", "), "  ", "  ", inner)...)
		head = append(head, wrapHanging("y: stop and remove them · n: leave them out, go on · esc: cancel everything · enter does not confirm this step", "", "", inner, st.Muted)...)
	case stepNamedVolumes:
		head = append(head, st.Offline.Render(fmt.Sprintf("Delete %d named %s and the data in %s%s?", len(d.named), plural(len(d.named), "volume", "volumes"), plural(len(d.named), "it", "them"), a.onEngine()))+
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
	d.head, d.foot, d.scrollLine = head, foot, nil
	if scrolls {
		end := min(d.top+room, len(d.wrapped))
		d.scrollLine = wrapHanging(scrollText(d.top+1, end), "", "", inner, st.Muted)
	}
}

// dialogBody draws the dialog as layoutDialog laid it out, framed.
func (a *App) dialogBody(h int) []string {
	d := a.dialog
	top := min(max(d.top, 0), len(d.wrapped)) // clamped by layout; this only guards
	end := min(top+d.page, len(d.wrapped))
	body := make([]string, 0, len(d.head)+end-top+len(d.scrollLine)+len(d.foot))
	body = append(body, d.head...)
	body = append(body, d.wrapped[top:end]...)
	body = append(body, d.scrollLine...)
	body = append(body, d.foot...)
	return a.frame(body, h-2) // the frame takes a line above and one below
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

// onEngine names the engine in a fleet's confirmation: " on NAME" (""
// outside a fleet, where the header names the only engine).
func (a *App) onEngine() string {
	if a.opts.Fleet == "" {
		return ""
	}
	return " on " + a.opts.Fleet
}
