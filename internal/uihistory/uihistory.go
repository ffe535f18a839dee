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
	"path/filepath"
	"slices"
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
	// The demo's history is written in the background, newest first:
	// recent, when set, closes once every sample since recentFrom is in
	// (and the clean-ups), ready once all are.
	recent, ready <-chan struct{}
	recentFrom    time.Time
	// fill, when set, is held by the demo's background writer for each
	// batch and by every write the UI makes: a Go mutex hands the lock
	// over fairly, where SQLite's busy handler (a sleep and retry) can
	// lose every race to a writer that begins its next batch at once.
	fill *sync.Mutex
}

// writing runs a write to the store, taking turns with the demo's fill.
func (a *Adapter) writing(write func() error) error {
	if a.fill != nil {
		a.fill.Lock()
		defer a.fill.Unlock()
	}
	return write()
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
			return model.EngineRef{}, errors.New("the engine gave no ID (/info): its samples could not be told from another engine's")
		}
		return model.EngineRef{ID: d.ID, Name: d.Name}, nil
	}
}

// wait waits until what a call from since needs of the demo's history is
// written. The writing has its own deadline: waiting for it is bounded,
// and does not eat the call's.
func (a *Adapter) wait(since time.Time) {
	switch {
	case a.ready == nil:
	case since.Before(a.recentFrom):
		<-a.ready
	default:
		<-a.recent
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
	a.wait(since)
	ref, err := a.engine(ctx)
	if err != nil {
		return nil, err
	}
	return a.Store.Samples(ctx, ref.ID, since, withRepos)
}

// Cleanups are the engine's clean-ups since then, oldest first.
func (a *Adapter) Cleanups(ctx context.Context, since time.Time) ([]model.Cleanup, error) {
	a.wait(time.Now()) // the clean-ups are written first
	ref, err := a.engine(ctx)
	if err != nil {
		return nil, err
	}
	return a.Store.Cleanups(ctx, ref.ID, since)
}

// AddSampleIfDue records smp, for the engine, unless its newest sample
// is younger than every.
func (a *Adapter) AddSampleIfDue(ctx context.Context, smp model.Sample, every time.Duration) (bool, error) {
	a.wait(time.Now())
	ref, err := a.engine(ctx)
	if err != nil {
		return false, err
	}
	smp.Engine = ref
	var added bool
	err = a.writing(func() (err error) {
		added, err = a.Store.AddSampleIfDue(ctx, smp, every)
		return err
	})
	return added, err
}

// AddSample records smp for the engine.
func (a *Adapter) AddSample(ctx context.Context, smp model.Sample) error {
	a.wait(time.Now())
	ref, err := a.engine(ctx)
	if err != nil {
		return err
	}
	smp.Engine = ref
	return a.writing(func() error { return a.Store.AddSample(ctx, smp) })
}

// AddCleanup records c for the engine.
func (a *Adapter) AddCleanup(ctx context.Context, c model.Cleanup) error {
	a.wait(time.Now())
	ref, err := a.engine(ctx)
	if err != nil {
		return err
	}
	c.Engine = ref
	return a.writing(func() error { return a.Store.AddCleanup(ctx, c) })
}

// Demo is the demo engine's history: a store in a new temporary directory
// filled with demo.History for the engine as it is now (measured here),
// ending at now. The store is written in the background (a year of
// samples takes seconds), newest first; the adapter's calls wait for what
// they need of it (the Overview's month comes first). release stops that,
// closes the store and removes the directory. It never touches the
// user's history.
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
	st, err := history.Open(filepath.Join(dir, "history.db"), func(string) {})
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, nil, err
	}
	fillCtx, stop := context.WithTimeout(context.Background(), fillTimeout)
	recentFrom := now.Add(-recentSpan)
	recent, ready := make(chan struct{}), make(chan struct{})
	fill := new(sync.Mutex)
	go func() {
		var once sync.Once
		markRecent := func() { once.Do(func() { close(recent) }) }
		defer close(ready)
		defer markRecent()
		for _, c := range cleanups {
			if st.AddCleanup(fillCtx, c) != nil {
				return
			}
		}
		// The month the Overview reads first, then the rest, in batches
		// short enough that a sample the UI records meanwhile waits for
		// one batch, not for the whole year (the store's busy timeout).
		cut, _ := slices.BinarySearchFunc(samples, recentFrom, func(s model.Sample, t time.Time) int { return s.Time.Compare(t) })
		write := func(part []model.Sample) bool {
			for len(part) > 0 {
				n := min(len(part), fillBatch)
				fill.Lock()
				err := st.AddSamples(fillCtx, part[:n])
				fill.Unlock()
				if err != nil {
					return false
				}
				part = part[n:]
			}
			return true
		}
		if !write(samples[cut:]) {
			return
		}
		markRecent()
		write(samples[:cut])
	}()
	release = func() {
		stop()
		<-ready
		_ = st.Close()
		_ = os.RemoveAll(dir)
	}
	return &Adapter{Store: st, Identify: func(context.Context) (model.EngineRef, error) { return ref, nil }, recent: recent, ready: ready, recentFrom: recentFrom, fill: fill}, release, nil
}

// recentSpan is what of the demo's history is written first: what the
// Overview's sparklines read (ui reads 31 days).
const recentSpan = 32 * 24 * time.Hour

// fillBatch is how many of the demo's samples one write stores.
const fillBatch = 100

// fillTimeout bounds writing the demo's history (seconds; a minute and
// more under the race detector).
const fillTimeout = 5 * time.Minute
