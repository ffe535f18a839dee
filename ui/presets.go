package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// presetMenu is the open preset chooser.
type presetMenu struct {
	rows     []string // drawn once per age: computing them costs a reclaim each
	gap      string   // why preset 0 differs from the Overview's total
	held     bool     // rows end with the footnote on build cache
	age      time.Duration
	editing  bool // typing the age
	pending  *model.Preset
	errorMsg string
	// policyPending: the policy row waits for sizes; new data redraws it.
	policyPending bool
}

func (a *App) openPresets() tea.Cmd {
	a.presets = &presetMenu{age: 30 * 24 * time.Hour}
	cmd := a.policyTimesCmd()
	a.presetRows()
	return cmd
}

func (a *App) presetRows() {
	pm := a.presets
	pm.rows = pm.rows[:0]
	pm.rows = append(pm.rows, a.st.ColHeader.Render(fmt.Sprintf("     %-30s %7s  %9s   %-44s", "PRESET", "OBJECTS", "FREES", "MIRRORS")))
	held := false
	var sysMarks *model.Marks
	var sys model.Reclaim
	for _, p := range model.Presets {
		m, r := p.Marks(a.snap, a.index, a.now, pm.age)
		if p.Key == "0" {
			sysMarks, sys = m, r
		}
		title := p.Title
		docker := p.Docker
		if p.NeedsAge {
			title = strings.Replace(title, "N", formatAge(pm.age), 1)
			docker = strings.Replace(docker, "until=N", "until="+untilFlag(pm.age), 1)
		}
		frees := model.HumanSize(r.Total)
		if r.Pending {
			frees = "≥" + frees
		}
		note := ""
		if p.Kind == model.KindBuildCache && a.snap.Engine.NoBuildCache {
			docker = "(" + a.snap.Engine.ProductName() + " has no build cache)"
		}
		if r.HeldByBuildCache > 0 {
			note = a.st.Warn.Render(fmt.Sprintf("+%s later*", model.HumanSize(r.HeldByBuildCache)))
			held = true
		}
		pm.rows = append(pm.rows, fmt.Sprintf("  %s  %-30s %7d  %9s   %s %s", a.st.Prompt.Render(p.Key), title, m.Len(), frees,
			a.st.Muted.Render(fmt.Sprintf("%-44s", docker)), note))
	}
	if a.opts.Policy != nil || a.opts.PolicyErr != "" {
		row, notes, pending := a.policyRow()
		pm.policyPending = pending
		pm.rows = append(pm.rows, row)
		pm.rows = append(pm.rows, notes...)
	}
	if held {
		pm.rows = append(pm.rows, "", a.st.Muted.Render("  * freed only once the build cache is pruned too: its records hold those image layers"))
	}
	pm.gap, pm.held = a.systemGapText(sys, sysMarks), held
}

// systemGapText says why preset 0 (sys, with its marks m) frees another
// amount than the Overview's total (each kind's own prune added up), in
// parts that add up; "" when they agree or sizes are not in.
func (a *App) systemGapText(sys model.Reclaim, m *model.Marks) string {
	if a.exact == nil || m == nil {
		return ""
	}
	g := a.index.SystemGap(a.exact, sys, m)
	if g.System == g.Kinds {
		return ""
	}
	h := model.HumanSize
	s := fmt.Sprintf("0's %s = the Overview's total %s", h(g.System), h(g.Kinds))
	var stopped []string
	if g.StoppedImages > 0 {
		stopped = append(stopped, h(g.StoppedImages)+" images")
	}
	if g.StoppedVolumes > 0 {
		stopped = append(stopped, h(g.StoppedVolumes)+" anonymous volumes")
	}
	if len(stopped) > 0 {
		s += fmt.Sprintf(" + %s of the %d stopped %s it removes", strings.Join(stopped, " and "), g.Stopped, plural(g.Stopped, "container", "containers"))
	}
	if g.NamedVolumes > 0 {
		s += fmt.Sprintf(" − %s named volumes it keeps", h(g.NamedVolumes))
	}
	if g.Held > 0 {
		s += fmt.Sprintf(" − %s image layers build cache in use keeps", h(g.Held))
	}
	if g.Pending {
		s += " (sizes pending)"
	}
	return s
}

func (a *App) onPresetKey(msg tea.KeyPressMsg) tea.Cmd {
	pm := a.presets
	if pm.editing {
		switch {
		case msg.String() == "ctrl+c":
			return a.onQuitKey(msg)
		case key.Matches(msg, a.keys.Apply):
			d, err := model.ParseAge(strings.TrimSpace(a.input.Value()))
			if err != nil {
				pm.errorMsg = err.Error()
				return nil
			}
			pm.age, pm.editing = d, false
			a.presetRows()
			a.input.Blur()
			a.input.Prompt = "/"
			if pm.pending != nil {
				a.applyPreset(*pm.pending)
			}
			return nil
		case key.Matches(msg, a.keys.Cancel):
			pm.editing, pm.pending = false, nil
			a.input.Blur()
			a.input.Prompt = "/"
			return nil
		}
		var cmd tea.Cmd
		a.input, cmd = a.input.Update(msg)
		return cmd
	}
	if key.Matches(msg, a.keys.Quit) {
		return a.onQuitKey(msg)
	}
	if key.Matches(msg, a.keys.Deny) || key.Matches(msg, a.keys.Presets) {
		a.presets = nil
		return nil
	}
	if msg.String() == policyKey && (a.opts.Policy != nil || a.opts.PolicyErr != "") {
		pm.errorMsg = ""
		return a.applyPolicy()
	}
	for i := range model.Presets {
		p := model.Presets[i]
		if msg.String() != p.Key {
			continue
		}
		if p.NeedsAge {
			pm.editing, pm.pending, pm.errorMsg = true, &p, ""
			a.input.Prompt = "older than: "
			a.input.SetValue(formatAge(pm.age))
			a.input.CursorEnd()
			return a.input.Focus()
		}
		a.applyPreset(p)
		return nil
	}
	return nil
}

// applyPreset adds what the preset removes to the marks (marks made by
// hand or by another preset stay) and shows them; the status line says
// what changed. Nothing is deleted until the user presses d and confirms.
func (a *App) applyPreset(p model.Preset) {
	age := a.presets.age
	m, _ := p.Marks(a.snap, a.index, a.now, age)
	title := p.Title
	if p.NeedsAge {
		title = strings.Replace(title, "N", formatAge(age), 1)
	}
	a.addMarks(title, m, p.Kind)
}

// addMarks adds m to the marks, closes the menu and shows the kind (-1:
// the Overview); the status line says what changed.
func (a *App) addMarks(title string, m *model.Marks, kind model.Kind) {
	a.presets = nil
	added, already := 0, 0
	for _, k := range model.Kinds {
		for _, id := range m.IDs(k) {
			if a.marks.Has(k, id) {
				already++
				continue
			}
			a.setMark(k, id, true)
			added++
		}
	}
	a.reclaim = a.tally.Result()
	a.flash = presetFlash(title, added, already, a.marks.Len(), freesText(a.reclaim))
	if kind >= 0 {
		a.setActive(tabOf(kind))
	} else {
		a.setActive(0)
	}
}

// presetFlash says what a preset changed in the marks.
func presetFlash(title string, added, already, total int, frees string) string {
	var what string
	switch {
	case added == 0 && already == 0:
		what = "nothing to mark"
	case added == 0:
		what = fmt.Sprintf("nothing new (its %d already marked)", already)
	case already == 0:
		what = fmt.Sprintf("+%d marked", added)
	default:
		were := "were"
		if already == 1 {
			were = "was"
		}
		what = fmt.Sprintf("+%d marked, %d already %s", added, already, were)
	}
	if total == added {
		return fmt.Sprintf("%s: %s, frees %s — review, then d to delete", title, what, frees)
	}
	return fmt.Sprintf("%s: %s · %d marked in all, frees %s — review, then d to delete", title, what, total, frees)
}

func formatAge(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	}
	return d.String()
}

func untilFlag(d time.Duration) string {
	return fmt.Sprintf("%dh", int(d.Hours()))
}

func (a *App) presetsBody() []string {
	st := &a.st
	pm := a.presets
	lines := []string{st.DetailHead.Render("Prune presets") + st.Muted.Render("  each adds to the marks exactly what the docker command would remove now; review and edit them, then d"), ""}
	lines = append(lines, pm.rows...)
	if pm.gap != "" {
		if !pm.held {
			lines = append(lines, "") // else it follows the other footnote
		}
		lines = append(lines, wrapHanging(pm.gap, "  ", "    ", a.width, st.Muted)...)
	}
	lines = append(lines, "")
	if pm.editing {
		lines = append(lines, "  "+a.input.View())
		if pm.errorMsg != "" {
			lines = append(lines, "  "+st.Error.Render(pm.errorMsg))
		}
	} else if pm.errorMsg != "" {
		lines = append(lines, "  "+st.Warn.Render(pm.errorMsg))
	} else {
		lines = append(lines, st.Muted.Render("  press a number to add to the marks · esc closes · named volumes and running containers still need their own confirmation"))
	}
	return lines
}
