package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"bilge/model"
)

// History is a plausible disk-usage history for a demo host, for bilge's
// History view and the Overview's sparklines: a year of samples ending at
// cur (taken at now) — hourly for the last 60 days, daily before, as the
// history's retention keeps them — with each kind's size growing with
// noise, a few clean-ups that drop it (recorded as clean-ups too), and
// the host's repositories growing, some of them new within the year and a
// few gone in a clean-up. The same seed, now and cur give the same
// history, and the same seed and cur the same history relative to now
// (screenshots made on different days look alike); it never reads the
// clock. Pure: nothing is stored.
func History(seed int64, now time.Time, cur model.Sample) ([]model.Sample, []model.Cleanup) {
	rng := rand.New(rand.NewPCG(uint64(seed), 0x68697374)) // "hist"
	now = now.UTC().Truncate(time.Second)

	// The sample times, oldest first, ending at now.
	var times []time.Time
	start := now.Add(-365 * 24 * time.Hour)
	hourly := now.Add(-60 * 24 * time.Hour)
	for t := start; t.Before(hourly); t = t.Add(24 * time.Hour) {
		times = append(times, t)
	}
	for t := hourly; t.Before(now); t = t.Add(time.Hour) {
		times = append(times, t)
	}
	times = append(times, now)
	n := len(times)

	// Clean-ups: a few over the year, the last one a week or two ago (so
	// the last week only grows), at sample indexes: the drop shows from
	// that sample on.
	at := func(ago time.Duration) int {
		t := now.Add(-ago)
		for i, ti := range times {
			if !ti.Before(t) {
				return i
			}
		}
		return n - 1
	}
	day := 24 * time.Hour
	drops := []int{
		at(time.Duration(280+rng.IntN(40)) * day),
		at(time.Duration(190+rng.IntN(40)) * day),
		at(time.Duration(100+rng.IntN(40)) * day),
		at(time.Duration(40+rng.IntN(10)) * day),
		at(time.Duration(10+rng.IntN(8))*day + time.Duration(rng.IntN(24))*time.Hour),
	}
	dropAt := map[int]int{} // sample index → clean-up number
	for j, i := range drops {
		dropAt[i] = j
	}
	// Each sized kind grows by a share a day (less at weekends), with
	// noise, and each clean-up takes a share of it: images and build cache
	// most, volumes seldom.
	growth := map[model.Kind]float64{model.KindImage: 0.008, model.KindContainer: 0.005, model.KindVolume: 0.003, model.KindBuildCache: 0.012}
	dropShare := map[model.Kind]float64{model.KindImage: 0.12, model.KindContainer: 0.2, model.KindVolume: 0.03, model.KindBuildCache: 0.35}

	// Each sized kind's path, scaled below to end at cur's size.
	path := map[model.Kind][]float64{}
	dropped := map[model.Kind][]float64{} // per clean-up, in path units
	for _, k := range model.SizedKinds {
		g := make([]float64, n)
		d := make([]float64, len(drops))
		rate := growth[k] * (0.8 + 0.4*rng.Float64())
		v := 1.0
		for i := range times {
			if i > 0 {
				dt := times[i].Sub(times[i-1]).Hours() / 24
				// A quieter two days a week, counted back from now so the
				// history's shape does not depend on the day it is made.
				wd := 1.0
				if ago := int(now.Sub(times[i]).Hours() / 24); ago%7 >= 5 {
					wd = 0.3
				}
				v *= 1 + dt*rate*wd*max(1+1.5*rng.NormFloat64(), -1)
			}
			if j, ok := dropAt[i]; ok && i > 0 {
				cut := v * dropShare[k] * (0.7 + 0.6*rng.Float64())
				v -= cut
				d[j] = cut
			}
			g[i] = v
		}
		path[k], dropped[k] = g, d
	}

	// Repositories: most are a year old, some came within the year (a
	// few within the last month), a few were removed by a clean-up.
	type repo struct {
		model.RepoSample
		born, gone int // sample indexes; gone is n when it stays
		grow       float64
	}
	var repos []repo
	for _, r := range cur.Repos {
		born := 0
		switch x := rng.Float64(); {
		case r.Repo == model.NoRepo: // untagged images: always some
		case x < 0.15 && r.Size < 2_000_000_000:
			born = at(time.Duration(1+rng.IntN(25)) * day)
		case x < 0.35:
			born = at(time.Duration(30+rng.IntN(320)) * day)
		}
		repos = append(repos, repo{RepoSample: r, born: born, gone: n, grow: 0.4 + 0.5*rng.Float64()})
	}
	// Gone in the last three clean-ups.
	for j, team := range []string{"ci/nightly", "legacy/reports", "sandbox/ml-notebook"} {
		size := int64(200_000_000 + rng.IntN(1_200_000_000))
		repos = append(repos, repo{RepoSample: model.RepoSample{Repo: fmt.Sprintf("%s-%d", team, 1+rng.IntN(9)), Tags: 2 + rng.IntN(12), Size: size},
			born: rng.IntN(max(drops[j+2]/2, 1)), gone: drops[j+2], grow: 0.5})
	}

	samples := make([]model.Sample, n)
	for i, t := range times {
		s := model.Sample{Time: t, Engine: cur.Engine, Kinds: make(map[model.Kind]model.KindSample, len(cur.Kinds))}
		for _, k := range model.Kinds { // in order: the noise is drawn in it
			c, ok := cur.Kinds[k]
			if !ok {
				continue
			}
			g, sized := path[k]
			if !sized || c.Size < 0 {
				s.Kinds[k] = c
				continue
			}
			f := g[i] / g[n-1]
			if i < n-1 {
				f *= 1 + 0.004*rng.NormFloat64() // the scan's own jitter
			}
			ks := model.KindSample{Size: int64(float64(c.Size) * f), Total: int(math.Round(float64(c.Total) * min(f, 1.5))), Active: c.Active}
			ks.Active = min(ks.Active, ks.Total)
			ks.Reclaimable = scaleOf(c.Reclaimable, c.Size, ks.Size)
			ks.Exact = scaleOf(c.Exact, c.Size, ks.Size)
			if i == n-1 {
				ks = c
			}
			s.Kinds[k] = ks
		}
		for _, r := range repos {
			if i < r.born || i >= r.gone {
				continue
			}
			if i == n-1 {
				s.Repos = append(s.Repos, r.RepoSample)
				continue
			}
			f := 1 - r.grow*float64(now.Sub(t))/float64(now.Sub(start))
			if r.gone < n {
				f = 1
			}
			tags := int(math.Round(float64(r.Tags) * f))
			if r.Tags > 0 {
				tags = max(tags, 1)
			}
			s.Repos = append(s.Repos, model.RepoSample{Repo: r.Repo, Tags: tags, Size: int64(float64(r.Size) * f)})
		}
		samples[i] = s
	}
	// Repos in name order, as a sample keeps them.
	for i := range samples {
		slices.SortFunc(samples[i].Repos, func(a, b model.RepoSample) int { return strings.Compare(a.Repo, b.Repo) })
	}

	var cleanups []model.Cleanup
	for j, i := range drops {
		c := model.Cleanup{Time: times[i].Add(-time.Duration(5+rng.IntN(40)) * time.Minute), Engine: cur.Engine, PerKind: map[model.Kind]int64{}}
		c.By = "interactive"
		if j%2 == 1 {
			c.By = "policy: " + []string{"old-ci-images", "stale-build-cache", "dangling"}[rng.IntN(3)]
		}
		for _, k := range model.SizedKinds {
			cs, ok := cur.Kinds[k]
			if !ok || cs.Size <= 0 {
				continue
			}
			b := int64(float64(cs.Size) * dropped[k][j] / path[k][n-1])
			if b > 0 {
				c.PerKind[k] = b
				c.Freed += b
			}
		}
		c.Objects = 3 + int(c.Freed/150_000_000) + rng.IntN(8)
		cleanups = append(cleanups, c)
	}
	return samples, cleanups
}

// scaleOf is part of whole, scaled to a new whole.
func scaleOf(part, whole, to int64) int64 {
	if part < 0 || whole <= 0 {
		return part
	}
	return int64(float64(to) * float64(part) / float64(whole))
}
