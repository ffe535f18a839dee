package dockerapi

import (
	"context"
	"fmt"
	"strings"
	"sync"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"bilge/model"
)

// DefaultParallel is how many deletions run at once by default.
const DefaultParallel = 4

// deleter is the part of the engine the worker needs.
type deleter interface {
	ContainerRemove(ctx context.Context, id string, opts client.ContainerRemoveOptions) (client.ContainerRemoveResult, error)
	ImageRemove(ctx context.Context, id string, opts client.ImageRemoveOptions) (client.ImageRemoveResult, error)
	VolumeRemove(ctx context.Context, name string, opts client.VolumeRemoveOptions) (client.VolumeRemoveResult, error)
	NetworkRemove(ctx context.Context, id string, opts client.NetworkRemoveOptions) (client.NetworkRemoveResult, error)
	BuildCachePrune(ctx context.Context, opts client.BuildCachePruneOptions) (client.BuildCachePruneResult, error)
}

// Delete runs a plan in the background and streams one outcome per item;
// the channel closes when every item has an outcome. Kinds run in
// dependency order (containers, images, volumes, networks, build cache),
// each kind with at most parallel deletions at once. An item whose
// dependency failed is skipped; cancelling ctx skips what has not started
// and lets in-flight calls return.
func (e *Engine) Delete(ctx context.Context, plan model.Plan, parallel int) <-chan model.Outcome {
	d, _ := e.api.(deleter)
	d = e.rawDeleterOf(d)
	return runPlan(ctx, d, plan, parallel)
}

func runPlan(ctx context.Context, d deleter, plan model.Plan, parallel int) <-chan model.Outcome {
	if parallel <= 0 {
		parallel = DefaultParallel
	}
	out := make(chan model.Outcome, 64)
	go func() {
		defer close(out)
		failed := map[string]bool{} // IDs that did not go
		var mu sync.Mutex
		for _, kind := range []model.Kind{model.KindContainer, model.KindImage, model.KindVolume, model.KindNetwork, model.KindBuildCache} {
			var wave []model.PlanItem
			for _, it := range plan.Items {
				if it.Kind == kind {
					wave = append(wave, it)
				}
			}
			p := parallel
			if kind == model.KindBuildCache {
				// The engine refuses concurrent prunes, and one prune
				// removes many records: batches, one at a time.
				pruneRecords(ctx, d, wave, out)
				continue
			}
			// Images may wait on each other (children first): run them in
			// rounds, each round the ones whose dependencies are settled.
			for len(wave) > 0 {
				var ready, later []model.PlanItem
				pendingIDs := map[string]bool{}
				for _, it := range wave {
					pendingIDs[it.ID] = true
				}
				for _, it := range wave {
					waits := false
					for _, dep := range it.After {
						if pendingIDs[dep] && dep != it.ID {
							waits = true
						}
					}
					if waits {
						later = append(later, it)
					} else {
						ready = append(ready, it)
					}
				}
				if len(ready) == 0 { // a cycle: cannot happen with IDs, but never hang
					ready, later = later, nil
				}
				sem := make(chan struct{}, p)
				var wg sync.WaitGroup
				for _, it := range ready {
					mu.Lock()
					var blocked string
					for _, dep := range it.After {
						if failed[dep] {
							blocked = dep
						}
					}
					mu.Unlock()
					if blocked != "" {
						mu.Lock()
						failed[it.ID] = true
						mu.Unlock()
						out <- model.Outcome{Item: it, Status: model.Skipped, Err: "skipped: " + model.ShortID(blocked) + " it depends on was not deleted"}
						continue
					}
					acquired := false
					select {
					case <-ctx.Done():
					case sem <- struct{}{}:
						acquired = true
					}
					if ctx.Err() != nil {
						if acquired {
							<-sem
						}
						mu.Lock()
						failed[it.ID] = true
						mu.Unlock()
						out <- model.Outcome{Item: it, Status: model.Skipped, Err: "cancelled"}
						continue
					}
					wg.Add(1)
					go func(it model.PlanItem) {
						defer wg.Done()
						defer func() { <-sem }()
						o := deleteOne(context.WithoutCancel(ctx), d, it)
						if o.Status != model.Deleted {
							mu.Lock()
							failed[it.ID] = true
							mu.Unlock()
						}
						out <- o
					}(it)
				}
				wg.Wait()
				wave = later
			}
		}
	}()
	return out
}

// recordBatch is how many build-cache records one prune call names: the
// filter is one regular expression of alternatives, kept to a few kB.
const recordBatch = 100

// pruneRecords removes build-cache records by ID through the prune
// endpoint's id filter (a regular expression: anchored, alternatives of
// exact IDs), a batch per call. The engine keeps a record while another
// record is built on it, so records it kept are offered again in a next
// pass as long as a pass deletes something (a child in a later batch than
// its parent). The engine's report of what it deleted decides each
// record's outcome.
func pruneRecords(ctx context.Context, d deleter, items []model.PlanItem, out chan<- model.Outcome) {
	if d == nil {
		for _, it := range items {
			out <- model.Outcome{Item: it, Status: model.Failed, Err: "this engine cannot delete"}
		}
		return
	}
	pending := items
	for len(pending) > 0 {
		var kept []model.PlanItem
		progress := false
		for rest := pending; len(rest) > 0; {
			batch := rest[:min(recordBatch, len(rest))]
			rest = rest[len(batch):]
			if ctx.Err() != nil {
				for _, it := range batch {
					out <- model.Outcome{Item: it, Status: model.Skipped, Err: "cancelled"}
				}
				continue
			}
			alts := make([]string, len(batch))
			for i, it := range batch {
				alts[i] = regexpQuote(it.ID)
			}
			res, err := d.BuildCachePrune(context.WithoutCancel(ctx), client.BuildCachePruneOptions{
				All:     true,
				Filters: make(client.Filters).Add("id", "^("+strings.Join(alts, "|")+")$"),
			})
			if err != nil {
				for _, it := range batch {
					out <- model.Outcome{Item: it, Status: model.Failed, Err: engineReason(err)}
				}
				continue
			}
			deleted := make(map[string]bool, len(res.Report.CachesDeleted))
			for _, id := range res.Report.CachesDeleted {
				deleted[id] = true
			}
			for _, it := range batch {
				if deleted[it.ID] {
					progress = true
					out <- model.Outcome{Item: it, Status: model.Deleted}
				} else {
					kept = append(kept, it)
				}
			}
		}
		if !progress {
			for _, it := range kept {
				out <- model.Outcome{Item: it, Status: model.Failed, Err: "the engine kept it (in use, or a record that stays is built on it)"}
			}
			return
		}
		pending = kept
	}
}

// deleteOne performs one deletion. In-flight calls are not cancelled with
// the run: an engine call cut half-way leaves the user guessing.
func deleteOne(ctx context.Context, d deleter, it model.PlanItem) model.Outcome {
	if d == nil {
		return model.Outcome{Item: it, Status: model.Failed, Err: "this engine cannot delete"}
	}
	var err error
	switch it.Kind {
	case model.KindContainer:
		_, err = d.ContainerRemove(ctx, it.ID, client.ContainerRemoveOptions{Force: it.Force})
	case model.KindImage:
		_, err = d.ImageRemove(ctx, it.ID, client.ImageRemoveOptions{Force: it.Force, PruneChildren: true})
	case model.KindVolume:
		_, err = d.VolumeRemove(ctx, it.ID, client.VolumeRemoveOptions{})
	case model.KindNetwork:
		_, err = d.NetworkRemove(ctx, it.ID, client.NetworkRemoveOptions{})
	default:
		err = fmt.Errorf("unknown kind %v", it.Kind)
	}
	switch {
	case err == nil, cerrdefs.IsNotFound(err):
		return model.Outcome{Item: it, Status: model.Deleted}
	}
	return model.Outcome{Item: it, Status: model.Failed, Err: engineReason(err)}
}

// engineReason is the engine's own words, without the client's prefix.
func engineReason(err error) string {
	msg := model.SafeText(strings.Join(strings.Fields(err.Error()), " "))
	return strings.TrimPrefix(msg, "Error response from daemon: ")
}

func regexpQuote(s string) string {
	var b strings.Builder
	for _, r := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$`, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
