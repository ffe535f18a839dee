package e2e

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"bilge/internal/enginetest"
	"bilge/internal/history"
	"bilge/model"
)

// checkHistory: after TestUIDeleteMarkedOfEveryKind's clean-up, the
// history (in the test's XDG_STATE_HOME) has, for the engine named by its
// /info ID, the UI's samples — the scan's, and one before and one after
// the clean-up with the engine's own figures — and the clean-up, by
// "interactive", with what it freed measured before → after.
func checkHistory(t *testing.T, e *enginetest.Engine, tm *term, before, after *enginetest.DiskUsage, deleted int) {
	t.Helper()
	ctx := context.Background()
	var info struct{ ID, Name string }
	if err := e.Do(ctx, http.MethodGet, "/info", nil, nil, &info); err != nil {
		t.Fatal(err)
	}
	st, err := history.Open(filepath.Join(tm.state, "bilge", "history.db"), func(w string) { t.Errorf("history: %s", w) })
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// The UI records after it shows the results: wait for it.
	var samples []model.Sample
	var cleanups []model.Cleanup
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		samples, err = st.Samples(ctx, info.ID, time.Time{}, true)
		if err != nil {
			t.Fatal(err)
		}
		cleanups, err = st.Cleanups(ctx, info.ID, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		if len(samples) >= 3 && len(cleanups) == 1 {
			break
		}
	}
	if len(samples) < 3 || len(cleanups) != 1 {
		t.Fatalf("history: %d samples and %d clean-ups; want the scan's, one before and one after, and the clean-up", len(samples), len(cleanups))
	}
	b, a := samples[len(samples)-2], samples[len(samples)-1]
	c := cleanups[0]
	if b.Engine.ID != info.ID || b.Engine.Name != info.Name || c.Engine.ID != info.ID {
		t.Errorf("recorded for engine %+v / %+v; the engine is %s %s", b.Engine, c.Engine, info.ID, info.Name)
	}
	if got := b.Kinds[model.KindImage].Size; got != before.LayersSize {
		t.Errorf("sample before: images %d, the engine said %d", got, before.LayersSize)
	}
	if got := a.Kinds[model.KindImage].Size; got != after.LayersSize {
		t.Errorf("sample after: images %d, the engine says %d", got, after.LayersSize)
	}
	if c.By != "interactive" || c.Objects != deleted || c.Time.Before(b.Time) || c.Time.After(a.Time) {
		t.Errorf("clean-up %+v: want by interactive, %d objects, between the samples %v and %v", c, deleted, b.Time, a.Time)
	}
	if got, want := c.PerKind[model.KindImage], before.LayersSize-after.LayersSize; got != want {
		t.Errorf("clean-up freed %d of images, the engine measured %d", got, want)
	}
	var sum int64
	for _, n := range c.PerKind {
		sum += n
	}
	if c.Freed != sum {
		t.Errorf("clean-up freed %d, its kinds add up to %d", c.Freed, sum)
	}
}
