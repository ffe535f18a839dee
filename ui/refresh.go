// The refresh loop: lists, disk usage, events, pings and reconnecting;
// every engine call runs as a command with a deadline, never in Update.

package ui

import (
	"context"
	"errors"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

func (a *App) startLists() tea.Cmd {
	if a.listing {
		return nil
	}
	a.listing = true
	a.seq++
	a.lastResync = a.now
	return a.listsCmd(a.seq, !a.loaded)
}

func (a *App) startKind(k model.Kind) tea.Cmd {
	if k == model.KindBuildCache {
		return nil // build cache only comes with disk usage
	}
	if a.kindBusy[k] {
		a.kindAgain[k] = true
		return nil
	}
	a.kindBusy[k] = true
	a.seq++
	return a.kindCmd(k, a.seq)
}

type subscribedMsg struct {
	gen  int
	evc  <-chan model.Event
	errc <-chan error
}

func (a *App) subscribe() tea.Cmd {
	if a.evCancel != nil {
		a.evCancel()
	}
	a.evGen++
	gen := a.evGen
	ctx, cancel := context.WithCancel(a.ctx)
	a.evCancel = cancel
	a.eventsUp = true
	eng := a.eng
	return func() tea.Msg {
		evc, errc := eng.Events(ctx)
		return subscribedMsg{gen: gen, evc: evc, errc: errc}
	}
}

func (a *App) stopEvents() {
	if a.evCancel != nil {
		a.evCancel()
		a.evCancel = nil
	}
	a.evGen++
	a.eventsUp = false
}

// requestDF runs system df unless one is running (then it runs again after)
// or one ran too recently: the gap grows with how long df takes, so a
// host where df costs seconds is not kept busy by a stream of changes.
func (a *App) requestDF(force bool) tea.Cmd {
	if a.dfRunning {
		a.dfDirty = true
		return nil
	}
	if !force && !a.dfStart.IsZero() {
		gap := min(max(10*a.dfLast, 2*time.Second), 30*time.Second)
		if wait := gap - a.now.Sub(a.dfStart); wait > 0 {
			if !a.dfHeld {
				a.dfHeld = true
				return tickAfter(wait, diskUsageRetryMsg{})
			}
			return nil
		}
	}
	a.dfRunning = true
	a.dfStart = a.now
	return tea.Batch(a.diskUsageCmd(), a.startSpinner())
}

func (a *App) busy() bool {
	if a.listing || a.dfRunning {
		return true
	}
	for _, b := range a.kindBusy {
		if b {
			return true
		}
	}
	return false
}

func (a *App) startSpinner() tea.Cmd {
	if a.spinning {
		return nil
	}
	a.spinning = true
	return a.spin.Tick
}

// rebuild re-derives everything after data changed: relations, sizes from
// the last disk usage, the Overview, and the tables (lazily: the visible
// one now, the others when shown).
func (a *App) rebuild() tea.Cmd {
	a.snap.ClearSizes()
	a.snap.Link()
	if a.du != nil {
		a.snap.ApplyDiskUsage(a.du)
	}
	var missing []string
	if !a.snap.ContainersPending {
		// Layers wait for the full lists: their reads would compete with
		// the container list, and frees need the containers anyway.
		missing = a.snap.ApplyLayers(a.layers)
	}
	a.usage = overviewUsage(a.snap)
	a.reindex()
	for _, t := range a.tabs {
		t.dirty = true
	}
	a.repoTab.dirty = true
	a.applyActive()
	if a.dialog != nil {
		a.dialogDataChanged()
	}
	if a.presets != nil && a.presets.policyPending && !a.presets.editing {
		a.presetRows()
	}
	return a.fetchLayers(missing)
}

// overviewUsage is the docker system df rows in the tabs' order (model.Kinds).
// bilge df keeps docker's order (model.DFOrder).
func overviewUsage(s *model.Snapshot) []model.Usage {
	out := make([]model.Usage, 0, len(model.Kinds))
	for _, k := range model.Kinds {
		out = append(out, s.UsageOf(k))
	}
	return out
}

func (a *App) applyActive() {
	if t := a.tab(); t != nil && t.dirty {
		t.apply(a.snap, a.index, a.now)
	}
}

// tab is the current table, nil on the Overview.
func (a *App) tab() *tab {
	k, ok := tabKind(a.active)
	if !ok {
		return nil
	}
	if k == model.KindImage && a.grouped {
		return a.repoTab
	}
	return a.tabs[k]
}

// engineDown handles an error from any call: a lost connection turns the
// header to reconnecting and keeps the rows, marked stale.
func (a *App) engineDown(err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	if !isConnErr(err) {
		a.lastErr = oneLine(err.Error())
		return
	}
	if a.conn == connConnected || a.conn == connConnecting {
		if a.conn == connConnected {
			a.offlineSince = a.now
		}
		a.conn = connReconnecting
		a.stopEvents()
	}
	a.connErr = oneLine(err.Error())
}

// unreachable is the engine's way of saying it cannot be reached: its
// connection and timeout errors (dockerapi.ConnectError, TimeoutError)
// report Unreachable. Checked by type, never by the words of a message.
type unreachable interface{ Unreachable() bool }

// isConnErr reports an error that means the engine is not reachable (or
// stopped answering), as opposed to one call that failed.
func isConnErr(err error) bool {
	var u unreachable
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &u) && u.Unreachable()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func (a *App) nextBackoff() time.Duration {
	switch {
	case a.backoff == 0:
		a.backoff = 500 * time.Millisecond
	default:
		a.backoff = min(a.backoff*2, 8*time.Second)
	}
	return a.backoff
}

// ---- Update

// onEarlyImages shows the image list of the first load while the other
// lists are still coming: rows, counts and image sizes, with what depends
// on containers (status, users, frees) pending.
func (a *App) onEarlyImages(msg earlyImagesMsg) tea.Cmd {
	if a.loaded || msg.seq != a.seq {
		return msg.rest
	}
	s := &model.Snapshot{Images: msg.images, ContainersPending: true}
	a.snap = s
	cmd := a.rebuild()
	return tea.Batch(cmd, a.trace("rows"), msg.rest)
}

func (a *App) onLists(msg listsMsg) tea.Cmd {
	a.listing = false
	if msg.err != nil {
		a.engineDown(msg.err)
		return nil
	}
	changed := !a.loaded || idsChanged(a.snap, msg.snap)
	old := a.snap
	s := msg.snap
	if !a.loaded {
		a.conn = connConnected
	}
	// Keep kinds a newer per-kind re-list already brought.
	for k := range a.applied {
		if a.applied[k] > msg.seq {
			switch model.Kind(k) {
			case model.KindImage:
				s.Images = old.Images
			case model.KindContainer:
				s.Containers = old.Containers
			case model.KindVolume:
				s.Volumes = old.Volumes
			case model.KindNetwork:
				s.Networks = old.Networks
			}
		} else {
			a.applied[k] = msg.seq
		}
	}
	a.snap = s
	a.loaded = true
	a.lastData = a.now
	a.lastErr = ""
	cmd := a.rebuild()
	if len(s.Images) > 0 {
		cmd = tea.Batch(cmd, a.trace("rows"), a.trace("lists"))
	}
	if a.du == nil && a.dfStart.IsZero() {
		return tea.Batch(cmd, a.requestDF(true)) // the first scan
	}
	if changed && a.du != nil {
		return tea.Batch(cmd, a.requestDF(false))
	}
	return cmd
}

// idsChanged reports whether a resync found objects that came or went.
func idsChanged(old, cur *model.Snapshot) bool {
	if len(old.Images) != len(cur.Images) || len(old.Containers) != len(cur.Containers) ||
		len(old.Volumes) != len(cur.Volumes) || len(old.Networks) != len(cur.Networks) {
		return true
	}
	ids := make(map[string]struct{}, len(old.Images)+len(old.Containers)+len(old.Volumes))
	for i := range old.Images {
		ids[old.Images[i].ID] = struct{}{}
	}
	for i := range old.Containers {
		ids[old.Containers[i].ID+"/"+old.Containers[i].State] = struct{}{}
	}
	for i := range old.Volumes {
		ids[old.Volumes[i].Name] = struct{}{}
	}
	for i := range cur.Images {
		if _, ok := ids[cur.Images[i].ID]; !ok {
			return true
		}
	}
	for i := range cur.Containers {
		if _, ok := ids[cur.Containers[i].ID+"/"+cur.Containers[i].State]; !ok {
			return true
		}
	}
	for i := range cur.Volumes {
		if _, ok := ids[cur.Volumes[i].Name]; !ok {
			return true
		}
	}
	return false
}

func (a *App) onKind(msg kindMsg) tea.Cmd {
	a.kindBusy[msg.kind] = false
	var again tea.Cmd
	if a.kindAgain[msg.kind] {
		a.kindAgain[msg.kind] = false
		again = a.startKind(msg.kind)
	}
	if msg.err != nil {
		a.engineDown(msg.err)
		return again
	}
	if msg.seq < a.applied[msg.kind] {
		return again // a newer full resync already brought this kind
	}
	a.applied[msg.kind] = msg.seq
	switch data := msg.data.(type) {
	case []model.Image:
		a.snap.Images = data
	case []model.Container:
		a.snap.Containers = data
	case []model.Volume:
		a.snap.Volumes = data
	case []model.Network:
		a.snap.Networks = data
	}
	a.lastData = a.now
	return tea.Batch(again, a.rebuild())
}

func (a *App) onDiskUsage(msg diskUsageMsg) tea.Cmd {
	a.dfRunning = false
	a.dfLast = a.now.Sub(a.dfStart)
	if msg.err != nil {
		if errors.Is(msg.err, model.ErrDiskUsageBusy) {
			// Someone else's df is running (engines before 23.0 refuse a
			// second one): try again shortly.
			a.dfHeld = true
			return tickAfter(2*time.Second, diskUsageRetryMsg{})
		}
		a.engineDown(msg.err)
		if r := a.lastRun; r != nil && r.afterPending {
			r.afterErr = "the engine did not answer"
			if isConnErr(msg.err) {
				r.afterErr = "engine unreachable"
			}
		}
		return nil
	}
	a.du = msg.du
	a.hist.want = true // a sample once its figures are in (history.go)
	cmds := []tea.Cmd{a.rebuild(), a.trace("sized")}
	// A scan that began before the moment a run must measure from is not
	// its before (or the last run's after): measure again.
	again := false
	if r := a.run; r != nil && r.phase == phaseBefore {
		if a.dfStart.Before(r.measureFrom) {
			again = true
		} else {
			cmds = append(cmds, a.onRunMeasured(msg.du))
		}
	}
	if r := a.lastRun; r != nil && r.afterPending {
		if a.dfStart.Before(r.measureFrom) {
			again = true
		} else {
			cmds = append(cmds, a.onAfterMeasured(msg.du))
		}
	}
	if again {
		a.dfDirty = false
		return tea.Batch(append(cmds, a.requestDF(true))...)
	}
	if a.dfDirty {
		a.dfDirty = false
		cmds = append(cmds, a.requestDF(false))
	}
	return tea.Batch(append(cmds, a.maybeSample())...)
}

func (a *App) onPing(msg pingMsg) tea.Cmd {
	var cmds []tea.Cmd
	if msg.err != nil {
		a.engineDown(msg.err)
		if !isConnErr(msg.err) {
			a.engineDown(errors.New("cannot connect: " + msg.err.Error()))
		}
		return tickAfter(a.nextBackoff(), pingTickMsg{})
	}
	a.backoff = 0
	if a.conn != connConnected {
		// Back: resync everything and listen again.
		a.conn = connConnected
		a.connErr = ""
		a.listing = false
		cmds = append(cmds, a.startLists(), a.subscribe(), a.requestDF(true), a.startSpinner())
	} else {
		due := a.opts.Resync
		if !a.eventsUp {
			due = a.opts.Interval
			cmds = append(cmds, a.subscribe())
		}
		if a.now.Sub(a.lastResync) >= due {
			cmds = append(cmds, a.startLists(), a.startSpinner())
		} else if a.snap.Engine.NoNetworkEvents {
			// No network events (Podman): networks are re-listed on
			// every ping instead, a cheap call.
			cmds = append(cmds, a.startKind(model.KindNetwork))
		}
	}
	cmds = append(cmds, tickAfter(a.opts.Interval, pingTickMsg{}))
	return tea.Batch(cmds...)
}

func (a *App) onEvents(msg eventsMsg) tea.Cmd {
	if msg.gen != a.evGen {
		return nil
	}
	for _, ev := range msg.events {
		a.pending[ev.Kind] = true
		if ev.Kind == model.KindContainer {
			// Containers change what uses images, volumes and networks, but
			// those relations come from the container list itself.
			continue
		}
	}
	cmds := []tea.Cmd{a.rearmEvents()}
	if !a.debouncing {
		a.debouncing = true
		cmds = append(cmds, tickAfter(250*time.Millisecond, debounceMsg{}))
	}
	return tea.Batch(cmds...)
}

// rearmEvents is set by subscribedMsg; eventsMsg re-arms the same reader.
func (a *App) rearmEvents() tea.Cmd { return a.eventsReader }

func (a *App) onDebounce() tea.Cmd {
	a.debouncing = false
	var cmds []tea.Cmd
	for k, p := range a.pending {
		if p {
			cmds = append(cmds, a.startKind(model.Kind(k)))
			a.pending[k] = false
		}
	}
	cmds = append(cmds, a.requestDF(false), a.startSpinner())
	return tea.Batch(cmds...)
}

// ---- keys
