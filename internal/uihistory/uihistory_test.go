package uihistory

import (
	"context"
	"os"
	"testing"
	"time"

	"bilge/dockerapi"
	"bilge/dockerapi/demo"
	"bilge/internal/history"
	"bilge/model"
)

// TestDemoHistory: the demo's history is a year of samples and a few
// clean-ups for the demo engine, in a temporary store that release
// removes; what the UI records goes there, named for the engine.
func TestDemoHistory(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("TMPDIR", t.TempDir())
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Second)
	d := demo.New(3, demo.WithNow(now))
	host, err := d.Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	e, err := dockerapi.Open(dockerapi.Selection{Host: host})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	e.UseLayerCache(dockerapi.MemoryLayerCache())
	start := time.Now()
	a, release, err := Demo(ctx, e, 3, now)
	if err != nil {
		t.Fatal(err)
	}
	path := a.Store.Path()
	month, err := a.Samples(ctx, now.Add(-31*24*time.Hour), false)
	if err != nil || len(month) < 30*24 {
		t.Fatalf("the last 31 days: %d samples, %v", len(month), err)
	}
	t.Logf("the demo's last month took %s to measure and write", time.Since(start).Round(time.Millisecond))
	samples := month
	if len(samples) < 30*24 || !samples[len(samples)-1].Time.Equal(now) || samples[0].Engine.ID == "" {
		t.Fatalf("%d samples, the last at %v (now %v), engine %+v", len(samples), samples[len(samples)-1].Time, now, samples[0].Engine)
	}
	cs, err := a.Cleanups(ctx, now.Add(-400*24*time.Hour))
	if err != nil || len(cs) < 3 {
		t.Fatalf("%d clean-ups, %v", len(cs), err)
	}
	smp := model.Sample{Time: now.Add(time.Hour), Kinds: samples[len(samples)-1].Kinds}
	if err := a.AddSample(ctx, smp); err != nil {
		t.Fatal(err)
	}
	if added, err := a.AddSampleIfDue(ctx, model.Sample{Time: now.Add(time.Hour + time.Minute), Kinds: smp.Kinds}, 10*time.Minute); err != nil || added {
		t.Fatalf("a sample a minute after another: added %v, %v", added, err)
	}
	got, err := a.Samples(ctx, now.Add(30*time.Minute), true)
	if err != nil || len(got) != 1 || got[0].Engine != samples[0].Engine {
		t.Fatalf("recorded %+v, %v: want one sample named for the demo engine", got, err)
	}
	if userDB, err := history.DefaultPath(os.Getenv); err != nil || userDB == path {
		t.Fatalf("the demo's store is %s, the user's %s (%v)", path, userDB, err)
	}
	release()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("release left %s: %v", path, err)
	}
}
