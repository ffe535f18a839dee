// Package uihistory gives the UI (ui.History) one engine's history in a
// history.Store: it names the engine in what the UI records, and reads
// only that engine's samples and clean-ups. Demo fills a store in a
// temporary directory with the demo engine's generated history, so the
// demo shows (and records into) a history without touching the user's.
package uihistory

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"bilge/dockerapi"
	"bilge/dockerapi/demo"
	"bilge/internal/history"
	"bilge/model"
	"bilge/ui"
)

// Adapter is ui.History over a store, for the engine Identify names.
type Adapter struct {
	Store *history.Store
	// Identify is the engine's identity (its /info ID and Name); it is
	// asked once, when first needed, and again only after it failed.
	Identify func(ctx context.Context) (model.EngineRef, error)

	mu  sync.Mutex
	ref *model.EngineRef
}

var _ ui.History = (*Adapter)(nil)

// Identify is the identity of the engine e, as the engine wrote it (the
// exact bytes, as the deletions log keeps them).
func Identify(e *dockerapi.Engine) func(ctx context.Context) (model.EngineRef, error) {
	return func(ctx context.Context) (model.EngineRef, error) {
		d, err := e.Daemon(ctx)
		if err != nil {
			return model.EngineRef{}, err
		}
		if d.Orig != nil {
			d = *d.Orig
		}
		if d.ID == "" {
			return model.EngineRef{}, errors.New("the engine did not say its ID (/info)")
		}
		return model.EngineRef{ID: d.ID, Name: d.Name}, nil
	}
}

// engine is the engine's identity, asked for once.
func (a *Adapter) engine(ctx context.Context) (model.EngineRef, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ref != nil {
		return *a.ref, nil
	}
	ref, err := a.Identify(ctx)
	if err != nil {
		return model.EngineRef{}, err
	}
	a.ref = &ref
	return ref, nil
}

// Samples are the engine's samples since then, oldest first.
func (a *Adapter) Samples(ctx context.Context, since time.Time, withRepos bool) ([]model.Sample, error) {
	ref, err := a.engine(ctx)
	if err != nil {
		return nil, err
	}
	return a.Store.Samples(ctx, ref.ID, since, withRepos)
}

// Cleanups are the engine's clean-ups since then, oldest first.
func (a *Adapter) Cleanups(ctx context.Context, since time.Time) ([]model.Cleanup, error) {
	ref, err := a.engine(ctx)
	if err != nil {
		return nil, err
	}
	return a.Store.Cleanups(ctx, ref.ID, since)
}

// AddSampleIfDue records smp, for the engine, unless its newest sample
// is younger than every.
func (a *Adapter) AddSampleIfDue(ctx context.Context, smp model.Sample, every time.Duration) (bool, error) {
	ref, err := a.engine(ctx)
	if err != nil {
		return false, err
	}
	smp.Engine = ref
	return a.Store.AddSampleIfDue(ctx, smp, every)
}

// AddSample records smp for the engine.
func (a *Adapter) AddSample(ctx context.Context, smp model.Sample) error {
	ref, err := a.engine(ctx)
	if err != nil {
		return err
	}
	smp.Engine = ref
	return a.Store.AddSample(ctx, smp)
}

// AddCleanup records c for the engine.
func (a *Adapter) AddCleanup(ctx context.Context, c model.Cleanup) error {
	ref, err := a.engine(ctx)
	if err != nil {
		return err
	}
	c.Engine = ref
	return a.Store.AddCleanup(ctx, c)
}

// Demo is the demo engine's history: a store in a new temporary directory
// filled with demo.History for the engine as it is now (measured here),
// ending at now. release closes the store and removes the directory. It
// never touches the user's history.
func Demo(ctx context.Context, e *dockerapi.Engine, seed int64, now time.Time) (a *Adapter, release func(), err error) {
	ident := Identify(e)
	ref, err := ident(ctx)
	if err != nil {
		return nil, nil, err
	}
	snap, err := e.Snapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	layers, lerr := e.LayersOf(ctx, snap)
	snap.ApplyLayers(layers)
	var ix *model.ReclaimIndex
	if lerr == nil {
		ix = model.NewReclaimIndex(snap)
	}
	cur := model.SampleOf(snap, ix, ref, now)
	samples, cleanups := demo.History(seed, now, cur)

	dir, err := os.MkdirTemp("", "bilge-demo-history-")
	if err != nil {
		return nil, nil, err
	}
	drop := func() { _ = os.RemoveAll(dir) }
	st, err := history.Open(dir+"/history.db", func(string) {})
	if err != nil {
		drop()
		return nil, nil, err
	}
	release = func() { _ = st.Close(); drop() }
	for _, s := range samples {
		if err := st.AddSample(ctx, s); err != nil {
			release()
			return nil, nil, err
		}
	}
	for _, c := range cleanups {
		if err := st.AddCleanup(ctx, c); err != nil {
			release()
			return nil, nil, err
		}
	}
	return &Adapter{Store: st, Identify: func(context.Context) (model.EngineRef, error) { return ref, nil }}, release, nil
}
