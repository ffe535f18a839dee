package model

import (
	"slices"
	"testing"
	"time"
)

var h0 = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// sized is a sample at h0+at with the given image and volume sizes.
func sized(at time.Duration, images, volumes int64, repos ...RepoSample) Sample {
	return Sample{Time: h0.Add(at), Kinds: map[Kind]KindSample{
		KindImage:  {Size: images, Reclaimable: Unknown, Exact: Unknown},
		KindVolume: {Size: volumes},
	}, Repos: repos}
}

func TestRetentionKeep(t *testing.T) {
	t.Parallel()
	r := Retention{All: 2 * time.Hour, Hourly: 48 * time.Hour, Daily: 10 * 24 * time.Hour}
	now := h0.Add(20 * 24 * time.Hour)
	var times []time.Time
	// Every 20 minutes for the last 15 days.
	for at := now.Add(-15 * 24 * time.Hour); !at.After(now); at = at.Add(20 * time.Minute) {
		times = append(times, at)
	}
	keep := r.Keep(times, now)
	hours, days := map[int64]int{}, map[int64]int{}
	for i, at := range times {
		age := now.Sub(at)
		switch {
		case age < r.All:
			if !keep[i] {
				t.Errorf("%s (age %s) dropped inside the keep-all window", at, age)
			}
		case age < r.Hourly:
			if keep[i] {
				hours[at.Truncate(time.Hour).Unix()]++
			}
		case age < r.Daily:
			if keep[i] {
				days[at.Truncate(24*time.Hour).Unix()]++
			}
		default:
			if keep[i] {
				t.Errorf("%s (age %s) kept past the daily window", at, age)
			}
		}
	}
	for h, n := range hours {
		if n != 1 {
			t.Errorf("hour %s keeps %d samples, want 1", time.Unix(h, 0).UTC(), n)
		}
	}
	if len(hours) < 45 || len(hours) > 47 {
		t.Errorf("%d hours kept in the hourly window, want about 46", len(hours))
	}
	for d, n := range days {
		if n != 1 {
			t.Errorf("day %s keeps %d samples, want 1", time.Unix(d, 0).UTC(), n)
		}
	}
	if len(days) < 8 || len(days) > 9 {
		t.Errorf("%d days kept in the daily window, want 8 or 9", len(days))
	}
	// The newest of each hour is the one kept.
	for i := 1; i < len(times); i++ {
		if keep[i-1] && times[i-1].Truncate(time.Hour).Equal(times[i].Truncate(time.Hour)) && now.Sub(times[i]) >= r.All && now.Sub(times[i-1]) < r.Hourly {
			t.Errorf("%s kept though %s is newer in the same hour", times[i-1], times[i])
		}
	}
	// Applying retention again keeps everything it kept.
	var kept []time.Time
	for i, k := range keep {
		if k {
			kept = append(kept, times[i])
		}
	}
	if again := r.Keep(kept, now); slices.Contains(again, false) {
		t.Errorf("a second pass drops samples the first kept")
	}
}

func TestRetentionValid(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		r  Retention
		ok bool
	}{
		{DefaultRetention, true},
		{Retention{All: time.Hour, Hourly: time.Hour, Daily: time.Hour}, true},
		{Retention{All: 2 * time.Hour, Hourly: time.Hour, Daily: 3 * time.Hour}, false},
		{Retention{All: time.Hour, Hourly: 3 * time.Hour, Daily: 2 * time.Hour}, false},
		{Retention{All: -time.Hour}, false},
	} {
		if got := c.r.Valid() == ""; got != c.ok {
			t.Errorf("%+v: valid %v, want %v (%s)", c.r, got, c.ok, c.r.Valid())
		}
	}
}

func TestGrowth(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	samples := []Sample{
		sized(0, 100, 10, RepoSample{Repo: "app", Tags: 1, Size: 50}, RepoSample{Repo: "old", Tags: 2, Size: 30}, RepoSample{Repo: "same", Tags: 1, Size: 20}),
		sized(2*day, 300, 10, RepoSample{Repo: "app", Tags: 3, Size: 150}, RepoSample{Repo: "old", Tags: 2, Size: 30}, RepoSample{Repo: "same", Tags: 1, Size: 20}),
		sized(9*day, 700, 5, RepoSample{Repo: "app", Tags: 4, Size: 400}, RepoSample{Repo: "new", Tags: 1, Size: 280}, RepoSample{Repo: "same", Tags: 1, Size: 20}),
	}
	g := Growth(samples, h0.Add(3*day))
	if !g.Then.Time.Equal(h0.Add(2*day)) || !g.Now.Time.Equal(h0.Add(9*day)) {
		t.Fatalf("window %s → %s, want the sample at day 2 → day 9", g.Then.Time, g.Now.Time)
	}
	for _, c := range g.Kinds {
		d, ok := c.Delta()
		switch c.Kind {
		case KindImage:
			if !ok || d != 400 {
				t.Errorf("images changed %d (%v), want +400", d, ok)
			}
		case KindVolume:
			if !ok || d != -5 {
				t.Errorf("volumes changed %d (%v), want -5", d, ok)
			}
		case KindContainer:
			if ok {
				t.Errorf("containers have no sizes in these samples, got a change of %d", d)
			}
		}
	}
	var got []string
	for _, r := range g.Repos {
		got = append(got, r.Repo)
	}
	if want := []string{"new", "app", "old"}; !slices.Equal(got, want) {
		t.Fatalf("repos %v, want %v (unchanged ones left out, gone last)", got, want)
	}
	if r := g.Repos[0]; !r.New || r.Delta() != 280 {
		t.Errorf("new repo: %+v", r)
	}
	if r := g.Repos[1]; r.TagsThen != 3 || r.TagsNow != 4 || r.Delta() != 250 {
		t.Errorf("app: %+v", r)
	}
	if r := g.Repos[2]; !r.Gone || r.SizeThen != 30 {
		t.Errorf("gone repo: %+v", r)
	}
	// A window before every sample starts at the oldest.
	if g := Growth(samples, h0.Add(-day)); !g.Then.Time.Equal(h0) {
		t.Errorf("window start %s, want the oldest sample", g.Then.Time)
	}
	if g := Growth(nil, h0); g.Then != nil || g.Now != nil || len(g.Kinds) != 0 {
		t.Errorf("growth of no samples: %+v", g)
	}
}

func TestSizeSeriesAndSparkline(t *testing.T) {
	t.Parallel()
	h := time.Hour
	samples := []Sample{sized(2*h, 10, 0), sized(3*h, Unknown, 0), sized(5*h, 80, 0), sized(7*h, 40, 0)}
	got := SizeSeries(samples, KindImage, h0, h0.Add(8*h), 8)
	want := []int64{Unknown, 10, 10, 10, 80, 80, 40, 40}
	if !slices.Equal(got, want) {
		t.Fatalf("series %v, want %v", got, want)
	}
	if s := Sparkline(got); s != " ▁▁▁██▄▄" {
		t.Errorf("sparkline %q, want \" ▁▁▁██▄▄\"", s)
	}
	if s := Sparkline([]int64{5, 5, 5}); s != "▁▁▁" {
		t.Errorf("flat sparkline %q", s)
	}
	if s := Sparkline([]int64{Unknown, Unknown}); s != "  " {
		t.Errorf("unknown sparkline %q", s)
	}
	if got := SizeSeries(nil, KindImage, h0, h0.Add(h), 3); !slices.Equal(got, []int64{Unknown, Unknown, Unknown}) {
		t.Errorf("no samples: %v", got)
	}
}

func TestSizeChange(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	samples := []Sample{sized(0, 100, 0), sized(3*day, 200, 0), sized(8*day, 250, 0), sized(10*day, 900, 0)}
	d, span, ok := SizeChange(samples, KindImage, 7*day)
	if !ok || d != 700 || span != 7*day {
		t.Errorf("7d change %d over %s (%v), want +700 over 7d", d, span, ok)
	}
	d, span, ok = SizeChange(samples[:2], KindImage, 7*day)
	if !ok || d != 100 || span != 3*day {
		t.Errorf("young history: %d over %s (%v), want +100 over 3d", d, span, ok)
	}
	if _, _, ok := SizeChange(samples[:1], KindImage, 7*day); ok {
		t.Error("one sample gives a change")
	}
	if _, _, ok := SizeChange(samples, KindBuildCache, 7*day); ok {
		t.Error("a kind with no sizes gives a change")
	}
	for n, want := range map[int64]string{3_200_000_000: "+3.2GB", -512_000_000: "-512MB", 0: "±0B"} {
		if got := HumanDelta(n); got != want {
			t.Errorf("HumanDelta(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestReposOf(t *testing.T) {
	t.Parallel()
	base := Layer{ChainID: "base", Size: 100}
	s := &Snapshot{Images: []Image{
		{ID: "a", Tags: []string{"app:1", "app:latest"}, Size: 130, Layers: []Layer{base, {ChainID: "a1", Size: 30}}},
		{ID: "b", Tags: []string{"app:2"}, Size: 150, Layers: []Layer{base, {ChainID: "b1", Size: 50}}},
		{ID: "c", Tags: []string{"registry.example.com:5000/tools/db:9"}, Size: 70},
		{ID: "d", Size: 5, Layers: []Layer{{ChainID: "d1", Size: 5}}},
	}}
	got := ReposOf(s)
	want := []RepoSample{{Repo: NoRepo, Tags: 0, Size: 5}, {Repo: "app", Tags: 3, Size: 180}, {Repo: "registry.example.com:5000/tools/db", Tags: 1, Size: 70}}
	if !slices.Equal(got, want) {
		t.Fatalf("repos %+v, want %+v", got, want)
	}
}
