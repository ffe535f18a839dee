package e2e

import (
	"strings"
	"testing"
	"time"

	"bilge/dockerapi"
	"bilge/internal/uidriver"
	"bilge/ui"
)

// TestStalledEventStreamIsNoticed: an engine that accepts the event
// stream's connection and never answers it used to leave the UI "●
// connected" for ever, believing it was listening. The connection has a
// deadline: the UI sees the stream fail, says what did not answer, and
// keeps working; once the engine answers again, it is connected and
// listening.
func TestStalledEventStreamIsNoticed(t *testing.T) {
	t.Parallel()
	d, e, ctx := demoEngine(t, 13)
	// The bound is short for the test, but not so short that a loaded
	// machine misses it once the engine answers again.
	e.SetTimeouts(dockerapi.Timeouts{StreamConnect: 2 * time.Second})
	d.Stall("/events")
	app := ui.New(ctx, e, ui.Options{Interval: 200 * time.Millisecond})
	drv := uidriver.New(app, 160, 30)
	must(t, drv.Until("the stalled stream reported", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "reconnecting…") && strings.Contains(s, "GET /events did not answer")
	}))
	drv.Keys("3")
	must(t, drv.Until("keys still act", 10*time.Second, func(s string) bool { return strings.Contains(s, " of 80") }))
	d.Unstall("/events")
	must(t, drv.Until("connected again", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "● connected") && !strings.Contains(s, "(polling)")
	}))
	// Listening for real: the stream stays up well past its connect bound.
	flipped := ""
	_ = drv.Until("a while", 5*time.Second, func(s string) bool {
		if strings.Contains(s, "reconnecting…") || strings.Contains(s, "(polling)") {
			flipped = s
		}
		return flipped != ""
	})
	if flipped != "" {
		t.Fatalf("the stream failed again after the engine answered:\n%s", flipped)
	}
}

// TestStalledEngineShowsStale: an engine that stops answering everything
// (as dockerd under SIGSTOP: connections accepted, no replies) shows as
// reconnecting with stale rows, and recovers by itself when it answers.
func TestStalledEngineShowsStale(t *testing.T) {
	t.Parallel()
	d, e, ctx := demoEngine(t, 14)
	app := ui.New(ctx, e, ui.Options{Interval: 200 * time.Millisecond})
	drv := uidriver.New(app, 160, 30)
	must(t, drv.Until("connected", 20*time.Second, func(s string) bool { return strings.Contains(s, "● connected") }))
	drv.Keys("3")
	d.Stall("")
	must(t, drv.Until("reconnecting", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "reconnecting…") && strings.Contains(s, "stale") && strings.Contains(s, "did not answer within")
	}))
	if !strings.Contains(drv.Screen(), "80 of 80") {
		t.Fatalf("rows vanished while the engine stalled:\n%s", drv.Screen())
	}
	d.Unstall("")
	must(t, drv.Until("back", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "● connected") && !strings.Contains(s, "stale")
	}))
}
