package fleet

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"

	"bilge/dockerapi"
	"bilge/dockerapi/demo"
)

// TestPoolKeepsOneClientPerEngine: measures through a Pool open each
// engine's client once and reuse it; a measure that fails drops its client
// (the next one opens anew); Close ends them, and Get fails after it.
func TestPoolKeepsOneClientPerEngine(t *testing.T) {
	d := demo.New(1)
	host, err := d.Serve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	var opens atomic.Int32
	pool := &Pool{Open: func(ep dockerapi.Endpoint) (*dockerapi.Engine, error) {
		opens.Add(1)
		return dockerapi.New(ep)
	}}
	live := Member{Name: "live", Endpoint: dockerapi.Endpoint{Host: host}, Demo: true}
	dead := Member{Name: "dead", Endpoint: dockerapi.Endpoint{Host: "unix://" + filepath.Join(t.TempDir(), "none.sock")}}
	ctx := context.Background()
	for i := range 3 {
		rs := Measure(ctx, []Member{live, dead}, Options{Pool: pool}, nil)
		if !rs[0].OK() {
			t.Fatalf("measure %d: the live engine did not answer: %v", i, rs[0].Err)
		}
		if rs[1].OK() {
			t.Fatalf("measure %d: the dead engine answered", i)
		}
	}
	// live: opened once; dead: opened for each of the 3 measures (dropped
	// after each failure).
	if got := opens.Load(); got != 4 {
		t.Errorf("clients opened over 3 measures of a live and a dead engine: %d, want 4 (1 kept + 3 dropped)", got)
	}
	pool.mu.Lock()
	kept := len(pool.engines)
	pool.mu.Unlock()
	if kept != 1 {
		t.Errorf("clients kept open: %d, want 1 (the live engine's)", kept)
	}
	pool.Close()
	if _, err := pool.Get(live); err == nil {
		t.Error("Get after Close gave a client")
	}
	if rs := Measure(ctx, []Member{live}, Options{Pool: pool}, nil); rs[0].OK() {
		t.Error("a measure through a closed pool answered")
	}
}
