package model

import (
	"math"
	"strings"
	"testing"
	"time"

	units "github.com/docker/go-units"
)

func TestHumanSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0B"},
		{1, "1B"},
		{512, "512B"},
		{999, "999B"},
		{1000, "1kB"},
		{1024, "1.024kB"},
		{1980000, "1.98MB"},
		{36180000000, "36.18GB"},
		{999999, "1000kB"}, // as go-units rounds it
		{123456789, "123.5MB"},
		{1e12, "1TB"},
		{1e15, "1PB"},
		{math.MaxInt64, "9.223EB"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := HumanSize(tt.n); got != tt.want {
				t.Errorf("HumanSize(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}

// TestHumanSizeMatchesDocker checks bilge prints every size as the docker
// CLI does.
func TestHumanSizeMatchesDocker(t *testing.T) {
	t.Parallel()
	n := int64(0)
	for step := int64(1); n < 1e16; step = step*7/5 + 1 {
		for _, m := range []int64{n, n + 1, n - 1, n * 1000, n*1000 - 1} {
			if m < 0 {
				continue
			}
			if got, want := HumanSize(m), units.HumanSize(float64(m)); got != want {
				t.Fatalf("HumanSize(%d) = %q, docker prints %q", m, got, want)
			}
		}
		n += step
	}
}

func TestSizeText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		n    int64
		want string
	}{
		{Unknown, "…"},
		{-42, "…"},
		{0, "0B"},
		{2500, "2.5kB"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			if got := SizeText(tt.n); got != tt.want {
				t.Errorf("SizeText(%d) = %q, want %q", tt.n, got, tt.want)
			}
		})
	}
}

func TestAge(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-time.Hour, "Less than a second"},
		{0, "Less than a second"},
		{999 * time.Millisecond, "Less than a second"},
		{time.Second, "1 second"},
		{45 * time.Second, "45 seconds"},
		{time.Minute, "About a minute"},
		{119 * time.Second, "About a minute"},
		{30 * time.Minute, "30 minutes"},
		{time.Hour, "About an hour"},
		{89 * time.Minute, "About an hour"},
		{90 * time.Minute, "2 hours"},
		{47 * time.Hour, "47 hours"},
		{3 * day, "3 days"},
		{13 * day, "13 days"},
		{14 * day, "2 weeks"},
		{59 * day, "8 weeks"},
		{150 * day, "5 months"},
		{729 * day, "24 months"},
		{730 * day, "2 years"},
		{3650 * day, "10 years"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			t.Parallel()
			got := Age(tt.d)
			if got != tt.want {
				t.Errorf("Age(%v) = %q, want %q", tt.d, got, tt.want)
			}
			if docker := units.HumanDuration(tt.d); got != docker {
				t.Errorf("Age(%v) = %q, docker prints %q", tt.d, got, docker)
			}
		})
	}
}

func TestShortID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id, want string
	}{
		{"sha256:7f9d8c6b5a4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c", "7f9d8c6b5a4e"},
		{"ec44aa0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b", "ec44aa0d1e2f"},
		{"sha256:abc", "abc"},
		{"abc", "abc"},
		{"", ""},
		{"123456789012", "123456789012"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			t.Parallel()
			if got := ShortID(tt.id); got != tt.want {
				t.Errorf("ShortID(%q) = %q, want %q", tt.id, got, tt.want)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"42", 42, false},
		{"0", 0, false},
		{"512B", 512, false},
		{"512b", 512, false},
		{"100k", 100_000, false},
		{"100kB", 100_000, false},
		{"100KB", 100_000, false},
		{"500MB", 500_000_000, false},
		{"500mb", 500_000_000, false},
		{"500M", 500_000_000, false},
		{"1GB", 1_000_000_000, false},
		{"1.5G", 1_500_000_000, false},
		{"0.29kB", 290, false},
		{".5k", 500, false},
		{"1.kB", 1000, false},
		{"2TB", 2_000_000_000_000, false},
		{"2t", 2_000_000_000_000, false},
		{" 1 GB ", 1_000_000_000, false},
		{"1.5", 2, false}, // fractions of a byte round
		{"", 0, true},
		{"GB", 0, true},
		{"12XB", 0, true},
		{"12KiB", 0, true},
		{"12PB", 0, true},
		{"-1GB", 0, true},
		{"1..5GB", 0, true},
		{"1.5.5", 0, true},
		{"1e3", 0, true},
		{"NaN", 0, true},
		{"Inf", 0, true},
		{"1GBB", 0, true},
		{"99999999TB", 0, true}, // beyond int64
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSize(tt.in)
			if tt.wantErr {
				want := `invalid size "` + tt.in + `": use a number with B, kB, MB, GB or TB`
				if err == nil || err.Error() != want {
					t.Fatalf("ParseSize(%q) = %d, %v; want error %q", tt.in, got, err, want)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseAge(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"30d", 30 * day, false},
		{"12h", 12 * time.Hour, false},
		{"90m", 90 * time.Minute, false},
		{"45s", 45 * time.Second, false},
		{"2w", 14 * day, false},
		{"1y", 365 * day, false},
		{"1h30m", 90 * time.Minute, false},
		{"1d12h", 36 * time.Hour, false},
		{"1h30m45s", time.Hour + 30*time.Minute + 45*time.Second, false},
		{"1.5h", 90 * time.Minute, false},
		{"30D", 30 * day, false},
		{"0s", 0, false},
		{"", 0, true},
		{"30", 0, true},
		{"d", 0, true},
		{"30x", 0, true},
		{"-1d", 0, true},
		{"1h30", 0, true},
		{"1ms", 0, true},
		{"1 d", 0, true},
		{"1000000y", 0, true}, // beyond time.Duration
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseAge(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseAge(%q) = %v, want an error", tt.in, got)
				}
				if !strings.Contains(err.Error(), `"`+tt.in+`"`) || !strings.Contains(err.Error(), "s, m, h, d, w or y") {
					t.Fatalf("ParseAge(%q) error %q does not name the input and the units", tt.in, err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseAge(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}
