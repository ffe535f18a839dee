package model

import (
	"slices"
	"testing"
	"time"
)

// TestSizeSeriesBuckets: each bucket holds the newest size at or before
// its end, carried forward, Unknown before the first sample; a window of
// centuries does not overflow the bucket arithmetic.
func TestSizeSeriesBuckets(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(h int, size int64) Sample {
		return Sample{Time: t0.Add(time.Duration(h) * time.Hour), Kinds: map[Kind]KindSample{KindImage: {Size: size}}}
	}
	samples := []Sample{at(2, 10), at(3, 20), at(3, 30), at(7, 5)}
	tests := []struct {
		name     string
		from, to time.Time
		n        int
		want     []int64
	}{
		{"hourly", t0, t0.Add(8 * time.Hour), 8, []int64{Unknown, 10, 30, 30, 30, 30, 5, 5}},
		{"coarse", t0, t0.Add(8 * time.Hour), 2, []int64{30, 5}},
		{"none", t0, t0.Add(8 * time.Hour), 0, []int64{}},
		{"290 years", t0.Add(-290 * 365 * 24 * time.Hour), t0.Add(8 * time.Hour), 30, append(slices.Repeat([]int64{Unknown}, 29), 5)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := SizeSeries(samples, KindImage, tc.from, tc.to, tc.n); !slices.Equal(got, tc.want) {
				t.Errorf("SizeSeries = %v, want %v", got, tc.want)
			}
		})
	}
}
