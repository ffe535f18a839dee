package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"bilge/dockerapi"
	"bilge/dockerapi/demo"
	"bilge/internal/uidriver"
	"bilge/model"
	"bilge/ui"
)

// demoEngine serves a demo engine and connects bilge's real client to it.
func demoEngine(t *testing.T, seed int64, opts ...demo.Option) (*demo.Engine, *dockerapi.Engine, context.Context) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	d := demo.New(seed, opts...)
	host, err := d.Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e, err := dockerapi.Connect(ctx, dockerapi.Selection{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	e.UseLayerCache(dockerapi.MemoryLayerCache())
	return d, e, ctx
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestRefreshSurvivesEngineGoingAway: the engine refuses connections; the
// header says reconnecting…, the rows stay; it comes back and bilge
// recovers by itself.
func TestRefreshSurvivesEngineGoingAway(t *testing.T) {
	t.Parallel()
	d, e, ctx := demoEngine(t, 11)
	app := ui.New(ctx, e, ui.Options{Interval: 200 * time.Millisecond})
	drv := uidriver.New(app, 120, 30)
	must(t, drv.Until("connected", 20*time.Second, func(s string) bool { return strings.Contains(s, "● connected") }))
	drv.Keys("3")
	must(t, d.SetOffline(true))
	must(t, drv.Until("reconnecting", 20*time.Second, func(s string) bool {
		return strings.Contains(s, "reconnecting…") && strings.Contains(s, "stale")
	}))
	if !strings.Contains(drv.Screen(), "80 of 80") {
		t.Fatalf("rows vanished while offline:\n%s", drv.Screen())
	}
	must(t, d.SetOffline(false))
	must(t, drv.Until("back", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "● connected") && !strings.Contains(s, "stale")
	}))
}

// TestSlowDiskUsageShowsPendingNeverZero: while a slow system df runs, the
// costly sizes are pending, never 0; they fill in when it ends.
func TestSlowDiskUsageShowsPendingNeverZero(t *testing.T) {
	t.Parallel()
	d, e, ctx := demoEngine(t, 12)
	d.SetDiskUsageDelay(3 * time.Second)
	app := ui.New(ctx, e, ui.Options{Interval: time.Second})
	drv := uidriver.New(app, 120, 30)
	drv.Keys("4")
	must(t, drv.Until("volume rows", 10*time.Second, func(s string) bool { return strings.Contains(s, "60 of 60") }))
	scr := drv.Screen()
	if !strings.Contains(scr, model.Pending) || strings.Contains(scr, " 0B ") {
		t.Fatalf("sizes not pending while df runs:\n%s", scr)
	}
	if !strings.Contains(scr, "sizing") {
		t.Errorf("no sign that sizes are on their way:\n%s", scr)
	}
	must(t, drv.Until("sizes", 20*time.Second, func(s string) bool { return strings.Contains(s, "MB") && !strings.Contains(s, "sizing") }))
}

// TestEventStreamDropFallsBackAndResubscribes: the event stream dies; bilge
// polls at --interval meanwhile, resubscribes, and still sees changes.
func TestEventStreamDropFallsBackAndResubscribes(t *testing.T) {
	t.Parallel()
	d, e, ctx := demoEngine(t, 13)
	app := ui.New(ctx, e, ui.Options{Interval: 300 * time.Millisecond})
	drv := uidriver.New(app, 120, 30)
	drv.Keys("3")
	must(t, drv.Until("rows", 20*time.Second, func(s string) bool { return strings.Contains(s, "80 of 80") }))
	d.DropStreams()
	// A change made while the stream is down: remove one stopped container.
	snap, err := e.Snapshot(ctx)
	must(t, err)
	var victim string
	for _, c := range snap.Containers {
		if !c.Active() {
			victim = c.ID
			break
		}
	}
	for o := range e.Delete(ctx, model.NewPlan(snap, model.PlanRequest{Containers: []string{victim}}), 1) {
		if o.Status != model.Deleted && o.Status != model.Started {
			t.Fatalf("delete: %+v", o)
		}
	}
	must(t, drv.Until("the change", 20*time.Second, func(s string) bool { return strings.Contains(s, "79 of 79") }))
	if n := d.Requests(http.MethodGet, "/events"); n < 2 {
		t.Errorf("events subscribed %d times, want a resubscription", n)
	}
}

// TestWorkerWithEngineFaults: a 500 on one container fails it with the
// engine's message and skips the image that needed it; the rest goes on.
func TestWorkerWithEngineFaults(t *testing.T) {
	t.Parallel()
	d, e, ctx := demoEngine(t, 14)
	snap, err := e.Snapshot(ctx)
	must(t, err)
	var img *model.Image
	for i := range snap.Images {
		im := &snap.Images[i]
		if im.Status() == model.ImageStoppedOnly && len(im.Containers) == 1 {
			img = im
			break
		}
	}
	if img == nil {
		t.Fatal("no image with one stopped container in the demo state")
	}
	var other string
	for _, c := range snap.Containers {
		if !c.Active() && c.ID != img.Containers[0] {
			other = c.ID
			break
		}
	}
	d.FailNext(http.MethodDelete, "/containers/"+img.Containers[0], http.StatusInternalServerError, "driver failed removing root filesystem: device busy", 1)
	d.SetLatency("/containers/"+other, 200*time.Millisecond)
	plan := model.NewPlan(snap, model.PlanRequest{Images: []string{img.ID}, Containers: []string{other}, Cascade: true})
	got := map[string]model.Outcome{}
	for o := range e.Delete(ctx, plan, 4) {
		if o.Status != model.Started {
			got[o.Item.ID] = o
		}
	}
	if o := got[img.Containers[0]]; o.Status != model.Failed || !strings.Contains(o.Err, "device busy") {
		t.Errorf("failing container: %+v", o)
	}
	if o := got[img.ID]; o.Status != model.Skipped {
		t.Errorf("image after a failed container: %+v", o)
	}
	if o := got[other]; o.Status != model.Deleted {
		t.Errorf("the rest did not go on: %+v", o)
	}
}
