package ui

import (
	"fmt"
	"testing"

	"bilge/model"
)

// Benchmarks of the Images tab grouped by repository at 1k, 10k and 100k
// objects (300, 3,000 and 30,000 images in up to 11,100 repositories):
// `go test -run XXX -bench Repos -benchtime 3x ./ui/`.

// loadedRepos is loadedScale(n) on the grouped Images tab.
func loadedRepos(b *testing.B, n int) *App {
	a := loadedScale(n)
	press(a, "2", "R")
	if !a.grouped || len(a.repoView().groups) == 0 {
		b.Fatal("the Images tab is not grouped")
	}
	return a
}

// BenchmarkReposFrame is one View of the grouped view with the first
// repository open.
func BenchmarkReposFrame(b *testing.B) {
	for _, n := range scaleObjects {
		a := loadedRepos(b, n)
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			press(a, "home", "enter", "down")
			b.ReportAllocs()
			for b.Loop() {
				_ = a.View()
			}
		})
	}
}

// BenchmarkReposRegroup is what a new snapshot costs the grouped view in
// Update: the repositories, their sizes and every repository's exact
// FREES, then the sort.
func BenchmarkReposRegroup(b *testing.B) {
	for _, n := range scaleObjects {
		a := loadedRepos(b, n)
		b.Run(fmt.Sprintf("objects=%d/repos=%d", n, len(a.repoView().groups)), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a.repoView().ix = nil // as after reindex
				a.repoTab.apply(a.snap, a.index, a.now)
			}
		})
	}
}

// BenchmarkReposSort is pressing s, n or a in the grouped view: the
// figures stay, the order changes.
func BenchmarkReposSort(b *testing.B) {
	keys := []model.SortKey{model.SortSize, model.SortName, model.SortAge}
	for _, n := range scaleObjects {
		a := loadedRepos(b, n)
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			t := a.repoTab
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				t.sort = t.sort.Toggle(keys[i%len(keys)])
				t.apply(a.snap, a.index, a.now)
				i++
			}
		})
	}
}
