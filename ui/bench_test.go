package ui

import (
	"context"
	"fmt"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// bigState is n images over n/10 repositories, with as many containers
// as images, half of them running.
func bigState(n int) (*model.Snapshot, *model.DiskUsage) {
	s := &model.Snapshot{Engine: model.Engine{Host: "unix:///var/run/docker.sock", Version: "27.0.0", APIVersion: "1.46"}}
	du := &model.DiskUsage{Taken: testNow}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("sha256:%064x", i)
		var tags []string
		if i%9 != 0 {
			tags = []string{fmt.Sprintf("registry.example.com/team%d/app%d:%d", i%37, i%(n/10+1), i)}
		}
		size := int64(1_000_000 + (i*7919)%900_000_000)
		s.Images = append(s.Images, model.Image{ID: id, Tags: tags, Created: testNow.Add(-time.Duration(i) * time.Minute), Size: size, SharedSize: model.Unknown, Labels: map[string]string{"team": fmt.Sprint(i % 37)}})
		du.Images = append(du.Images, model.ImageUsage{ID: id, Size: size, SharedSize: size / 3})
		cid := fmt.Sprintf("%064x", i+1<<40)
		state := "exited"
		if i%2 == 0 {
			state = "running"
		}
		s.Containers = append(s.Containers, model.Container{ID: cid, Name: fmt.Sprintf("ctr-%d", i), ImageID: id, Image: "app", State: state, Created: testNow.Add(-time.Duration(i) * time.Second), SizeRw: model.Unknown, SizeRootFs: model.Unknown})
		du.Containers = append(du.Containers, model.ContainerUsage{ID: cid, SizeRw: int64(i % 5000), SizeRootFs: size})
		du.LayersSize += size / 2
	}
	return s, du
}

func loadedBig(b *testing.B, n int) *App {
	s, du := bigState(n)
	f := newFakeEngine(s, du)
	a := New(context.Background(), f, Options{Now: func() time.Time { return testNow }})
	a.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
	a.listing = true
	a.Update(listsMsg{seq: 1, snap: cloneSnapshot(s)})
	a.dfRunning = true
	a.Update(diskUsageMsg{du: du})
	return a
}

var sizes = []int{100, 10_000, 100_000}

// BenchmarkFrame is one View of the Images tab: it must not grow with the
// number of rows.
func BenchmarkFrame(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("images=%d", n), func(b *testing.B) {
			a := loadedBig(b, n)
			press(a, "2", "down")
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				_ = a.View()
			}
		})
	}
}

// BenchmarkSortFilter is re-sorting and re-filtering the Images tab, what a
// key press on s or a new filter costs.
func BenchmarkSortFilter(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("images=%d", n), func(b *testing.B) {
			a := loadedBig(b, n)
			f, err := model.ParseFilter("is:stopped larger:100MB")
			if err != nil {
				b.Fatal(err)
			}
			t := a.tabs[0]
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				t.sort = t.sort.Toggle(model.SortSize)
				t.filter = f
				t.apply(a.snap, a.index, a.now)
			}
		})
	}
}

// BenchmarkKeyPress is a cursor move through Update and View together.
func BenchmarkKeyPress(b *testing.B) {
	for _, n := range sizes {
		b.Run(fmt.Sprintf("images=%d", n), func(b *testing.B) {
			a := loadedBig(b, n)
			press(a, "2")
			down := keyMsg("down")
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				a.Update(down)
				_ = a.View()
			}
		})
	}
}
