package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"bilge/dockerapi"
	"bilge/internal/history"
	"bilge/internal/uihistory"
	"bilge/ui"
)

// uiHistory is the history the UI shows and records into, and what closes
// it: the user's history.db for a real engine (the engine named by its
// /info identity, asked once, when first needed); for the demo engine a
// generated year in a temporary directory, removed by release, so the
// demo never writes into the user's history. A history that cannot be
// opened is one warning line on stderr, before the UI starts; the UI then
// runs without one.
func uiHistory(ctx context.Context, o options, e *dockerapi.Engine, stderr io.Writer) (h ui.History, release func()) {
	warn := func(msg string) { fmt.Fprintf(stderr, "bilge: warning: %s\n", msg) }
	if o.demo {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		a, release, err := uihistory.Demo(dctx, e, o.demoSeed, time.Now())
		if err != nil {
			warn(fmt.Sprintf("the demo's history: %v: the UI runs without one", err))
			return nil, func() {}
		}
		return a, release
	}
	path, err := history.DefaultPath(os.Getenv)
	if err != nil {
		warn(fmt.Sprintf("%v: the UI runs without a history", err))
		return nil, func() {}
	}
	st, err := history.Open(path, warn)
	if err != nil {
		warn(fmt.Sprintf("%v: the UI runs without a history", err))
		return nil, func() {}
	}
	return &uihistory.Adapter{Store: st, Identify: uihistory.Identify(e)}, func() { _ = st.Close() }
}
