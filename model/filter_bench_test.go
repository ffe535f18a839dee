package model

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// pastedQuery is n characters of `docker images` output on one line, the
// kind of text a user pastes into the filter by mistake: many terms, some
// of which match rows of scaleSnapshot.
func pastedQuery(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		fmt.Fprintf(&b, "registry.example.com/team%d/svc-%d   v%d   %012x   %d days ago   %dMB ", i%37, i%300, i, i*7919, i%30, i%900)
	}
	return b.String()[:n]
}

// BenchmarkFilterPasted is the model's share of a 10,000-character paste
// into the filter over the images of a 10k-object host: "whole" parses
// the query once and filters with it; "typed" does so for every prefix,
// as the UI does when the paste arrives one key at a time.
func BenchmarkFilterPasted(b *testing.B) {
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	s := scaleSnap(10_000)
	q := pastedQuery(10_000)
	b.Run("whole", func(b *testing.B) {
		for b.Loop() {
			if f, err := ParseFilter(q); err == nil {
				FilterImages(s.Images, f, now)
			}
		}
	})
	b.Run("typed", func(b *testing.B) {
		for b.Loop() {
			for i := 1; i <= len(q); i++ {
				if f, err := ParseFilter(q[:i]); err == nil {
					FilterImages(s.Images, f, now)
				}
			}
		}
	})
}
