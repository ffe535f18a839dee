package ui

import (
	"fmt"
	"testing"
	"time"

	"bilge/model"
)

// yearOfSamples is a year of hourly samples (n of them), oldest first,
// ending at now: the benchmark load is 5 engines × a year of hourly
// samples, ~44k rows, all handed to one UI here (the worst case).
func yearOfSamples(now time.Time, n int) []model.Sample {
	out := make([]model.Sample, n)
	for i := range out {
		t := now.Add(-time.Duration(n-1-i) * time.Hour)
		kinds := make(map[model.Kind]model.KindSample, model.NumKinds)
		for j, k := range model.SizedKinds {
			size := int64(1_000_000_000*(j+1)) + int64(i%500)*3_000_000 + int64(i)*10_000
			kinds[k] = model.KindSample{Total: 10 + i%7, Active: 3, Size: size, Reclaimable: size / 3, Exact: size / 4}
		}
		out[i] = model.Sample{Time: t, Kinds: kinds}
	}
	return out
}

// BenchmarkFrameOverviewHistory is one frame of the Overview with its
// sparklines over ~44k loaded samples (target ≤ 5 ms; the sparklines are
// computed in Update, so a frame only draws them).
func BenchmarkFrameOverviewHistory(b *testing.B) {
	for _, n := range []int{0, 44_000} {
		b.Run(fmt.Sprintf("samples=%d", n), func(b *testing.B) {
			a := loadedBig(b, 100)
			a.opts.History = &fakeHistory{}
			a.keys = NewKeyMap(false)
			a.onHistorySamples(historySamplesMsg{samples: yearOfSamples(testNow, n)})
			press(a, "1")
			if n > 0 && a.hist.trend[model.KindImage].spark == "" {
				b.Fatal("no sparkline")
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = a.View()
			}
		})
	}
}

// BenchmarkTrendRecompute is what a new sample or a resize costs in
// Update: every sized kind's sparkline and change over ~44k samples.
func BenchmarkTrendRecompute(b *testing.B) {
	samples := yearOfSamples(testNow, 44_000)
	b.ReportAllocs()
	for b.Loop() {
		_ = trendOf(samples, testNow, 30)
	}
}
