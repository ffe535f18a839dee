package dockerapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"bilge/dockerapi/demo"
)

// stalledDemo serves a small demo engine and connects bilge's client to it.
func stalledDemo(t *testing.T, opts ...demo.Option) (*demo.Engine, *Engine) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := demo.New(4, append([]demo.Option{demo.WithScale(8, 4, 2)}, opts...)...)
	host, err := d.Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	e, err := Connect(ctx, Selection{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	e.UseLayerCache(MemoryLayerCache())
	return d, e
}

// within runs f and fails the test if it has not returned after a
// generous while: a hang fails instead of hanging the suite. The bound
// is not what is tested.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s hangs", what)
	}
}

func wantTimeout(t *testing.T, err error, call string) {
	t.Helper()
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a *TimeoutError", err)
	}
	if te.Call != call || !errors.Is(err, context.DeadlineExceeded) || !IsConnectError(err) {
		t.Errorf("timeout %+v: want call %q, unwrapping to DeadlineExceeded, a connection error", te, call)
	}
	if msg := te.Error(); !strings.Contains(msg, "engine at unix://") || !strings.Contains(msg, call+" did not answer within") {
		t.Errorf("message %q does not name the engine and the call", msg)
	}
}

// TestEveryCallHasADeadline: with no deadline from the caller, each call
// still ends, with a *TimeoutError naming it, when the engine stops
// answering it.
func TestEveryCallHasADeadline(t *testing.T) {
	t.Parallel()
	d, e := stalledDemo(t)
	e.SetTimeouts(Timeouts{Call: 200 * time.Millisecond, DiskUsage: 300 * time.Millisecond})
	ctx := context.Background()
	img := d.Images()[0].ID
	cases := []struct {
		prefix, call string
		do           func() error
	}{
		{"/_ping", "HEAD /_ping", func() error { return e.Ping(ctx) }},
		{"/version", "GET /version", func() error { _, err := e.Identity(ctx); return err }},
		{"/info", "GET /info", func() error { _, err := e.Daemon(ctx); return err }},
		{"/images/json", "GET /images/json", func() error { _, err := e.Images(ctx); return err }},
		{"/containers/json", "GET /containers/json", func() error { _, err := e.Containers(ctx); return err }},
		{"/volumes", "GET /volumes", func() error { _, err := e.Volumes(ctx); return err }},
		{"/networks", "GET /networks", func() error { _, err := e.Networks(ctx); return err }},
		{"/system/df", "GET /system/df", func() error { _, err := e.DiskUsage(ctx); return err }},
		{"/images/sha256:" + img[7:] + "/json", "GET /images/" + img[7:19] + "/json", func() error { _, _, err := e.ImageLayers(ctx, img); return err }},
		{"/images/sha256:" + img[7:] + "/history", "GET /images/" + img[7:19] + "/history", func() error { _, _, err := e.ImageLayers(ctx, img); return err }},
	}
	for _, c := range cases {
		d.Stall(c.prefix)
		var err error
		within(t, c.call, func() { err = c.do() })
		d.Unstall(c.prefix)
		wantTimeout(t, err, c.call)
	}
}

// TestLayersNameTheStalledCall: when the caller's deadline ends a layer
// read, the error names the call that did not answer, not just "context
// deadline exceeded".
func TestLayersNameTheStalledCall(t *testing.T) {
	t.Parallel()
	d, e := stalledDemo(t)
	d.Stall("/images/sha256:")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	snap, err := e.Lists(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var lerr error
	within(t, "LayersOf", func() { _, lerr = e.LayersOf(ctx, snap) })
	var te *TimeoutError
	if !errors.As(lerr, &te) || !strings.HasPrefix(te.Call, "GET /images/") {
		t.Fatalf("err = %v, want a timeout naming an image call", lerr)
	}
}

// TestEventStreamConnectHasADeadline: an event stream whose connection
// the engine never answers ends with a *TimeoutError instead of blocking
// for ever; a connected stream that stays silent stays open.
func TestEventStreamConnectHasADeadline(t *testing.T) {
	t.Parallel()
	d, e := stalledDemo(t, demo.WithScale(20, 40, 5)) // with containers run by hand, which Tick starts
	e.SetTimeouts(Timeouts{StreamConnect: 300 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	d.Stall("/events")
	var err error
	within(t, "a stalled stream's connection", func() {
		ch, errc := e.Events(ctx)
		for range ch {
		}
		err = <-errc
	})
	wantTimeout(t, err, "GET /events")
	d.Unstall("/events")

	// Connected and silent: no timeout, events still arrive later.
	d.StopEvents()
	ch, errc := e.Events(ctx)
	time.Sleep(3 * 300 * time.Millisecond) // longer than the connect bound
	select {
	case err := <-errc:
		t.Fatalf("a silent connected stream ended: %v", err)
	default:
	}
	d.ResumeEvents()
	within(t, "an event after a silence", func() {
		for {
			d.Tick() // some ticks are health reports, which bilge drops
			select {
			case <-ch:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

// TestNotAnEngine: a server that answers /_ping with 404 is some other
// web server: one line saying so, naming the host.
func TestNotAnEngine(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	host := "tcp://" + strings.TrimPrefix(srv.URL, "http://")
	ep, err := Resolve(Selection{Host: host}, mapEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	err = pingEndpoint(t, ep)
	if err == nil {
		t.Fatal("ping of a web server succeeded")
	}
	msg := err.Error()
	if !strings.Contains(msg, host) || !strings.Contains(msg, "is not a Docker engine") || strings.Contains(msg, "\n") ||
		strings.Contains(msg, "page not found") || strings.Contains(msg, "Error response from daemon") {
		t.Errorf("unclear error: %q", msg)
	}
	if !IsConnectError(err) {
		t.Error("not classified as a failure to reach an engine")
	}
}

func TestShortDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		60 * time.Second:         "60s",
		59800 * time.Millisecond: "60s",
		time.Second:              "1s",
		1500 * time.Millisecond:  "1.5s",
		250 * time.Millisecond:   "250ms",
		2 * time.Minute:          "120s",
		30 * time.Minute:         "30m",
		time.Microsecond:         "1µs",
	} {
		if got := ShortDuration(d); got != want {
			t.Errorf("ShortDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestDaemonIsInfosIdentity: Daemon gives /info's ID and Name with the
// address that reached the engine.
func TestDaemonIsInfosIdentity(t *testing.T) {
	t.Parallel()
	_, e := stalledDemo(t)
	got, err := e.Daemon(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "DEMO:BILG:E000:0000:0000:0000:0000:0000:0000:0000:0000:0000" || got.Name != "demo-host" || got.Host != e.Endpoint().Host {
		t.Errorf("Daemon = %+v", got)
	}
}
