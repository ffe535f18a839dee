package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"bilge/dockerapi"
	"bilge/internal/fleet"
	"bilge/internal/fleetsrc"
	"bilge/internal/history"
	"bilge/internal/uihistory"
	"bilge/ui"
)

// runFleetUI is bilge --fleet: the Engines view, each engine measured as
// bilge df --fleet measures it, and each engine's ordinary tabs on enter.
func runFleetUI(ctx context.Context, o options, stderr io.Writer) error {
	var pol ui.Options
	if err := uiPolicy(&pol, o.policyPath, os.Getenv); err != nil {
		return err
	}
	members, closeMembers, err := fleetMembers(ctx, o)
	if err != nil {
		return err
	}
	defer closeMembers()
	if !term.IsTerminal(os.Stdin.Fd()) || !term.IsTerminal(os.Stdout.Fd()) {
		return errors.New("the UI needs a terminal (stdin and stdout); for scripts use `bilge df --fleet` or `bilge df --fleet --json`")
	}
	src := newFleetSource(o, pol, members)
	defer src.close()
	fo := ui.FleetOptions{}
	trace, err := openTrace()
	if err != nil {
		return err
	}
	if trace != nil {
		defer trace.Close()
		fo.Trace = trace
	}
	fl := ui.NewFleet(ctx, src, fo)
	_, err = tea.NewProgram(fl, tea.WithContext(ctx), tea.WithFPS(fps())).Run()
	// The terminal is restored: what the engines had to say.
	for _, w := range fl.Finish(context.WithoutCancel(ctx)) {
		fmt.Fprintf(stderr, "bilge: warning: %s\n", w)
	}
	fl.Close()
	src.close()
	_, _ = io.Copy(stderr, src.warnings())
	return uiExit(ctx, fl.ExitReport(), err)
}

// fleetSource gives the fleet view its engines: measured with
// internal/fleet, opened with dockerapi, each with its deletions log and
// history as runUI gives one engine.
type fleetSource struct {
	fleetsrc.Measurer
	o   options
	pol ui.Options

	mu sync.Mutex
	// warn is shown once the terminal is restored.
	warnMu sync.Mutex
	warn   bytes.Buffer
	// store is the history, opened once for every engine (nil: none yet,
	// or storeErr says why not).
	store    *history.Store
	storeErr error
	closed   bool
}

func newFleetSource(o options, pol ui.Options, members []fleet.Member) *fleetSource {
	return &fleetSource{Measurer: fleetsrc.Measurer{List: members, Pool: &fleet.Pool{}}, o: o, pol: pol}
}

// Open connects to engine i for its tabs.
func (s *fleetSource) Open(ctx context.Context, i int) (ui.Engine, ui.Options, func(), error) {
	m := s.List[i]
	if m.Err != nil {
		return nil, ui.Options{}, nil, m.Err
	}
	e, err := dockerapi.New(m.Endpoint)
	if err != nil {
		return nil, ui.Options{}, nil, err
	}
	o := s.o
	uo := ui.Options{Interval: o.interval, ReadOnly: o.readOnly, Parallel: o.parallel}
	uo.Policy, uo.PolicyPath, uo.PolicyErr = s.pol.Policy, s.pol.PolicyPath, s.pol.PolicyErr
	name := s.Members()[i].Name
	uo.Title = engineTitle(m.Endpoint)
	if m.Demo {
		uo.Title = name + ": " + m.Where()
	}
	release := func() {}
	if m.Demo {
		e.UseLayerCache(dockerapi.MemoryLayerCache())
		var seed int64
		if _, err := fmt.Sscanf(m.Name, "demo-%d", &seed); err == nil {
			dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			a, rel, err := uihistory.Demo(dctx, e, seed, time.Now())
			cancel()
			if err == nil {
				uo.History, release = a, rel
			}
		}
	} else {
		if !o.readOnly {
			if rec, err := recorder(e); err != nil {
				s.warnf("%s: %v: deletions will not be logged", name, err)
			} else {
				uo.Recorder = uiRecorder{rec}
			}
		}
		if st := s.history(); st != nil {
			uo.History = &uihistory.Adapter{Store: st, Identify: uihistory.Identify(e)}
		}
	}
	return e, uo, func() { release(); e.Close() }, nil
}

// history is the history store every engine shares, opened once.
func (s *fleetSource) history() *history.Store {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil || s.storeErr != nil || s.closed {
		return s.store
	}
	path, err := history.DefaultPath(os.Getenv)
	if err == nil {
		s.store, err = history.Open(path, func(msg string) { s.warnf("%s", msg) })
	}
	if err != nil {
		s.storeErr = err
		s.warnf("%v: the UI runs without a history", err)
	}
	return s.store
}

func (s *fleetSource) warnf(format string, args ...any) {
	s.warnMu.Lock()
	defer s.warnMu.Unlock()
	fmt.Fprintf(&s.warn, "bilge: warning: "+format+"\n", args...)
}

// warnings are the warnings kept while the UI ran.
func (s *fleetSource) warnings() io.Reader {
	s.warnMu.Lock()
	defer s.warnMu.Unlock()
	return bytes.NewReader(bytes.Clone(s.warn.Bytes()))
}

// close closes the measures' connections and the history (once).
func (s *fleetSource) close() {
	s.Pool.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store != nil {
		_ = s.store.Close()
		s.store = nil
	}
	s.closed = true
}
