package ui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// preset mirrors one docker prune command: choosing it marks exactly what
// the command would remove on this state, for the user to review and edit.
type preset struct {
	key, title, docker string
	kind               model.Kind // tab to show; -1 for the Overview
	aged               bool       // takes an age ("older than N")
}

var presets = []preset{
	{"1", "dangling images", "docker image prune", model.KindImage, false},
	{"2", "unused images", "docker image prune -a", model.KindImage, false},
	{"3", "unused images older than N", "docker image prune -a --filter until=N", model.KindImage, true},
	{"4", "stopped containers", "docker container prune", model.KindContainer, false},
	{"5", "unused anonymous volumes", "docker volume prune", model.KindVolume, false},
	{"6", "all unused volumes", "docker volume prune -a", model.KindVolume, false},
	{"7", "unused networks", "docker network prune", model.KindNetwork, false},
	{"8", "all build cache", "docker builder prune -a", model.KindBuildCache, false},
	{"9", "build cache unused for N", "docker builder prune -a --filter until=N", model.KindBuildCache, true},
	{"0", "everything unused", "docker system prune -a --volumes", -1, false},
}

// presetMarks computes what a preset removes on the current state.
func (a *App) presetMarks(p preset, age time.Duration) (*model.Marks, model.Reclaim) {
	ix := a.index
	m := model.NewMarks()
	set := func(k model.Kind, ids []string) {
		for _, id := range ids {
			m.Set(k, id, true)
		}
	}
	cutoff := a.now.Add(-age)
	switch p.key {
	case "1":
		_, ids := ix.PruneImages(false)
		set(model.KindImage, ids)
	case "2":
		_, ids := ix.PruneImages(true)
		set(model.KindImage, ids)
	case "3":
		_, ids := ix.PruneImages(true)
		created := map[string]time.Time{}
		for i := range a.snap.Images {
			created[a.snap.Images[i].ID] = a.snap.Images[i].Created
		}
		for _, id := range ids {
			if created[id].Before(cutoff) {
				m.Set(model.KindImage, id, true)
			}
		}
	case "4":
		_, ids := ix.PruneContainers()
		set(model.KindContainer, ids)
	case "5":
		_, ids := ix.PruneVolumes(false)
		set(model.KindVolume, ids)
	case "6":
		_, ids := ix.PruneVolumes(true)
		set(model.KindVolume, ids)
	case "7":
		set(model.KindNetwork, a.snap.UnusedNetworks())
	case "8":
		_, ids := ix.PruneBuildCache()
		set(model.KindBuildCache, ids)
	case "9":
		_, ids := ix.PruneBuildCache()
		used := map[string]time.Time{}
		for i := range a.snap.BuildCache {
			r := &a.snap.BuildCache[i]
			t := r.LastUsed
			if t.IsZero() {
				t = r.Created
			}
			used[r.ID] = t
		}
		for _, id := range ids {
			if used[id].Before(cutoff) {
				m.Set(model.KindBuildCache, id, true)
			}
		}
	case "0":
		_, sm := ix.PruneSystem(true)
		m = sm
		set(model.KindNetwork, a.snap.UnusedNetworks())
	}
	return m, ix.Compute(m)
}

// presetMenu is the open preset chooser.
type presetMenu struct {
	rows     []string // drawn once per age: computing them costs a reclaim each
	age      time.Duration
	editing  bool // typing the age
	pending  *preset
	errorMsg string
}

func (a *App) openPresets() {
	a.presets = &presetMenu{age: 30 * 24 * time.Hour}
	a.presetRows()
}

func (a *App) presetRows() {
	pm := a.presets
	pm.rows = pm.rows[:0]
	pm.rows = append(pm.rows, a.st.ColHeader.Render(fmt.Sprintf("     %-30s %7s  %9s   %-44s", "PRESET", "OBJECTS", "FREES", "MIRRORS")))
	held := false
	for _, p := range presets {
		m, r := a.presetMarks(p, pm.age)
		title := p.title
		docker := p.docker
		if p.aged {
			title = strings.Replace(title, "N", formatAge(pm.age), 1)
			docker = strings.Replace(docker, "until=N", "until="+untilFlag(pm.age), 1)
		}
		frees := model.HumanSize(r.Total)
		if r.Pending {
			frees = "≥" + frees
		}
		note := ""
		if r.HeldByBuildCache > 0 {
			note = a.st.Warn.Render(fmt.Sprintf("+%s later*", model.HumanSize(r.HeldByBuildCache)))
			held = true
		}
		pm.rows = append(pm.rows, fmt.Sprintf("  %s  %-30s %7d  %9s   %s %s", a.st.Prompt.Render(p.key), title, m.Len(), frees,
			a.st.Muted.Render(fmt.Sprintf("%-44s", docker)), note))
	}
	if held {
		pm.rows = append(pm.rows, "", a.st.Muted.Render("  * freed only once the build cache is pruned too: its records hold those image layers"))
	}
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
	for i := range presets {
		p := presets[i]
		if msg.String() != p.key {
			continue
		}
		if p.aged {
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
func (a *App) applyPreset(p preset) {
	age := a.presets.age
	m, _ := a.presetMarks(p, age)
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
	title := p.title
	if p.aged {
		title = strings.Replace(title, "N", formatAge(age), 1)
	}
	a.flash = presetFlash(title, added, already, a.marks.Len(), freesText(a.reclaim))
	if p.kind >= 0 {
		a.setActive(tabOf(p.kind))
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
	lines = append(lines, "")
	if pm.editing {
		lines = append(lines, "  "+a.input.View())
		if pm.errorMsg != "" {
			lines = append(lines, "  "+st.Error.Render(pm.errorMsg))
		}
	} else {
		lines = append(lines, st.Muted.Render("  press a number to add to the marks · esc closes · named volumes and running containers still need their own confirmation"))
	}
	return lines
}
