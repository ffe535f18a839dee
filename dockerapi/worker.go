package dockerapi

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/client"

	"bilge/model"
)

// DefaultParallel is how many deletions run at once by default.
const DefaultParallel = 4

// DefaultCallTimeout bounds each engine call a deletion makes: a daemon
// that stopped answering (frozen, or a stuck storage driver) fails the item
// with "timed out after …" instead of holding the run forever.
const DefaultCallTimeout = time.Minute

// deleter is the part of the engine the worker needs (api includes it).
type deleter interface {
	ContainerStop(ctx context.Context, id string, opts client.ContainerStopOptions) (client.ContainerStopResult, error)
	ContainerRemove(ctx context.Context, id string, opts client.ContainerRemoveOptions) (client.ContainerRemoveResult, error)
	ContainerList(ctx context.Context, opts client.ContainerListOptions) (client.ContainerListResult, error)
	ImageInspect(ctx context.Context, id string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ImageRemove(ctx context.Context, id string, opts client.ImageRemoveOptions) (client.ImageRemoveResult, error)
	VolumeRemove(ctx context.Context, name string, opts client.VolumeRemoveOptions) (client.VolumeRemoveResult, error)
	NetworkRemove(ctx context.Context, id string, opts client.NetworkRemoveOptions) (client.NetworkRemoveResult, error)
	BuildCachePrune(ctx context.Context, opts client.BuildCachePruneOptions) (client.BuildCachePruneResult, error)
}

// Delete runs a plan in the background and streams, for each item, a
// Started report when its first engine call is sent and then one outcome;
// the channel closes when every item has an outcome. Kinds run in
// model.DeletionOrder (containers first),
// each kind with at most parallel deletions at once. An item whose
// dependency failed is Skipped; cancelling ctx reports what has not
// started as Cancelled and lets in-flight calls return (each within its
// deadline).
func (e *Engine) Delete(ctx context.Context, plan model.Plan, parallel int) <-chan model.Outcome {
	return runPlan(ctx, e.rawDeleterOf(e.api), plan, parallel, workerOpts{timeout: e.callTimeout, podman: e.podman.Load()})
}

// SetCallTimeout sets the deadline of each engine call a deletion makes
// (0: DefaultCallTimeout).
func (e *Engine) SetCallTimeout(d time.Duration) { e.callTimeout = d }

// workerOpts tune a run; the zero value is the default.
type workerOpts struct {
	timeout time.Duration
	// beforeFinal, in tests, runs just before an image's last removal (by
	// ID, after any untagging): a container created there must still stop
	// the image from going.
	beforeFinal func(imageID string)
	// podman: the engine is Podman, whose network removal by ID skips its
	// own check for containers on the network (see networkUsers).
	podman bool
}

// The reasons of a Cancelled outcome: the user cancelled the run, or an
// earlier call timed out (a daemon that lets one call hang will let the
// next hang).
const (
	cancelledByUser  = "the clean-up was cancelled before it started"
	stoppedAnswering = "the engine stopped answering (an earlier call timed out)"
)

func runPlan(ctx context.Context, d deleter, plan model.Plan, parallel int, o workerOpts) <-chan model.Outcome {
	if parallel <= 0 {
		parallel = DefaultParallel
	}
	if o.timeout <= 0 {
		o.timeout = DefaultCallTimeout
	}
	w := &worker{d: d, opts: o}
	out := make(chan model.Outcome, 64)
	go func() {
		defer close(out)
		failed := map[string]bool{} // IDs that did not go
		// cancelled are the IDs of failed that were not started because the
		// run was cancelled, with the reason: what waits on them is
		// cancelled too, not skipped.
		cancelled := map[string]string{}
		var mu sync.Mutex
		// notStarted is why an item cannot start now ("" when it can).
		notStarted := func() string {
			switch {
			case ctx.Err() != nil:
				return cancelledByUser
			case w.stuck.Load():
				return stoppedAnswering
			}
			return ""
		}
		for _, kind := range model.DeletionOrder {
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
				w.pruneRecords(wave, notStarted, out)
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
					// A dependency that failed makes this one skipped; one
					// that was only cancelled, cancelled.
					mu.Lock()
					var blocked, why string
					for _, dep := range it.After {
						if !failed[dep] {
							continue
						}
						if w, ok := cancelled[dep]; !ok {
							blocked, why = dep, ""
							break
						} else if blocked == "" {
							blocked, why = dep, w
						}
					}
					if blocked != "" {
						failed[it.ID] = true
						if why != "" {
							cancelled[it.ID] = why
						}
					}
					mu.Unlock()
					switch {
					case why != "":
						out <- model.Outcome{Item: it, Status: model.Cancelled, Err: why}
						continue
					case blocked != "":
						out <- model.Outcome{Item: it, Status: model.Skipped, Err: "skipped: " + model.ShortID(blocked) + " it depends on was not deleted"}
						continue
					}
					acquired := false
					select {
					case <-ctx.Done():
					case sem <- struct{}{}:
						acquired = true
					}
					if why := notStarted(); why != "" {
						if acquired {
							<-sem
						}
						mu.Lock()
						failed[it.ID] = true
						cancelled[it.ID] = why
						mu.Unlock()
						out <- model.Outcome{Item: it, Status: model.Cancelled, Err: why}
						continue
					}
					out <- model.Outcome{Item: it, Status: model.Started}
					wg.Add(1)
					go func(it model.PlanItem) {
						defer wg.Done()
						defer func() { <-sem }()
						o := w.deleteOne(ctx, it)
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

// worker performs the engine calls of one run.
type worker struct {
	d    deleter
	opts workerOpts
	// stuck is set once a call timed out: what has not started is then
	// cancelled rather than sent to an engine that does not answer.
	stuck atomic.Bool
}

// timeoutError is a call that got no answer within its deadline.
type timeoutError struct{ after time.Duration }

func (e timeoutError) Error() string {
	return fmt.Sprintf("timed out after %s: the engine did not answer (the deletion may still complete)", seconds(e.after))
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "s"
}

// call runs one engine call with its own deadline. A call already sent is
// not cut when the run is cancelled (an engine call cut half-way leaves the
// user guessing), only when it outlives the deadline.
func (w *worker) call(ctx context.Context, f func(ctx context.Context) error) error {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.opts.timeout)
	defer cancel()
	err := f(cctx)
	if err != nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
		w.stuck.Store(true)
		return timeoutError{w.opts.timeout}
	}
	return err
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
func (w *worker) pruneRecords(items []model.PlanItem, notStarted func() string, out chan<- model.Outcome) {
	pending := items
	for len(pending) > 0 {
		var kept []model.PlanItem
		progress := false
		for rest := pending; len(rest) > 0; {
			batch := rest[:min(recordBatch, len(rest))]
			rest = rest[len(batch):]
			if why := notStarted(); why != "" {
				for _, it := range batch {
					out <- model.Outcome{Item: it, Status: model.Cancelled, Err: why}
				}
				continue
			}
			alts := make([]string, len(batch))
			for i, it := range batch {
				alts[i] = regexpQuote(it.ID)
				out <- model.Outcome{Item: it, Status: model.Started}
			}
			var res client.BuildCachePruneResult
			err := w.call(context.Background(), func(ctx context.Context) (err error) {
				res, err = w.d.BuildCachePrune(ctx, client.BuildCachePruneOptions{
					All:     true,
					Filters: make(client.Filters).Add("id", "^("+strings.Join(alts, "|")+")$"),
				})
				return err
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

// deleteOne performs one deletion, never forcing anything past the
// engine's own checks: a container is removed without force (a running one
// the user confirmed is stopped first), an image by ID without force.
func (w *worker) deleteOne(ctx context.Context, it model.PlanItem) model.Outcome {
	var err error
	switch it.Kind {
	case model.KindContainer:
		if it.Stop {
			err = w.call(ctx, func(ctx context.Context) error {
				_, err := w.d.ContainerStop(ctx, it.ID, client.ContainerStopOptions{})
				return err
			})
		}
		if err == nil {
			err = w.call(ctx, func(ctx context.Context) error {
				_, err := w.d.ContainerRemove(ctx, it.ID, client.ContainerRemoveOptions{})
				return err
			})
		}
	case model.KindImage:
		return w.removeImage(ctx, it)
	case model.KindVolume:
		err = w.call(ctx, func(ctx context.Context) error {
			_, err := w.d.VolumeRemove(ctx, it.ID, client.VolumeRemoveOptions{})
			return err
		})
	case model.KindNetwork:
		if w.opts.podman {
			if why := w.networkUsers(ctx, it); why != "" {
				return model.Outcome{Item: it, Status: model.Failed, Err: why}
			}
		}
		err = w.call(ctx, func(ctx context.Context) error {
			_, err := w.d.NetworkRemove(ctx, it.ID, client.NetworkRemoveOptions{})
			return err
		})
	default:
		err = fmt.Errorf("unknown kind %v", it.Kind)
	}
	switch {
	case err == nil, cerrdefs.IsNotFound(err):
		return model.Outcome{Item: it, Status: model.Deleted}
	}
	return model.Outcome{Item: it, Status: model.Failed, Err: engineReason(err)}
}

// networkUsers is why a network must stay on Podman, "" when no container
// uses it. Podman 4.3 removes a network given by ID even with containers
// on it (by name it refuses: "has associated containers"), which leaves
// them pointing at nothing; its container list names networks by name.
// So bilge checks itself, just before the removal, as the engine does by
// name: any container, in any state.
func (w *worker) networkUsers(ctx context.Context, it model.PlanItem) string {
	var res client.ContainerListResult
	if err := w.call(ctx, func(ctx context.Context) (err error) {
		res, err = w.d.ContainerList(ctx, client.ContainerListOptions{All: true})
		return err
	}); err != nil {
		return "network kept: listing the containers on it: " + engineReason(err)
	}
	for _, c := range res.Items {
		if c.NetworkSettings == nil {
			continue
		}
		for key, n := range c.NetworkSettings.Networks {
			on := key == it.ID || model.SafeText(key) == it.Name
			if n != nil {
				on = on || n.NetworkID == it.ID || model.SafeText(n.NetworkID) == it.Name
			}
			if !on {
				continue
			}
			name := model.ShortID(c.ID)
			if len(c.Names) > 0 {
				name = model.SafeText(strings.TrimPrefix(c.Names[0], "/")) + " (" + name + ")"
			}
			return fmt.Sprintf("network kept: used by %s container %s", model.SafeText(string(c.State)), name)
		}
	}
	return ""
}

// removeImage deletes an image by ID without force. The engine refuses an
// ID with several references ("referenced in multiple repositories");
// force would get past that but also past a stopped container created
// since the plan was made. So: if nothing uses the image, each extra tag
// is removed by name — only after checking it still names this image —
// and then the image by ID, still without force, so that the engine's own
// check stops it if a container appeared in between. If a container uses
// it before anything is untagged, nothing is touched.
func (w *worker) removeImage(ctx context.Context, it model.PlanItem) model.Outcome {
	failed := func(err error) model.Outcome {
		return model.Outcome{Item: it, Status: model.Failed, Err: engineReason(err)}
	}
	remove := func(ref string) error {
		return w.call(ctx, func(ctx context.Context) error {
			_, err := w.d.ImageRemove(ctx, ref, client.ImageRemoveOptions{PruneChildren: true})
			return err
		})
	}
	inspect := func(ref string) (res client.ImageInspectResult, err error) {
		err = w.call(ctx, func(ctx context.Context) (err error) {
			res, err = w.d.ImageInspect(ctx, ref)
			return err
		})
		return res, err
	}
	err := remove(it.ID)
	if err == nil || cerrdefs.IsNotFound(err) {
		return model.Outcome{Item: it, Status: model.Deleted}
	}
	multi := cerrdefs.IsConflict(err) && strings.Contains(err.Error(), "referenced in multiple repositories")
	if !multi && !podmanDeleteByIDRefusal(err) {
		// Any other refusal (a child image, a container) is the answer:
		// untagging would not lift it.
		return failed(err)
	}
	img, ierr := inspect(it.ID)
	if cerrdefs.IsNotFound(ierr) {
		return model.Outcome{Item: it, Status: model.Deleted}
	}
	if ierr != nil {
		return failed(err)
	}
	extra := extraRefs(img.RepoTags, img.RepoDigests)
	if len(extra) == 0 {
		return failed(err) // a refusal untagging cannot lift
	}
	var users client.ContainerListResult
	if lerr := w.call(ctx, func(ctx context.Context) (err error) {
		// The ID also without "sha256:": Podman's ancestor filter
		// matches no container by the prefixed form; Docker takes both
		// (values are OR'ed, and one naming no image is ignored).
		users, err = w.d.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: make(client.Filters).Add("ancestor", it.ID, strings.TrimPrefix(it.ID, "sha256:"))})
		return err
	}); lerr != nil {
		return failed(fmt.Errorf("nothing untagged: listing the containers that use it: %s", engineReason(lerr)))
	}
	if len(users.Items) > 0 {
		c := users.Items[0]
		name := model.ShortID(c.ID)
		if len(c.Names) > 0 {
			name = model.SafeText(strings.TrimPrefix(c.Names[0], "/")) + " (" + name + ")"
		}
		what := "container"
		if c.State != "" {
			what = model.SafeText(string(c.State)) + " container"
		}
		more := ""
		if len(users.Items) > 1 {
			more = fmt.Sprintf(" and %d more", len(users.Items)-1)
		}
		return model.Outcome{Item: it, Status: model.Failed, Err: fmt.Sprintf("image kept, nothing untagged: used by %s %s%s", what, name, more)}
	}
	var untagged []string
	kept := func(err error) model.Outcome {
		msg := engineReason(err)
		if len(untagged) > 0 {
			msg = "untagged " + strings.Join(untagged, ", ") + "; image kept: " + msg
		}
		return model.Outcome{Item: it, Status: model.Failed, Err: msg}
	}
	for _, ref := range extra {
		cur, err := inspect(ref)
		if cerrdefs.IsNotFound(err) {
			continue // gone already (a tag's digests go with it)
		}
		if err != nil {
			return kept(err)
		}
		if cur.ID != it.ID {
			continue // the name moved to another image: not ours to touch
		}
		if err := remove(ref); err != nil && !cerrdefs.IsNotFound(err) {
			return kept(err)
		}
		untagged = append(untagged, model.SafeText(ref))
	}
	if w.opts.beforeFinal != nil {
		w.opts.beforeFinal(it.ID)
	}
	if err := remove(it.ID); err != nil && !cerrdefs.IsNotFound(err) {
		return kept(err)
	}
	return model.Outcome{Item: it, Status: model.Deleted}
}

// extraRefs are the references to remove so that one repository is left:
// every tag but the first, and the digests of other repositories. The
// engine then deletes the image by ID without force (the "single
// reference" case), removing what is left with it.
func extraRefs(tags, digests []string) []string {
	var keepRepo string
	var out []string
	for _, t := range tags {
		if t == "" || strings.HasPrefix(t, "<none>") {
			continue
		}
		if keepRepo == "" {
			keepRepo = repoOf(t)
			continue
		}
		out = append(out, t)
	}
	for _, d := range digests {
		if d == "" || strings.HasPrefix(d, "<none>") {
			continue
		}
		if keepRepo == "" {
			keepRepo = repoOf(d)
			continue
		}
		if repoOf(d) != keepRepo {
			out = append(out, d)
		}
	}
	return out
}

// repoOf is the repository of a reference as the engine lists it
// ("registry:5000/app:1" → "registry:5000/app", "app@sha256:…" → "app").
func repoOf(ref string) string {
	if i := strings.IndexByte(ref, '@'); i >= 0 {
		return ref[:i]
	}
	if i := strings.LastIndexByte(ref, ':'); i > strings.LastIndexByte(ref, '/') {
		return ref[:i]
	}
	return ref
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
