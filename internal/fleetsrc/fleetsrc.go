// Package fleetsrc measures a fleet's engines for the UI's fleet view:
// ui.FleetSource's Members and Measure over internal/fleet (the figures of
// bilge df --fleet), so that ui itself sees neither dockerapi nor the
// fleet. Opening an engine for its tabs is the caller's (main gives it
// its deletions log and history).
package fleetsrc

import (
	"context"
	"strings"
	"time"

	"bilge/internal/fleet"
	"bilge/model"
	"bilge/ui"
)

// Measurer is the Members and Measure of a ui.FleetSource.
type Measurer struct {
	// List is the fleet, as fleet.List or a demo fleet gives it.
	List []fleet.Member
	// Deadline bounds each engine's measure (0: fleet.DefaultDeadline).
	Deadline time.Duration
	// Pool, when set, keeps each engine's client open from one measure to
	// the next (one ssh master per engine, not one per measure).
	Pool *fleet.Pool
}

// Members names the engines, in safe text on one line.
func (m Measurer) Members() []ui.FleetMember {
	out := make([]ui.FleetMember, len(m.List))
	for i, mb := range m.List {
		out[i] = ui.FleetMember{Name: oneLine(mb.Name), Endpoint: oneLine(mb.Where())}
	}
	return out
}

// Measure is bilge df --fleet's measure of engine i.
func (m Measurer) Measure(ctx context.Context, i int) ui.FleetRow {
	return Row(fleet.Measure(ctx, m.List[i:i+1], fleet.Options{Deadline: m.Deadline, Pool: m.Pool}, nil)[0])
}

// Row is what the fleet view shows of an engine's result: the figures of
// bilge df --fleet's table, or why it did not answer.
func Row(r fleet.Result) ui.FleetRow {
	if !r.OK() {
		reason := r.Reason()
		if reason == "" {
			reason = "no answer"
		}
		return ui.FleetRow{Err: reason}
	}
	row := ui.FleetRow{Version: oneLine(r.Snap.Engine.VersionLabel()), Storage: oneLine(r.Storage)}
	size, exact := fleet.Figures(r)
	for j := range ui.FleetKinds {
		row.Size[j] = ui.FleetFigure(size[j])
		row.Exact[j] = ui.FleetFigure(exact[j])
	}
	return row
}

func oneLine(s string) string { return strings.Join(strings.Fields(model.SafeText(s)), " ") }
