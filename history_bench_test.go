package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"bilge/internal/history"
	"bilge/model"
)

// BenchmarkHistoryCommand is bilge history (text and --json, 30 days and
// a year) on a database holding a year of hourly samples of 5 engines
// (43,800 samples, 20 repositories each), the figure: ≤ 100 ms.
// The database is filled with one bulk write (Store.AddSamples) per engine.
func BenchmarkHistoryCommand(b *testing.B) {
	state := b.TempDir()
	b.Setenv("XDG_STATE_HOME", state)
	b.Setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
	path := filepath.Join(state, "bilge", "history.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		b.Fatal(err)
	}
	fillYear(b, path)
	fi, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("database of 43,800 samples: %.1f MB", float64(fi.Size())/1e6)
	ctx := context.Background()
	for _, args := range [][]string{
		{"history", "--engine", "host-2"},
		{"history", "--engine", "host-2", "--json"},
		{"history", "--engine", "host-2", "--since", "1y"},
	} {
		b.Run(fmt.Sprint(args[1:]), func(b *testing.B) {
			for b.Loop() {
				if code := run(ctx, args, io.Discard, io.Discard); code != 0 {
					b.Fatalf("%v: exit %d", args, code)
				}
			}
		})
	}
}

// fillYear writes a year of hourly samples of 5 engines into a new
// database at path (its WAL checkpointed into it on close).
func fillYear(b *testing.B, path string) {
	ctx := context.Background()
	st, err := history.Open(path, func(string) {})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if err := st.SetRetention(ctx, model.Retention{All: 0, Hourly: 2 * 365 * 24 * time.Hour, Daily: 2 * 365 * 24 * time.Hour}); err != nil {
		b.Fatal(err)
	}
	now := time.Now().Truncate(time.Hour)
	start := time.Now()
	for e := range 5 {
		eng := model.EngineRef{ID: fmt.Sprintf("ENGINE:%d", e), Name: fmt.Sprintf("host-%d", e)}
		var batch []model.Sample
		for h := 365 * 24; h > 0; h-- {
			repos := make([]model.RepoSample, 20)
			for r := range repos {
				repos[r] = model.RepoSample{Repo: fmt.Sprintf("team/app-%d", r), Tags: 1 + (h/100+r)%7, Size: int64(1e8 + r*1e7 + (8760-h)*1e4)}
			}
			smp := synthSample(eng, now.Add(-time.Duration(h)*time.Hour), int64(5e9+(8760-h)*1e6), repos...)
			batch = append(batch, smp)
		}
		if err := st.AddSamples(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("filled 43,800 samples in %s", time.Since(start).Round(time.Second))
}
