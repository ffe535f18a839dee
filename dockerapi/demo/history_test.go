package demo

import (
	"reflect"
	"testing"
	"time"

	"bilge/model"
)

func demoCur(now time.Time) model.Sample {
	return model.Sample{Time: now, Engine: model.EngineRef{ID: "DEMO:ID", Name: "demo"},
		Kinds: map[model.Kind]model.KindSample{
			model.KindImage:      {Total: 300, Active: 40, Size: 48_000_000_000, Reclaimable: 20_000_000_000, Exact: 18_000_000_000},
			model.KindContainer:  {Total: 80, Active: 30, Size: 2_000_000_000, Reclaimable: 500_000_000, Exact: 500_000_000},
			model.KindVolume:     {Total: 60, Active: 20, Size: 30_000_000_000, Reclaimable: 9_000_000_000, Exact: model.Unknown},
			model.KindBuildCache: {Total: 200, Size: 6_000_000_000, Reclaimable: 6_000_000_000, Exact: 5_000_000_000},
			model.KindNetwork:    {Total: 12, Active: 5, Size: model.Unknown, Reclaimable: model.Unknown, Exact: model.Unknown},
		},
		Repos: []model.RepoSample{{Repo: "acme/api", Tags: 12, Size: 3_000_000_000}, {Repo: "acme/web", Tags: 8, Size: 1_000_000_000},
			{Repo: "node", Tags: 4, Size: 2_000_000_000}, {Repo: "postgres", Tags: 2, Size: 800_000_000}, {Repo: "redis", Tags: 1, Size: 120_000_000},
			{Repo: "team/a", Tags: 3, Size: 100}, {Repo: "team/b", Tags: 3, Size: 100}, {Repo: "team/c", Tags: 3, Size: 100},
			{Repo: "team/d", Tags: 3, Size: 100}, {Repo: "team/e", Tags: 3, Size: 100}, {Repo: "team/f", Tags: 3, Size: 100}}}
}

// TestHistory: a year of samples, hourly for 60 days and daily before,
// oldest first, ending at the current figures; deterministic; clean-ups
// drop the sizes they say they freed; repositories come and go.
func TestHistory(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	cur := demoCur(now)
	samples, cleanups := History(7, now, cur)
	again, againC := History(7, now, cur)
	if !reflect.DeepEqual(samples, again) || !reflect.DeepEqual(cleanups, againC) {
		t.Fatal("the same seed gave another history")
	}
	if other, _ := History(8, now, cur); reflect.DeepEqual(other, samples) {
		t.Error("another seed gave the same history")
	}
	if n := len(samples); n < 60*24+300 || n > 60*24+310 {
		t.Errorf("%d samples, want about a year (60 days hourly, daily before)", n)
	}
	last := samples[len(samples)-1]
	if !last.Time.Equal(now) || !reflect.DeepEqual(last.Kinds, cur.Kinds) || !reflect.DeepEqual(last.Repos, cur.Repos) || last.Engine != cur.Engine {
		t.Errorf("the last sample %+v is not the current figures", last)
	}
	if first := samples[0]; now.Sub(first.Time) != 365*24*time.Hour {
		t.Errorf("the first sample is %s old", now.Sub(first.Time))
	}
	for i := 1; i < len(samples); i++ {
		gap := samples[i].Time.Sub(samples[i-1].Time)
		age := now.Sub(samples[i].Time)
		if gap <= 0 || age < 59*24*time.Hour && gap > time.Hour || gap > 24*time.Hour {
			t.Fatalf("sample %d: %s after the one before, %s old", i, gap, age)
		}
		for k, ks := range samples[i].Kinds {
			if k.Info().Sized && ks.Size <= 0 {
				t.Fatalf("sample %d: %v size %d", i, k, ks.Size)
			}
		}
	}
	img := func(s model.Sample) int64 { return s.Kinds[model.KindImage].Size }
	if img(samples[0]) >= img(last) {
		t.Errorf("images did not grow over the year: %d → %d", img(samples[0]), img(last))
	}
	if len(cleanups) < 3 {
		t.Fatalf("%d clean-ups, want a few", len(cleanups))
	}
	recent := 0
	for _, c := range cleanups {
		if c.Freed <= 0 || c.Objects <= 0 || c.By == "" || c.Engine != cur.Engine {
			t.Errorf("clean-up %+v", c)
		}
		if now.Sub(c.Time) < 30*24*time.Hour {
			recent++
		}
		// The build cache drops across it.
		i := 0
		for i < len(samples) && samples[i].Time.Before(c.Time) {
			i++
		}
		before, after := samples[i-1].Kinds[model.KindBuildCache].Size, samples[i].Kinds[model.KindBuildCache].Size
		if after >= before {
			t.Errorf("clean-up at %s: build cache %d → %d", c.Time, before, after)
		}
	}
	if recent == 0 {
		t.Error("no clean-up in the last 30 days")
	}
	g := model.Growth(samples, now.Add(-30*24*time.Hour))
	var fresh, gone int
	for _, r := range g.Repos {
		if r.New {
			fresh++
		}
		if r.Gone {
			gone++
		}
	}
	if year := model.Growth(samples, now.Add(-365*24*time.Hour)); len(year.Repos) == 0 {
		t.Error("no repository changed over the year")
	}
	if gone == 0 || fresh == 0 {
		t.Errorf("over the last 30 days %d repositories are new and %d gone, want some of each", fresh, gone)
	}
}

// TestHistoryRelativeToNow: made at another time, the history is the same
// relative to its now.
func TestHistoryRelativeToNow(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	later := now.Add(3*24*time.Hour + 5*time.Hour + 17*time.Minute)
	a, ac := History(4, now, demoCur(now))
	b, bc := History(4, later, demoCur(later))
	if len(a) != len(b) || len(ac) != len(bc) {
		t.Fatalf("%d and %d samples, %d and %d clean-ups", len(a), len(b), len(ac), len(bc))
	}
	for i := range a {
		if now.Sub(a[i].Time) != later.Sub(b[i].Time) || !reflect.DeepEqual(a[i].Kinds, b[i].Kinds) || !reflect.DeepEqual(a[i].Repos, b[i].Repos) {
			t.Fatalf("sample %d differs: %+v and %+v", i, a[i], b[i])
		}
	}
	for i := range ac {
		if now.Sub(ac[i].Time) != later.Sub(bc[i].Time) || ac[i].Freed != bc[i].Freed {
			t.Fatalf("clean-up %d differs: %+v and %+v", i, ac[i], bc[i])
		}
	}
}
