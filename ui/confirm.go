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
	top                       int

	// Derived each time the answers change.
	lines   []string
	reclaim model.Reclaim
	// What needs a further confirmation.
	running, named []string
	// Stopped containers of marked images (offered for cascade).
	stoppedUsers int
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
	return model.PlanRequest{
		Images:       d.marks.IDs(model.KindImage),
		Containers:   d.marks.IDs(model.KindContainer),
		Volumes:      d.marks.IDs(model.KindVolume),
		Networks:     d.marks.IDs(model.KindNetwork),
		BuildCache:   d.marks.IDs(model.KindBuildCache),
		Cascade:      d.cascade,
		StopRunning:  d.stopRunning || d.step < stepRunning,
		NamedVolumes: d.namedVolumes || d.step < stepNamedVolumes,
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
	plan := model.NewPlan(s, d.request())
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
	vols := map[string]*model.Volume{}
	for i := range s.Volumes {
		vols[s.Volumes[i].Name] = &s.Volumes[i]
	}
	for _, name := range d.marks.IDs(model.KindVolume) {
		if v, ok := vols[name]; ok && !v.Anonymous() {
			d.named = append(d.named, name)
		}
	}

	var lines, warn []string
	groups := map[model.Kind][]model.PlanItem{}
	for _, it := range plan.Items {
		groups[it.Kind] = append(groups[it.Kind], it)
	}
	imgs := map[string]*model.Image{}
	for i := range s.Images {
		imgs[s.Images[i].ID] = &s.Images[i]
	}
	d.stoppedUsers = 0
	for _, id := range d.marks.IDs(model.KindImage) {
		img, ok := imgs[id]
		if !ok {
			continue
		}
		var stopped, running []string
		for _, cid := range img.Containers {
			c := ctrs[cid]
			if c == nil || d.marks.Has(model.KindContainer, cid) {
				continue
			}
			if c.Active() {
				running = append(running, c.Name)
			} else {
				stopped = append(stopped, c.Name)
			}
		}
		d.stoppedUsers += len(stopped)
		if len(running) > 0 {
			warn = append(warn, fmt.Sprintf("%s is used by running %s %s: it cannot be deleted (mark the container to remove it too)",
				img.Name(), plural(len(running), "container", "containers"), strings.Join(running, ", ")))
		}
		if len(stopped) > 0 {
			if d.cascade {
				warn = append(warn, fmt.Sprintf("%s: its stopped %s %s will be removed first (c to undo)",
					img.Name(), plural(len(stopped), "container", "containers"), strings.Join(stopped, ", ")))
			} else {
				warn = append(warn, fmt.Sprintf("%s is used by stopped %s %s: press c to remove %s first, or the engine will refuse",
					img.Name(), plural(len(stopped), "container", "containers"), strings.Join(stopped, ", "), plural(len(stopped), "it", "them")))
			}
		}
		if len(img.Tags) > 1 {
			warn = append(warn, fmt.Sprintf("%s goes with all %d tags: %s", model.ShortID(img.ID), len(img.Tags), strings.Join(img.Tags, ", ")))
		}
	}
	if len(d.running) > 0 {
		warn = append(warn, fmt.Sprintf("%d running %s will be stopped and removed: %s (asked again)", len(d.running), plural(len(d.running), "container", "containers"), strings.Join(d.running, ", ")))
	}
	if len(d.named) > 0 {
		warn = append(warn, fmt.Sprintf("%d named %s hold data: %s (asked separately)", len(d.named), plural(len(d.named), "volume", "volumes"), strings.Join(d.named, ", ")))
	}
	if d.reclaim.HeldByBuildCache > 0 {
		warn = append(warn, fmt.Sprintf("frees %s from images; %s stays in build cache until it is pruned",
			model.HumanSize(d.reclaim.Images), model.HumanSize(d.reclaim.HeldByBuildCache)))
	}
	for _, b := range d.reclaim.Blocked {
		if b.Kind == model.KindVolume && len(b.By) > 0 {
			warn = append(warn, fmt.Sprintf("volume %s is mounted by a container that stays: the engine will refuse", shortName(b.ID)))
		}
	}

	for _, k := range []model.Kind{model.KindContainer, model.KindImage, model.KindVolume, model.KindNetwork, model.KindBuildCache} {
		items := groups[k]
		if len(items) == 0 {
			continue
		}
		lines = append(lines, st.DetailHead.Render(fmt.Sprintf("%s (%d)", k.String(), len(items))))
		names := make([]string, 0, len(items))
		for _, it := range items {
			n := shortName(it.Name)
			if it.Name == "" || it.Kind == model.KindImage && strings.HasPrefix(it.Name, "<none>") {
				n = it.Name + " " + model.ShortID(it.ID)
			}
			if it.Cascade {
				n += st.Muted.Render(" (stopped, uses a marked image)")
			}
			if it.Kind == model.KindContainer && it.Force {
				n += st.Warn.Render(" (running)")
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
	if len(warn) > 0 {
		lines = append(lines, "", st.Warn.Render("Watch out"))
		for _, w := range warn {
			lines = append(lines, st.Warn.Render("  ! ")+w)
		}
	}
	d.lines = lines
	a.dialogPlan = plan
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func shortName(s string) string {
	v := model.Volume{Name: s}
	if v.Anonymous() {
		return model.ShortID(s) + " (anonymous)"
	}
	return s
}

func (a *App) onDialogKey(msg tea.KeyPressMsg) tea.Cmd {
	d := a.dialog
	k := a.keys
	switch {
	case key.Matches(msg, k.Up):
		d.top = max(d.top-1, 0)
	case key.Matches(msg, k.Down):
		d.top++
	case key.Matches(msg, k.Cascade) && d.step == stepAll:
		d.cascade = !d.cascade
		a.refreshDialog()
	case key.Matches(msg, k.Confirm):
		return a.dialogYes()
	case msg.String() == "n" && d.step != stepAll:
		// Leave those objects out, keep the rest.
		switch d.step {
		case stepRunning:
			d.stopRunning = false
		case stepNamedVolumes:
			d.namedVolumes = false
		}
		return a.dialogNext()
	case key.Matches(msg, k.Deny), key.Matches(msg, k.Quit):
		a.dialog = nil
		a.flash = "cancelled: nothing deleted"
	}
	return nil
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
		if d.step == stepRunning && len(d.running) > 0 {
			break
		}
		if d.step == stepNamedVolumes && len(d.named) > 0 {
			break
		}
		if d.step > stepNamedVolumes {
			a.refreshDialog()
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
	a.refreshDialog()
	return nil
}

// dialogBody draws the dialog in the body area.
func (a *App) dialogBody(h int) []string {
	d := a.dialog
	st := &a.st
	var head []string
	switch d.step {
	case stepAll:
		n := a.dialogPlan.Len()
		head = append(head, st.Offline.Render(fmt.Sprintf("Delete %d %s?", n, plural(n, "object", "objects")))+
			"  frees "+st.DetailHead.Render(freesText(d.reclaim)),
			st.Muted.Render("exact: each layer counted once, and only if nothing that stays still uses it"))
		casc := "off"
		if d.cascade {
			casc = "on"
		}
		if d.stoppedUsers > 0 || d.cascade {
			head = append(head, st.Muted.Render("c: include stopped containers of marked images — "+casc))
		}
	case stepRunning:
		head = append(head, st.Offline.Render(fmt.Sprintf("Stop and remove %d running %s?", len(d.running), plural(len(d.running), "container", "containers"))),
			"  "+strings.Join(d.running, ", "),
			st.Muted.Render("y: stop and remove them · n: leave them out, go on · esc: cancel everything"))
	case stepNamedVolumes:
		head = append(head, st.Offline.Render(fmt.Sprintf("Delete %d named %s and the data in %s?", len(d.named), plural(len(d.named), "volume", "volumes"), plural(len(d.named), "it", "them"))),
			"  "+strings.Join(d.named, ", "),
			st.Muted.Render("y: delete them · n: leave them out, go on · esc: cancel everything"))
	}
	head = append(head, "")
	h -= 2 // the frame
	room := max(h-len(head)-1, 1)
	top := min(d.top, max(len(d.lines)-room, 0))
	d.top = top
	body := head
	for i := top; i < len(d.lines) && len(body) < h-1; i++ {
		body = append(body, d.lines[i])
	}
	if rest := len(d.lines) - top - (len(body) - len(head)); rest > 0 {
		body = append(body, st.Muted.Render(fmt.Sprintf("  … %d more lines (↓ to scroll)", rest)))
	} else {
		body = append(body, st.Muted.Render("y/enter: delete · n/esc: cancel (nothing is deleted until you confirm)"))
	}
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
