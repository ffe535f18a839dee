package ui

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// layersMsg brings layer data for some images.
type layersMsg struct {
	layers map[string]model.ImageLayers
	err    error
}

// layersBatch bounds one layer fetch, so the first figures come quickly on
// a host with hundreds of new images.
const layersBatch = 64

func (a *App) layersCmd(ids []string) tea.Cmd {
	eng := a.eng
	return func() tea.Msg {
		ctx, cancel := a.withTimeout(listTimeout)
		defer cancel()
		l, err := eng.Layers(ctx, ids)
		return layersMsg{layers: l, err: err}
	}
}

// fetchLayers asks for the layers of images that still lack them, one
// batch at a time.
func (a *App) fetchLayers(missing []string) tea.Cmd {
	if a.layersBusy || len(missing) == 0 || a.conn == connReconnecting {
		return nil
	}
	var ids []string
	for _, id := range missing {
		if !a.layersTried[id] {
			ids = append(ids, id)
		}
		if len(ids) == layersBatch {
			break
		}
	}
	if len(ids) == 0 {
		return nil
	}
	for _, id := range ids {
		a.layersTried[id] = true
	}
	a.layersBusy = true
	return a.layersCmd(ids)
}

func (a *App) onLayers(msg layersMsg) tea.Cmd {
	a.layersBusy = false
	for id, l := range msg.layers {
		a.layers[id] = l
	}
	if msg.err != nil {
		a.engineDown(msg.err)
		if isConnErr(msg.err) {
			a.layersTried = map[string]bool{} // try again once back
		}
	}
	cmd := a.rebuild()
	return tea.Batch(cmd, a.maybeSample())
}

// reindex recomputes exact reclaim for the current snapshot and marks.
func (a *App) reindex() {
	a.marks.Retain(a.snap)
	a.index = model.NewReclaimIndex(a.snap)
	a.tally = a.index.TallyOf(a.marks)
	a.reclaim = a.tally.Result()
	if a.snap.Sized {
		a.exact = a.index.ExactReclaimable()
	} else {
		a.exact = nil
	}
}

// markable says whether the row may be marked at all.
func (a *App) markable(k model.Kind, i int) bool {
	if a.opts.ReadOnly {
		return false
	}
	if k == model.KindNetwork && a.snap.Networks[i].Builtin() {
		return false
	}
	return true
}

func (a *App) setMark(k model.Kind, id string, on bool) {
	if a.marks.Has(k, id) == on {
		return
	}
	a.marks.Set(k, id, on)
	if !on {
		delete(a.policy.rules, model.PlanKey{Kind: k, ID: id}) // its rule no longer marks it
	}
	if k.Info().Sized {
		a.tally.Set(k, id, on)
	}
}

func (a *App) toggleMark() {
	t := a.tab()
	if t == nil {
		return
	}
	i := t.current()
	if i < 0 {
		return
	}
	if v, ok := t.view.(*reposView); ok && v.isRepo(i) {
		a.markRepo(v.group(i)) // the repository as a whole
		if !a.showDetails {
			t.move(a.snap, 1)
		}
		return
	}
	k := t.view.kind()
	if !a.markable(k, i) {
		a.flash = "built-in networks cannot be removed"
		return
	}
	id := t.view.id(a.snap, i)
	on := !a.marks.Has(k, id)
	a.setMark(k, id, on)
	a.reclaim = a.tally.Result()
	if a.showDetails {
		// The details show one object: space marks that one and stays on
		// it, saying so (moving on would show another under the same
		// scroll position).
		verb, again := "marked", "unmarks"
		if !on {
			verb, again = "unmarked", "marks"
		}
		name := t.view.cells(&a.st, a.snap, i, a.now)[0].text
		a.flash = fmt.Sprintf("%s %s %s · space again %s it", verb, k.Noun(1), name, again)
		return
	}
	t.move(a.snap, 1)
}

func (a *App) markAllShown() {
	t := a.tab()
	if t == nil {
		return
	}
	k := t.view.kind()
	n := 0
	if v, ok := t.view.(*reposView); ok {
		// What the filter matches, as in the flat view (a shown
		// repository may hold images it does not match).
		for _, i := range v.matched {
			a.setMark(k, a.snap.Images[i].ID, true)
		}
		a.reclaim = a.tally.Result()
		n = len(v.matched)
		a.flash = fmt.Sprintf("marked %d %s (those the filter matches)", n, k.Noun(n))
		return
	}
	for _, i := range t.rows {
		if a.markable(k, i) {
			a.setMark(k, t.view.id(a.snap, i), true)
			n++
		}
	}
	a.reclaim = a.tally.Result()
	a.flash = fmt.Sprintf("marked %d %s", n, k.Noun(n))
}

func (a *App) unmarkAll() {
	a.marks.Clear()
	a.policy.rules = nil
	a.tally = a.index.TallyOf(a.marks)
	a.reclaim = a.tally.Result()
}

// freesText words an exact-reclaim figure for the user: exact, or a floor
// while layer data or sizes are pending.
func freesText(r model.Reclaim) string {
	s := model.HumanSize(r.Total)
	if r.Pending {
		s = "≥" + s
	}
	if r.HeldByBuildCache > 0 {
		// BuildKit's cache keeps those layers: say so instead of overstating.
		s += fmt.Sprintf(" (+%s once build cache is pruned)", model.HumanSize(r.HeldByBuildCache))
	}
	if r.Pending {
		s += " (sizes pending)"
	}
	return s
}

// markSummary is "3 marked · frees 1.2GB" for the status line.
func (a *App) markSummary() string {
	n := a.marks.Len()
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("● %d marked · frees %s", n, freesText(a.reclaim))
}

// freesCell is the Images table's FREES column: what deleting that image
// alone frees on disk now, exact, or pending. A * says that more leaves
// the disk once the build cache is pruned (BuildKit's records hold the
// same layers); the details pane says how much.
func (a *App) freesCell(img *model.Image) cell {
	// Before the container list (ContainersPending) no layers are applied
	// (rebuild), so this is pending then too.
	b, known := a.index.FreesAlone(img.ID)
	if !known {
		return cell{text: model.Pending, style: &a.st.Pending}
	}
	if b > 0 {
		if held := a.index.HeldAlone(img.ID); held > 0 {
			return cell{text: model.HumanSize(b-held) + "*", style: &a.st.Muted}
		}
	}
	return cell{text: model.HumanSize(b) + " "} // the space lines figures up with those that end in *
}
