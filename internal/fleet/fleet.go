// Package fleet measures several Docker engines at once — every docker
// context, or a chosen few — for bilge df --fleet: each engine in
// parallel, each with its own deadline, so one dead or slow engine never
// holds the others.
package fleet

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"bilge/dockerapi"
	"bilge/model"
)

// DefaultDeadline bounds each engine of a fleet: one that has not answered
// everything by then is reported as unreachable, with the call it waited
// for.
const DefaultDeadline = 10 * time.Second

// Member is one engine of the fleet: a docker context, or the engine -H
// names.
type Member struct {
	// Name is the context's name (the -H host for a host given with -H).
	Name string
	// Endpoint is where the engine is; its Host is "" when Err is set.
	Endpoint dockerapi.Endpoint
	// Err says why the context could not be resolved (a broken meta.json,
	// TLS material missing): that engine is reported unreachable with it.
	Err error
	// Shown, when not "", is the endpoint as printed instead of
	// Endpoint.Host (the demo engines' private sockets).
	Shown string
	// Demo marks a built-in demo engine: its layer data is cached in
	// memory, never in the user's cache.
	Demo bool
}

// Where is the endpoint as printed: "-" when it could not be resolved.
func (m Member) Where() string {
	switch {
	case m.Shown != "":
		return m.Shown
	case m.Endpoint.Host != "":
		return m.Endpoint.Host
	}
	return "-"
}

// List is the fleet as the docker CLI knows it: the default context
// (DOCKER_HOST or the local socket), every context in the docker config,
// and the engine sel names with -H (a context sel names is one of the
// contexts already, and must exist). subset, when not empty, keeps only
// the engines so named (-H's engine stays); a name that is none of them
// is an error naming the ones there are. env nil is the process's.
func List(sel dockerapi.Selection, subset []string, env dockerapi.Env) ([]Member, error) {
	if sel.Context != "" && sel.Host != "" {
		return nil, errors.New("--context and --host cannot be used together: pick one")
	}
	contexts, err := dockerapi.ContextNames(env)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, c := range contexts {
		names = append(names, c.Name)
	}
	if sel.Context != "" && !slices.Contains(names, sel.Context) {
		return nil, fmt.Errorf("--context: context %q does not exist (the contexts are %s)", sel.Context, model.SafeText(strings.Join(names, ", ")))
	}
	var members []Member
	for _, c := range contexts {
		if c.Err != nil {
			members = append(members, Member{Name: c.Name, Err: c.Err})
			continue
		}
		ep, err := dockerapi.Resolve(dockerapi.Selection{Context: c.Name}, env)
		members = append(members, Member{Name: c.Name, Endpoint: ep, Err: err})
	}
	if len(subset) > 0 {
		if sel.Context != "" && !slices.Contains(subset, sel.Context) {
			subset = append(slices.Clone(subset), sel.Context)
		}
		if members, err = Select(members, subset); err != nil {
			return nil, err
		}
	}
	if sel.Host != "" {
		ep, err := dockerapi.Resolve(sel, env)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(members, func(m Member) bool { return m.Err == nil && m.Endpoint.Host == ep.Host }) {
			members = append(members, Member{Name: ep.Host, Endpoint: ep})
		}
	}
	return members, nil
}

// Select keeps the members named in subset (all when it is empty), in
// their order; a name that is none of them is an error naming the ones
// there are.
func Select(members []Member, subset []string) ([]Member, error) {
	if len(subset) == 0 {
		return members, nil
	}
	var names []string
	for _, m := range members {
		names = append(names, m.Name)
	}
	for _, n := range subset {
		if !slices.Contains(names, n) {
			return nil, fmt.Errorf("--fleet: there is no docker context %q (the contexts are %s)", n, model.SafeText(strings.Join(names, ", ")))
		}
	}
	return slices.DeleteFunc(slices.Clone(members), func(m Member) bool { return !slices.Contains(subset, m.Name) }), nil
}

// Result is what one engine of the fleet answered.
type Result struct {
	Member
	// Err is why the engine did not answer (nil when it did).
	Err error
	// Snap and Index are its disk usage, as bilge df reads it; Index is
	// nil when the engine gave no layer data (exact figures unknown).
	Snap  *model.Snapshot
	Index *model.ReclaimIndex
	// Storage is the image store ("overlay2", "containerd"), "" when /info
	// did not say.
	Storage string
	// Took is how long the engine took to answer, or to fail.
	Took time.Duration
}

// OK reports an engine that answered.
func (r Result) OK() bool { return r.Err == nil && r.Snap != nil }

// Reason is why the engine did not answer, on one line of safe text.
func (r Result) Reason() string {
	if r.Err == nil {
		return ""
	}
	return strings.Join(strings.Fields(model.SafeText(r.Err.Error())), " ")
}

// Options tune Measure.
type Options struct {
	// Deadline bounds each engine (0: DefaultDeadline).
	Deadline time.Duration
	// Open builds an engine's client (nil: dockerapi.New).
	Open func(dockerapi.Endpoint) (*dockerapi.Engine, error)
	// Pool, when set, gives each engine's client and keeps it open after
	// the measure (Open is then unused); else each client is opened for
	// the measure and closed after it.
	Pool *Pool
}

// Measure contacts every member in parallel, each with its own deadline,
// and returns their results in the members' order. Every connection is
// closed before it returns (an ssh engine's ssh process ends with it),
// unless opts.Pool keeps them.
// done, when not nil, is called with each result as it arrives (from its
// own goroutine).
func Measure(ctx context.Context, members []Member, opts Options, done func(Result)) []Result {
	if opts.Deadline <= 0 {
		opts.Deadline = DefaultDeadline
	}
	if opts.Open == nil {
		opts.Open = dockerapi.New
	}
	out := make([]Result, len(members))
	var wg sync.WaitGroup
	for i, m := range members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = measureOne(ctx, m, opts)
			if done != nil {
				done(out[i])
			}
		}()
	}
	wg.Wait()
	return out
}

func measureOne(ctx context.Context, m Member, opts Options) (r Result) {
	r = Result{Member: m}
	if m.Err != nil {
		r.Err = m.Err
		return r
	}
	start := time.Now()
	defer func() { r.Took = time.Since(start) }()
	var e *dockerapi.Engine
	var err error
	if opts.Pool != nil {
		if e, err = opts.Pool.Get(m); err != nil {
			r.Err = err
			return r
		}
		defer func() {
			if r.Err != nil {
				opts.Pool.Drop(m, e)
			}
		}()
	} else {
		if e, err = opts.Open(m.Endpoint); err != nil {
			r.Err = err
			return r
		}
		defer e.Close()
		if m.Demo {
			e.UseLayerCache(dockerapi.MemoryLayerCache())
		}
	}
	ectx, cancel := context.WithTimeout(ctx, opts.Deadline)
	defer cancel()
	snap, ix, err := MeasureEngine(ectx, e)
	if err != nil {
		r.Err = explain(ctx, ectx, e, err, opts.Deadline)
		return r
	}
	// The image store is a label: an engine that will not say still
	// counts as answered.
	r.Storage, _ = e.Storage(ectx)
	if r.Storage == "" && snap.OnContainerdStore() {
		r.Storage = "containerd"
	}
	r.Snap, r.Index = snap, ix
	return r
}

// explain words a failure: the deadline that ran out is the engine's own.
func explain(ctx, ectx context.Context, e *dockerapi.Engine, err error, deadline time.Duration) error {
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	var te *dockerapi.TimeoutError
	if errors.As(err, &te) && errors.Is(ectx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s did not answer within %s (its deadline in the fleet)", te.Call, dockerapi.ShortDuration(deadline))
	}
	if errors.Is(err, context.DeadlineExceeded) && !errors.As(err, &te) {
		return fmt.Errorf("engine at %s did not answer within %s (its deadline in the fleet)", e.Endpoint().Host, dockerapi.ShortDuration(deadline))
	}
	return err
}

// MeasureEngine checks the engine answers and reads everything bilge df
// prints: its snapshot, with layer data, and the exact reclaim index (nil
// when the engine refuses layer data; the docker figures still stand).
func MeasureEngine(ctx context.Context, e *dockerapi.Engine) (*model.Snapshot, *model.ReclaimIndex, error) {
	pctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	err := e.Ping(pctx)
	cancel()
	if err != nil {
		return nil, nil, err
	}
	snap, err := e.Snapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	// An engine that stops answering is not refusing: that ends it.
	layers, lerr := e.LayersOf(ctx, snap)
	if errors.Is(lerr, context.DeadlineExceeded) {
		return nil, nil, lerr
	}
	snap.ApplyLayers(layers)
	ix := model.NewReclaimIndex(snap)
	if lerr != nil && len(layers) == 0 {
		ix = nil
	}
	return snap, ix, nil
}
