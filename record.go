package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"bilge/dockerapi"
	"bilge/internal/history"
	"bilge/internal/uihistory"
	"bilge/model"
)

// History samples (issue 14): bilge record takes one, bilge df takes one
// with every full measurement, bilge prune one before and one after it
// deletes, with the clean-up between. The demo engine is make-believe:
// nothing of it is recorded.

// identifyTimeout bounds the /info call that names the engine of a sample.
const identifyTimeout = 15 * time.Second

// engineRef is the engine's own identity (/info ID and Name), with the
// engine's exact bytes as the deletions log keeps them.
func engineRef(ctx context.Context, e *dockerapi.Engine) (model.EngineRef, error) {
	ctx, cancel := context.WithTimeout(ctx, identifyTimeout)
	defer cancel()
	return uihistory.Identify(e)(ctx)
}

// openHistory opens the history database at its default place. A corrupt
// one is moved aside by the store; its one line goes to stderr as a
// warning.
func openHistory(stderr io.Writer) (*history.Store, error) {
	path, err := history.DefaultPath(os.Getenv)
	if err != nil {
		return nil, err
	}
	return history.Open(path, func(line string) { fmt.Fprintf(stderr, "bilge: warning: %s\n", line) })
}

// sampleRecorder records samples of one engine, for bilge df and bilge
// prune: a problem with the history is a warning (the first one only),
// never a failure of the command.
type sampleRecorder struct {
	e      *dockerapi.Engine
	stderr io.Writer
	store  *history.Store
	ref    model.EngineRef
	failed bool // a warning was printed: stay quiet and record no more
	// mu, when set, is held while the database is opened, written or
	// closed (not while the engine is asked who it is): the engines of a
	// fleet prune record in one database, in turns.
	mu *sync.Mutex
}

func (r *sampleRecorder) lock() func() {
	if r.mu == nil {
		return func() {}
	}
	r.mu.Lock()
	return r.mu.Unlock
}

// newSampleRecorder is the recorder of e's samples; nil for the demo
// engine (make-believe: never in the user's history).
func newSampleRecorder(o options, e *dockerapi.Engine, stderr io.Writer) *sampleRecorder {
	if o.demo {
		return nil
	}
	return &sampleRecorder{e: e, stderr: stderr}
}

// warn prints the recorder's one warning.
func (r *sampleRecorder) warn(err error) {
	if !r.failed {
		path := ""
		if r.store != nil {
			path = r.store.Path()
		}
		fmt.Fprintf(r.stderr, "bilge: warning: %v: no sample recorded\n", historyErr(path, err))
	}
	r.failed = true
}

// ready opens the store and names the engine, once.
func (r *sampleRecorder) ready(ctx context.Context) bool {
	if r == nil || r.failed {
		return false
	}
	if r.store != nil {
		return true
	}
	ref, err := engineRef(ctx, r.e)
	if err != nil {
		r.warn(err)
		return false
	}
	unlock := r.lock()
	st, err := openHistory(r.stderr)
	unlock()
	if err != nil {
		r.warn(err)
		return false
	}
	r.store, r.ref = st, ref
	return true
}

// sample records the measurement; it returns whether it did.
func (r *sampleRecorder) sample(ctx context.Context, snap *model.Snapshot, ix *model.ReclaimIndex, at time.Time) bool {
	if !r.ready(ctx) {
		return false
	}
	defer r.lock()()
	ctx, cancel := context.WithTimeout(ctx, identifyTimeout)
	defer cancel()
	if err := r.store.AddSample(ctx, model.SampleOf(snap, ix, r.ref, at)); err != nil {
		r.warn(err)
		return false
	}
	return true
}

// cleanup records a clean-up event.
func (r *sampleRecorder) cleanup(ctx context.Context, c model.Cleanup) {
	if !r.ready(ctx) {
		return
	}
	defer r.lock()()
	ctx, cancel := context.WithTimeout(ctx, identifyTimeout)
	defer cancel()
	c.Engine = r.ref
	if err := r.store.AddCleanup(ctx, c); err != nil {
		r.warn(err)
	}
}

// close closes the store, if it was opened.
func (r *sampleRecorder) close() {
	if r != nil && r.store != nil {
		defer r.lock()()
		_ = r.store.Close()
	}
}

// runRecord is bilge record: one sample, quietly. Exit 0, or 1 with one
// line; the whole of it is bounded by --timeout.
func runRecord(ctx context.Context, o options, args []string, stdout, stderr io.Writer) error {
	sub := newFlagSet("bilge record", &o, true)
	if err := sub.Parse(args); err != nil {
		return flagError(err)
	}
	switch {
	case o.help:
		return errHelp
	case o.json || o.verbose:
		return errors.New("record prints nothing: --json and -v do not apply (see bilge history)")
	case sub.NArg() > 0:
		return fmt.Errorf("record takes no arguments, got %q", sub.Arg(0))
	case o.demo || o.seedSet:
		return errors.New("record keeps the history of a real engine: the demo engine is make-believe and is never recorded")
	case o.policyPath != "":
		return errors.New("--policy is for the UI and bilge prune: bilge record only measures")
	case o.timeout <= 0:
		return fmt.Errorf("--timeout: %s is not a positive duration (see bilge --help)", o.timeout)
	}
	// The database first: a history bilge cannot write is the one thing
	// record must say, before it spends a minute measuring.
	st, err := openHistory(stderr)
	if err != nil {
		return err
	}
	defer st.Close()
	e, closeEngine, err := open(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer closeEngine()
	dctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	// Without layer data (an engine refusing inspect) ix is nil: the
	// sample keeps docker's figures and its exact column is unknown.
	snap, ix, err := measure(dctx, e)
	if err != nil {
		return measureError(ctx, dctx, e, err, o.timeout, "record")
	}
	at := time.Now()
	ref, err := engineRef(dctx, e)
	if err != nil {
		return measureError(ctx, dctx, e, err, o.timeout, "record")
	}
	if err := st.AddSample(dctx, model.SampleOf(snap, ix, ref, at)); err != nil {
		return historyErr(st.Path(), err)
	}
	return nil
}

// historyErr names the history in an error that does not already.
func historyErr(path string, err error) error {
	if strings.HasPrefix(err.Error(), "history") {
		return err
	}
	if path == "" {
		return fmt.Errorf("history: %w", err)
	}
	return fmt.Errorf("history %s: %w", path, err)
}

// measureError words a failed measurement as bilge df does: an
// interruption, the --timeout of the command, or the engine's own error.
func measureError(ctx, dctx context.Context, e *dockerapi.Engine, err error, timeout time.Duration, cmd string) error {
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	var te *dockerapi.TimeoutError
	if errors.As(err, &te) {
		if errors.Is(dctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("engine at %s: %s did not answer within %s (the --timeout of bilge %s)", te.Host, te.Call, dockerapi.ShortDuration(timeout), cmd)
		}
		return te
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("engine at %s: did not answer within %s (the --timeout of bilge %s)", e.Endpoint().Host, dockerapi.ShortDuration(timeout), cmd)
	}
	return err
}

// cleanupBy names who chose what a clean-up deleted: the policy rules of
// the deleted objects in the plan's order, or the one-off flags.
func cleanupBy(source string, rules []string) string {
	var names []string
	seen := map[string]bool{}
	for _, r := range rules {
		if r != "" && !seen[r] {
			seen[r] = true
			names = append(names, r)
		}
	}
	by := strings.Join(names, ", ")
	if source == "one-off flags" {
		if by == "" {
			return "bilge prune (one-off flags)"
		}
		return "bilge prune (one-off flags): " + by
	}
	if by == "" {
		return "bilge prune"
	}
	return by
}
