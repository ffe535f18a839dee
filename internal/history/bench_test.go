package history

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"bilge/model"
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		_ = os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// The benchmark history, built once per test binary run.
var (
	benchOnce sync.Once
	benchDir  string
	benchPath string
	benchErr  error
	benchEnd  = time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
)

const (
	benchEngines = 5
	benchRepos   = 20
	benchHours   = 365 * 24
)

// benchSample is engine e's sample h hours into the year: five kinds and
// twenty repositories, sizes drifting.
func benchSample(e, h int) model.Sample {
	at := benchEnd.Add(-time.Duration(benchHours-h) * time.Hour)
	n := int64(h)
	smp := model.Sample{
		Time:   at,
		Engine: model.EngineRef{ID: fmt.Sprintf("ABCD:EFGH:%04d:IJKL:MNOP:QRST:UVWX:YZ01:2345:6789:ABCD:EFGH", e), Name: fmt.Sprintf("build-host-%d", e)},
		Kinds: map[model.Kind]model.KindSample{
			model.KindImage:      {Total: 120 + h%7, Active: 14, Size: 35e9 + n*1e6, Reclaimable: 12e9 + n*3e5, Exact: 9e9 + n*2e5},
			model.KindContainer:  {Total: 31, Active: 12, Size: 2e8 + n*1e3, Reclaimable: 5e7, Exact: 5e7},
			model.KindVolume:     {Total: 18, Active: 9, Size: 7e9 + n*5e5, Reclaimable: 2e9, Exact: model.Unknown},
			model.KindNetwork:    {Total: 6, Active: 4},
			model.KindBuildCache: {Total: 900 + h%50, Active: 0, Size: 22e9 + n*8e5, Reclaimable: 22e9, Exact: 21e9},
		},
	}
	for r := range benchRepos {
		smp.Repos = append(smp.Repos, model.RepoSample{
			Repo: fmt.Sprintf("registry.example.com/team-%d/service-%02d", e, r),
			Tags: 1 + (h/24+r)%9,
			Size: 4e8 + int64(r)*3e7 + n*int64(r+1)*1000,
		})
	}
	return smp
}

func buildBench() {
	benchDir, benchErr = os.MkdirTemp("", "bilge-history-bench-")
	if benchErr != nil {
		return
	}
	benchPath = filepath.Join(benchDir, "history.db")
	s, err := Open(benchPath, nil)
	if err != nil {
		benchErr = err
		return
	}
	defer s.Close()
	ctx := context.Background()
	batch := make([]model.Sample, 0, 2000)
	for e := range benchEngines {
		for h := range benchHours {
			batch = append(batch, benchSample(e, h))
			if len(batch) == cap(batch) {
				if benchErr = s.addSamples(ctx, batch); benchErr != nil {
					return
				}
				batch = batch[:0]
			}
		}
	}
	if benchErr = s.addSamples(ctx, batch); benchErr != nil {
		return
	}
	_, benchErr = s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
}

// BenchmarkLoadHistory loads one engine's history out of a year of hourly
// samples of five engines (43,800 samples, 5 kinds and 20 repositories
// each): 30 days and the year with repositories (`bilge history`), 30
// days without (the Overview's sparklines), and the engine list.
func BenchmarkLoadHistory(b *testing.B) {
	benchOnce.Do(buildBench)
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	fi, err := os.Stat(benchPath)
	if err != nil {
		b.Fatal(err)
	}
	engine := benchSample(2, 0).Engine.ID
	tests := []struct {
		name      string
		since     time.Time
		withRepos bool
		want      int
	}{
		{"30d", benchEnd.Add(-30 * 24 * time.Hour), true, 30 * 24},
		{"30d-no-repos", benchEnd.Add(-30 * 24 * time.Hour), false, 30 * 24},
		{"year", time.Time{}, true, benchHours},
	}
	for _, tt := range tests {
		b.Run(tt.name, func(b *testing.B) {
			// A fresh Open each time, as `bilge history` pays it.
			cpu := cpuTime()
			for b.Loop() {
				s, err := Open(benchPath, nil)
				if err != nil {
					b.Fatal(err)
				}
				got, err := s.Samples(context.Background(), engine, tt.since, tt.withRepos)
				if err != nil || len(got) != tt.want {
					b.Fatalf("%d samples, %v; want %d", len(got), err, tt.want)
				}
				_ = s.Close()
			}
			reportCPU(b, cpu)
			b.ReportMetric(float64(fi.Size())/1e6, "MB")
		})
	}
	// `bilge history` over a year: the trend from kinds only, the growth
	// from the repositories of the window's two ends.
	b.Run("year-growth", func(b *testing.B) {
		cpu := cpuTime()
		for b.Loop() {
			s, err := Open(benchPath, nil)
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			got, err := s.Samples(ctx, engine, time.Time{}, false)
			if err != nil || len(got) != benchHours {
				b.Fatalf("%d samples, %v", len(got), err)
			}
			for _, i := range []int{0, len(got) - 1} {
				if got[i].Repos, err = s.Repos(ctx, engine, got[i].Time); err != nil || len(got[i].Repos) != benchRepos {
					b.Fatalf("%d repositories, %v", len(got[i].Repos), err)
				}
			}
			if g := model.Growth(got, got[0].Time); len(g.Repos) == 0 {
				b.Fatal("no growth")
			}
			_ = s.Close()
		}
		reportCPU(b, cpu)
	})
	b.Run("engines", func(b *testing.B) {
		s, err := Open(benchPath, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		cpu := cpuTime()
		for b.Loop() {
			if got, err := s.Engines(context.Background()); err != nil || len(got) != benchEngines {
				b.Fatalf("%d engines, %v", len(got), err)
			}
		}
		reportCPU(b, cpu)
	})
}

// reportCPU reports the process's CPU time per iteration since start
// (user and system, GC included): on a busy machine it says more than
// the wall time.
func reportCPU(b *testing.B, start time.Duration) {
	if start >= 0 {
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N)/1e6, "cpu-ms/op")
	}
}

// BenchmarkAddSample is one `bilge record` or UI sample into a history in
// the default retention's steady state (every 10 minutes for 2 days,
// hourly for 60 days, daily for 2 years: ~2,400 samples of the engine),
// retention included.
func BenchmarkAddSample(b *testing.B) {
	ctx := context.Background()
	s, err := Open(filepath.Join(b.TempDir(), "history.db"), nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	now := benchEnd
	var times []time.Time
	for at := now.Add(-2 * 365 * 24 * time.Hour); at.Before(now); at = at.Add(10 * time.Minute) {
		times = append(times, at)
	}
	var smps []model.Sample
	for i, keep := range model.DefaultRetention.Keep(times, now) {
		if keep {
			smp := benchSample(0, 0)
			smp.Time = times[i]
			smps = append(smps, smp)
		}
	}
	if err := s.addSamples(ctx, smps); err != nil {
		b.Fatal(err)
	}
	cpu := cpuTime()
	for b.Loop() {
		now = now.Add(10 * time.Minute)
		s.now = func() time.Time { return now }
		smp := benchSample(0, 0)
		smp.Time = now
		if err := s.AddSample(ctx, smp); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu)
	b.ReportMetric(float64(len(smps)), "samples")
}
