package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"bilge/dockerapi"
	"bilge/internal/deletionlog"
	"bilge/internal/fleet"
	"bilge/model"
)

// bilge prune --fleet: the same policy evaluated on every engine of the
// fleet at once, each within its own deadline; one plan per engine, one
// confirmation naming the engines and totals, then each engine's plan run
// in parallel by the same worker as bilge prune (by ID, never forced),
// each engine's deletions logged and recorded as bilge prune does.

// fleetPrune is one engine of a fleet prune: its plan, or why it has none,
// and, once run, its outcomes.
type fleetPrune struct {
	member fleet.Member
	e      *dockerapi.Engine
	// err is why the engine has no plan (unreachable, its deadline
	// passed), or why its deletions did not start.
	err  error
	snap *model.Snapshot
	ix   *model.ReclaimIndex
	out  pruneOutput
	took time.Duration
	// ran: its plan was run (err then is about the run).
	ran bool
}

func (f *fleetPrune) planned() bool { return f.err == nil && f.snap != nil }

// reason is err on one line of safe text.
func (f *fleetPrune) reason() string {
	return strings.Join(strings.Fields(model.SafeText(f.err.Error())), " ")
}

// runPruneFleet plans, asks and deletes across the fleet.
func runPruneFleet(ctx context.Context, o options, po pruneOptions, pol model.Policy, source string, stdout, stderr io.Writer) error {
	deadline := fleet.DefaultDeadline
	if o.timeoutSet {
		deadline = o.timeout
	}
	members, closeMembers, err := fleetMembers(ctx, o)
	if err != nil {
		return err
	}
	defer closeMembers()
	engines := planFleet(ctx, o, po, pol, source, members, deadline)
	defer func() {
		for _, f := range engines {
			if f.e != nil {
				f.e.Close()
			}
		}
	}()
	if ctx.Err() != nil {
		return errors.New("interrupted: nothing deleted")
	}
	if !po.json {
		printFleetPlans(stdout, engines)
	}
	items, answered := 0, 0
	for _, f := range engines {
		if f.planned() {
			answered++
			items += len(f.out.pp.Items)
		}
	}
	if answered == 0 {
		if po.json {
			if err := fleetPruneJSON(stdout, engines); err != nil {
				return err
			}
		}
		return fmt.Errorf("no engine of the fleet answered (%d engines; their reasons are in the output): nothing deleted", len(engines))
	}
	if !po.dryRun && items > 0 {
		if !po.force {
			if err := confirmQuestion(stdout, stderr, po.json, fleetQuestion(engines, items)); err != nil {
				return err
			}
		}
		deleteFleet(ctx, o, engines, stdout, po.json)
	}
	if po.json {
		if err := fleetPruneJSON(stdout, engines); err != nil {
			return err
		}
	} else if !po.dryRun && items > 0 {
		printFleetOutcomes(stdout, engines)
	}
	return fleetExit(engines, items)
}

// planFleet reads every engine's state and evaluates the policy on it,
// all in parallel, each within deadline.
func planFleet(ctx context.Context, o options, po pruneOptions, pol model.Policy, source string, members []fleet.Member, deadline time.Duration) []*fleetPrune {
	engines := make([]*fleetPrune, len(members))
	eo := o
	eo.timeout = deadline
	var wg sync.WaitGroup
	for i, m := range members {
		f := &fleetPrune{member: m}
		engines[i] = f
		if m.Err != nil {
			f.err = m.Err
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			start := time.Now()
			defer func() { f.took = time.Since(start) }()
			e, err := dockerapi.New(m.Endpoint)
			if err != nil {
				f.err = err
				return
			}
			f.e = e
			if m.Demo {
				e.UseLayerCache(dockerapi.MemoryLayerCache())
			}
			now := time.Now()
			eo := eo
			eo.demo = m.Demo
			snap, ix, free, err := pruneState(ctx, eo, e, pol, now)
			if err != nil {
				f.err = err
				return
			}
			f.snap, f.ix = snap, ix
			pp := pol.EvaluateFree(snap, ix, now, free)
			f.out = pruneOutput{source: source, snap: snap, pp: pp, verbose: po.verbose, dryRun: po.dryRun}
		}()
	}
	wg.Wait()
	return engines
}

// printFleetPlans prints each engine's plan under its name, the engines
// that have none with their reasons, and the fleet's totals.
func printFleetPlans(w io.Writer, engines []*fleetPrune) {
	for i, f := range engines {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "== %s · %s ==\n", model.SafeText(f.member.Name), model.SafeText(f.member.Where()))
		if !f.planned() {
			fmt.Fprintf(w, "unreachable: %s\n", f.reason())
			continue
		}
		f.out.printPlan(w)
	}
	fmt.Fprintln(w)
	printFleetTotals(w, engines)
}

// printFleetTotals is a line per engine (objects, bytes) and the sum.
func printFleetTotals(w io.Writer, engines []*fleetPrune) {
	items, answered := 0, 0
	var total int64
	pending := false
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range engines {
		if !f.planned() {
			fmt.Fprintf(tw, "  %s\tunreachable\n", model.SafeText(f.member.Name))
			continue
		}
		answered++
		r := f.out.pp.Reclaim
		items += len(f.out.pp.Items)
		total += r.Total
		pending = pending || r.Pending
		fmt.Fprintf(tw, "  %s\t%d to delete\t%s\n", model.SafeText(f.member.Name), len(f.out.pp.Items), model.HumanSize(r.Total))
	}
	fmt.Fprintf(w, "Fleet: %d to delete on %d of %d engines, frees %s%s\n", items, answered, len(engines), model.HumanSize(total), pendingNote(model.Reclaim{Pending: pending}))
	_ = tw.Flush()
}

// fleetQuestion is the one confirmation: the engines that would delete,
// what each frees, and the totals.
func fleetQuestion(engines []*fleetPrune, items int) string {
	var parts []string
	var total int64
	for _, f := range engines {
		if f.planned() && len(f.out.pp.Items) > 0 {
			parts = append(parts, fmt.Sprintf("%s (%d, %s)", model.SafeText(f.member.Name), len(f.out.pp.Items), model.HumanSize(f.out.pp.Reclaim.Total)))
			total += f.out.pp.Reclaim.Total
		}
	}
	return fmt.Sprintf("Delete these %d objects on %d engines: %s, freeing %s in all? [y/N] ", items, len(parts), strings.Join(parts, ", "), model.HumanSize(total))
}

// deleteFleet runs every engine's plan in parallel. Each engine's
// deletions are logged and recorded in the history as bilge prune does;
// its outcomes are printed as one block when it is done.
func deleteFleet(ctx context.Context, o options, engines []*fleetPrune, stdout io.Writer, asJSON bool) {
	var outMu, histMu sync.Mutex
	var wg sync.WaitGroup
	for _, f := range engines {
		if !f.planned() || len(f.out.pp.Items) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			f.ran = true
			deleteEngine(ctx, o, f, &buf, &histMu, asJSON)
			if asJSON {
				return
			}
			outMu.Lock()
			defer outMu.Unlock()
			fmt.Fprintf(stdout, "\n== %s: deleting ==", model.SafeText(f.member.Name))
			_, _ = stdout.Write(buf.Bytes())
		}()
	}
	wg.Wait()
}

// deleteEngine is runPrune's second half for one engine of the fleet.
// Warnings go to buf with its outcomes.
func deleteEngine(ctx context.Context, o options, f *fleetPrune, buf *bytes.Buffer, histMu *sync.Mutex, asJSON bool) {
	e, pp := f.e, f.out.pp
	o.demo = f.member.Demo
	var run *deletionlog.Run
	if !o.demo {
		rec, err := recorder(e)
		if err != nil {
			fmt.Fprintf(buf, "\nwarning: %v: deletions will not be logged", err)
		} else {
			rec.Rules = pp.Rules()
			run = rec.Begin(pp.Plan, f.snap, f.ix)
		}
	}
	// The engines' history records take turns: one database.
	hist := newSampleRecorder(o, e, buf)
	if hist != nil {
		hist.mu = histMu
	}
	defer hist.close()
	hist.sample(ctx, f.snap, f.ix, time.Now())
	if err := deletePlan(ctx, e, o.parallel, &f.out, run, buf, asJSON); err != nil {
		f.err = err
		if !asJSON {
			fmt.Fprintf(buf, "%v\n", err)
		}
		return
	}
	if run != nil {
		if err := run.Err(); err != nil {
			fmt.Fprintf(buf, "warning: deletions not logged: %v\n", err)
		}
	}
	recordCleanup(ctx, o, e, hist, &f.out, f.out.source)
	if !asJSON {
		_ = f.out.finish(buf, false)
	}
}

// printFleetOutcomes is the fleet's last lines: per engine, what was
// freed and what failed.
func printFleetOutcomes(w io.Writer, engines []*fleetPrune) {
	fmt.Fprintln(w)
	var freed int64
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range engines {
		name := model.SafeText(f.member.Name)
		switch {
		case !f.planned() && !f.ran:
			fmt.Fprintf(tw, "  %s\tunreachable: nothing deleted\n", name)
		case !f.ran:
			fmt.Fprintf(tw, "  %s\tnothing to delete\n", name)
		case f.err != nil:
			fmt.Fprintf(tw, "  %s\tnothing deleted: %s\n", name, f.reason())
		default:
			n, bad := len(f.out.outcomes)-f.out.notDeleted(), f.out.notDeleted()
			got := f.freed()
			freed += got
			line := fmt.Sprintf("  %s\tdeleted %d, freed %s", name, n, model.HumanSize(got))
			if f.out.before == nil || f.out.after == nil {
				line += " (predicted: not measured)"
			}
			if bad > 0 {
				line += fmt.Sprintf(", %d did not go", bad)
			}
			fmt.Fprintln(tw, line)
		}
	}
	fmt.Fprintf(w, "Fleet: freed %s\n", model.HumanSize(freed))
	_ = tw.Flush()
}

// freed is what the engine's run freed: measured before → after, else as
// predicted for what was deleted.
func (f *fleetPrune) freed() int64 {
	if f.out.before != nil && f.out.after != nil {
		return sum(f.out.before) - sum(f.out.after)
	}
	if f.out.notDeleted() == 0 {
		return f.out.pp.Reclaim.Total
	}
	return 0
}

// fleetExit is the exit status: 0 when every engine planned and every
// deletion went, 2 when some engine did not answer or some deletion did
// not go.
func fleetExit(engines []*fleetPrune, items int) error {
	var dead, failed []string
	bad := 0
	for _, f := range engines {
		switch {
		case f.err != nil:
			dead = append(dead, model.SafeText(f.member.Name))
		case f.out.notDeleted() > 0:
			failed = append(failed, model.SafeText(f.member.Name))
			bad += f.out.notDeleted()
		}
	}
	var msgs []string
	if len(dead) > 0 {
		msgs = append(msgs, fmt.Sprintf("%d of %d engines did not answer or could not delete (%s)", len(dead), len(engines), strings.Join(dead, ", ")))
	}
	if bad > 0 {
		msgs = append(msgs, fmt.Sprintf("%d of %d deletions did not go (on %s)", bad, items, strings.Join(failed, ", ")))
	}
	if len(msgs) == 0 {
		return nil
	}
	return &exitError{code: 2, msg: strings.Join(msgs, "; ") + " (see above)"}
}

// fleetPruneEngine is one engine of bilge prune --fleet --json: its bilge
// prune --json document with its endpoint, or the error.
type fleetPruneEngine struct {
	Endpoint string `json:"endpoint"`
	Error    string `json:"error,omitempty"`
	*pruneDoc
}

// fleetPruneJSON writes {"NAME": {...}, …}.
func fleetPruneJSON(w io.Writer, engines []*fleetPrune) error {
	doc := make(map[string]fleetPruneEngine, len(engines))
	for _, f := range engines {
		fe := fleetPruneEngine{Endpoint: f.member.Where()}
		if f.snap != nil {
			d := f.out.document()
			fe.pruneDoc = &d
		}
		if f.err != nil {
			fe.Error = f.reason()
		}
		doc[f.member.Name] = fe
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}
