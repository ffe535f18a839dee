package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"bilge/dockerapi"
	"bilge/internal/enginetest"
	"bilge/model"
)

// deleteResult is one way of deleting one set.
type deleteResult struct {
	method     string
	took       time.Duration
	containers time.Duration // time until the last container was gone
	objects    int
	failed     int
	left       int     // objects of the set still on the daemon afterwards
	dockerd    float64 // dockerd's CPU meanwhile, % of a core
}

// deleteFigures seeds three identical sets (stopped containers, unused
// images) and deletes one with bilge's worker, one with one call at a time
// and one with the engine's prune endpoints, restricted to the set's label.
func (b *bench) deleteFigures(ctx context.Context) error {
	methods := []struct {
		name string
		fn   func(context.Context, *enginetest.DeleteSet) (deleteResult, error)
	}{
		{"worker", func(ctx context.Context, set *enginetest.DeleteSet) (deleteResult, error) {
			return b.deleteWorker(ctx, set, b.cfg.parallel)
		}},
		{"sequential", b.deleteSequential},
		{"prune", b.deletePrune},
		// The engine's own ceiling: how much faster than sequential any
		// client can delete on this daemon (it serialises layer removal).
		{"worker-16", func(ctx context.Context, set *enginetest.DeleteSet) (deleteResult, error) {
			return b.deleteWorker(ctx, set, 16)
		}},
	}
	dpid := b.cfg.dockerd
	results := map[string]deleteResult{}
	var seedTook []time.Duration
	for i, m := range methods {
		runID := fmt.Sprintf("%s-d%d", b.base, i+1)
		b.runIDs = append(b.runIDs, runID)
		logf("deletion set %d (%s): seeding %d stopped containers and %d unused images…", i+1, m.name, b.cfg.delCtrs, b.cfg.delImgs)
		set, err := b.e.SeedDeleteSet(ctx, b.scale, runID, b.cfg.delCtrs, b.cfg.delImgs)
		if err != nil {
			return fmt.Errorf("seeding set %s: %w", runID, err)
		}
		seedTook = append(seedTook, set.Took)
		if err := sleep(ctx, 3*time.Second); err != nil { // let the engine settle
			return err
		}
		logf("deletion set %d: deleting with %s…", i+1, m.name)
		cpu, err := startCPU(dpid)
		if err != nil {
			return err
		}
		r, err := m.fn(ctx, set)
		if err != nil {
			return fmt.Errorf("%s: %w", m.name, err)
		}
		if pct, _, err := cpu.percent(); err == nil {
			r.dockerd = pct[0]
		}
		r.method = m.name
		r.left, err = b.leftOf(ctx, runID)
		if err != nil {
			return err
		}
		results[m.name] = r
		logf("deletion set %d: %s took %s s", i+1, m.name, secs(r.took))
		if err := b.e.CleanupScale(ctx, runID); err != nil { // whatever is left
			return err
		}
	}

	b.rep.group(fmt.Sprintf("bulk deletion (%d stopped containers + %d unused images per set, a fresh set each)", b.cfg.delCtrs, b.cfg.delImgs))
	b.rep.add("delete set seeding: %s s", secsList(seedTook))
	for _, m := range methods {
		r := results[m.name]
		how := map[string]string{
			"worker":     fmt.Sprintf("dockerapi.Engine.Delete, parallel %d", b.cfg.parallel),
			"worker-16":  "dockerapi.Engine.Delete, parallel 16: the engine's ceiling",
			"sequential": "one DELETE at a time",
			"prune":      "POST /containers/prune, /images/prune with the label filter",
		}[m.name]
		extra := ""
		if r.failed > 0 || r.left > 0 {
			extra = fmt.Sprintf("; %d failed, %d left", r.failed, r.left)
		}
		b.rep.add("delete %s: %s s (%.0f objects/s; containers %s s, images %s s; dockerd %.0f %% of a core; %s%s)",
			m.name, secs(r.took), float64(r.objects)/r.took.Seconds(), secs(r.containers), secs(r.took-r.containers), r.dockerd, how, extra)
	}
	w, s, p := results["worker"], results["sequential"], results["prune"]
	wp := w.took.Seconds() / p.took.Seconds()
	b.rep.target(wp <= 1.25, "delete worker vs prune: %.2f× the time (target ≤1.25×)", wp)
	sw := s.took.Seconds() / w.took.Seconds()
	b.rep.target(sw >= 3, "delete worker vs sequential: %.2f× faster (target ≥3×)", sw)
	if c := results["worker-16"]; c.took > 0 {
		b.rep.add("delete engine ceiling: %.2f× faster than sequential with 16 at once (what any client can reach on this daemon)", s.took.Seconds()/c.took.Seconds())
	}
	return nil
}

// deleteWorker deletes the set as bilge does: a snapshot from the cheap
// lists, a plan from the marks, the worker.
func (b *bench) deleteWorker(ctx context.Context, set *enginetest.DeleteSet, parallel int) (deleteResult, error) {
	var r deleteResult
	e, err := dockerapi.Connect(ctx, dockerapi.Selection{Host: b.e.Host()})
	if err != nil {
		return r, err
	}
	defer e.Close()
	snap, err := e.Lists(ctx, nil)
	if err != nil {
		return r, err
	}
	plan := model.NewPlan(snap, model.PlanRequest{Containers: set.Containers, Images: set.Images})
	if want := len(set.Containers) + len(set.Images); plan.Len() != want {
		return r, fmt.Errorf("plan has %d items, want %d", plan.Len(), want)
	}
	r.objects = plan.Len()
	start := time.Now()
	for o := range e.Delete(ctx, plan, parallel) {
		if o.Status == model.Started {
			continue // progress, not an outcome
		}
		if o.Item.Kind == model.KindContainer {
			r.containers = time.Since(start)
		}
		if o.Status != model.Deleted {
			r.failed++
			if r.failed <= 3 {
				logf("worker: %s %s: %s %s", o.Item.Kind, o.Item.Name, o.Status, o.Err)
			}
		}
	}
	r.took = time.Since(start)
	return r, ctx.Err()
}

// deleteSequential deletes the set one call at a time, as
// `docker rm ID…; docker rmi ID…` does.
func (b *bench) deleteSequential(ctx context.Context, set *enginetest.DeleteSet) (deleteResult, error) {
	r := deleteResult{objects: len(set.Containers) + len(set.Images)}
	start := time.Now()
	for _, id := range set.Containers {
		if err := b.e.Do(ctx, http.MethodDelete, "/containers/"+id, nil, nil, nil); err != nil {
			if ctx.Err() != nil {
				return r, ctx.Err()
			}
			r.failed++
		}
	}
	r.containers = time.Since(start)
	for _, id := range set.Images {
		if err := b.e.Do(ctx, http.MethodDelete, "/images/"+id, nil, nil, nil); err != nil {
			if ctx.Err() != nil {
				return r, ctx.Err()
			}
			r.failed++
		}
	}
	r.took = time.Since(start)
	return r, nil
}

// deletePrune deletes the set with the engine's own prune endpoints,
// restricted to the set's label (images: not only dangling ones).
func (b *bench) deletePrune(ctx context.Context, set *enginetest.DeleteSet) (deleteResult, error) {
	r := deleteResult{objects: len(set.Containers) + len(set.Images)}
	label := enginetest.Label + "=" + set.RunID
	cf, _ := json.Marshal(map[string][]string{"label": {label}})
	imf, _ := json.Marshal(map[string][]string{"label": {label}, "dangling": {"false"}})
	start := time.Now()
	var cr struct{ ContainersDeleted []string }
	if err := b.e.Do(ctx, http.MethodPost, "/containers/prune", url.Values{"filters": {string(cf)}}, nil, &cr); err != nil {
		return r, err
	}
	r.containers = time.Since(start)
	var ir struct {
		ImagesDeleted []struct{ Untagged, Deleted string }
	}
	if err := b.e.Do(ctx, http.MethodPost, "/images/prune", url.Values{"filters": {string(imf)}}, nil, &ir); err != nil {
		return r, err
	}
	r.took = time.Since(start)
	deleted := map[string]bool{}
	for _, d := range ir.ImagesDeleted {
		if d.Deleted != "" {
			deleted[d.Deleted] = true
		}
	}
	imgs := 0
	for _, id := range set.Images {
		if deleted[id] {
			imgs++
		}
	}
	r.failed = r.objects - len(cr.ContainersDeleted) - imgs
	return r, nil
}

// leftOf counts the containers and images of a run still on the daemon.
func (b *bench) leftOf(ctx context.Context, runID string) (int, error) {
	f := enginetest.LabelFilters(runID)
	var cs, is []json.RawMessage
	if err := b.e.Do(ctx, http.MethodGet, "/containers/json", url.Values{"all": {"1"}, "filters": f["filters"]}, nil, &cs); err != nil {
		return 0, err
	}
	if err := b.e.Do(ctx, http.MethodGet, "/images/json", url.Values{"all": {"1"}, "filters": f["filters"]}, nil, &is); err != nil {
		return 0, err
	}
	return len(cs) + len(is), nil
}
