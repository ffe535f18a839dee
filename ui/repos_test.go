package ui

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"bilge/model"
)

// reposState is the sample state with golang's image also tagged node:18:
// node then holds two images (one of them used by a container) and the
// image shows under both repositories.
func reposState(s *model.Snapshot, _ *model.DiskUsage) {
	for i := range s.Images {
		if s.Images[i].ID == hexID("sha256:", 6) {
			s.Images[i].Tags = []string{"golang:1.26", "node:18"}
		}
	}
}

func newRepos(t *testing.T, w, h int) *App {
	t.Helper()
	a, _ := newLoadedWith(t, w, h, reposState)
	press(a, "R")
	if !a.grouped {
		t.Fatal("R did not group the Images tab")
	}
	return a
}

// cursorToRepo puts the cursor on the repository named repo.
func cursorToRepo(t *testing.T, a *App, repo string) {
	t.Helper()
	press(a, "home")
	for range a.tab().rows {
		if a.tab().selected == repoKeyPrefix+repo {
			return
		}
		press(a, "down")
	}
	t.Fatalf("no repository %s in %v", repo, names(a))
}

func TestReposToggle(t *testing.T) {
	a := newRepos(t, 120, 40)
	// Largest first, as the flat view opens; <none> is the untagged image.
	want := []string{"+ node", "+ myapp/api", "+ golang", "+ postgres", "+ <none>", "+ redis"}
	if got := names(a); !reflect.DeepEqual(got, want) {
		t.Fatalf("grouped rows %q, want %q", got, want)
	}
	if !strings.Contains(screen(a), "6 repositories") {
		t.Errorf("R does not say how many repositories:\n%s", screen(a))
	}
	press(a, "esc") // clears the flash
	scr := screen(a)
	for _, s := range []string{"REPOSITORY", "TAGS", "IMAGES", "FREES", "LAST CREATED", "6 of 6 repositories", "R flat"} {
		if !strings.Contains(scr, s) {
			t.Errorf("grouped screen lacks %q:\n%s", s, scr)
		}
	}
	press(a, "R")
	if a.grouped || len(a.tab().rows) != 6 || !strings.Contains(names(a)[0], "myapp/api") {
		t.Fatalf("R again: grouped=%v rows %q", a.grouped, names(a))
	}
	press(a, "esc")
	if !strings.Contains(screen(a), "R by repo") {
		t.Errorf("the flat Images footer does not offer R:\n%s", screen(a))
	}
	press(a, "3")
	if strings.Contains(screen(a), "by repo") {
		t.Error("the Containers footer offers R, which does nothing there")
	}
}

func TestReposSort(t *testing.T) {
	a := newRepos(t, 120, 40)
	press(a, "n")
	want := []string{"+ <none>", "+ golang", "+ myapp/api", "+ node", "+ postgres", "+ redis"}
	if got := names(a); !reflect.DeepEqual(got, want) {
		t.Fatalf("by name %q, want %q", got, want)
	}
	press(a, "r")
	slices.Reverse(want)
	if got := names(a); !reflect.DeepEqual(got, want) {
		t.Fatalf("reversed %q, want %q", got, want)
	}
	press(a, "a") // the repository whose newest image is oldest first
	if got := names(a); got[0] != "+ redis" || got[len(got)-1] != "+ node" {
		t.Fatalf("by age %q", got)
	}
	press(a, ">") // age → name (wraps)
	if a.tab().sort.Key != model.SortName {
		t.Fatalf("> from LAST CREATED sorts by %v", a.tab().sort.Key)
	}
	press(a, "<") // name ← age (wraps back)
	if a.tab().sort.Key != model.SortAge {
		t.Fatalf("< sorts by %v", a.tab().sort.Key)
	}
	// By FREES: largest first, each figure the exact reclaim of the whole
	// repository.
	for a.tab().sort.Key != model.SortFrees {
		press(a, "<")
	}
	v := a.repoView()
	for n := 1; n < len(v.order); n++ {
		if v.groups[v.order[n-1]].frees.Total < v.groups[v.order[n]].frees.Total {
			t.Fatalf("by FREES out of order at %d: %q", n, names(a))
		}
	}
}

func TestReposExpandCollapse(t *testing.T) {
	a := newRepos(t, 160, 45) // details beside the table
	cursorToRepo(t, a, "node")
	press(a, "enter")
	got := names(a)
	if len(got) != 8 || got[0] != "- node" || !strings.HasPrefix(got[1], "    :") || !strings.HasPrefix(got[2], "    :") {
		t.Fatalf("node opened: %q", got)
	}
	if a.tab().selected != repoKeyPrefix+"node" {
		t.Fatalf("the cursor left the repository it opened: %q", a.tab().selected)
	}
	press(a, "down") // onto its first image
	if id := a.tab().selected; id != hexID("sha256:", 2) {
		t.Fatalf("first image of node %s", id)
	}
	press(a, "enter") // an image row: details, as in the flat view
	if !a.showDetails || !strings.Contains(a.detail[0], "Image "+model.ShortID(hexID("sha256:", 2))) {
		t.Fatalf("enter on an image did not show its details: %q", a.detail)
	}
	press(a, "up") // the repository's own details
	if d := ansi.Strip(strings.Join(a.detail, "\n")); !strings.Contains(d, "Repository node") || !strings.Contains(d, "1 image is also tagged in another repository") ||
		!strings.Contains(d, "is used by 1 container") {
		t.Fatalf("node's details:\n%s", d)
	}
	press(a, "down", "esc", "left") // closes node from its image, back on node
	if got := names(a); len(got) != 6 || a.tab().selected != repoKeyPrefix+"node" {
		t.Fatalf("left from an image: rows %q, cursor %q", got, a.tab().selected)
	}
	press(a, "right")
	if len(a.tab().rows) != 8 {
		t.Fatalf("right did not open node: %q", names(a))
	}
	press(a, "enter")
	if len(a.tab().rows) != 6 {
		t.Fatalf("enter did not close node: %q", names(a))
	}
}

// TestReposMarkEqualsCompute: space on a repository marks exactly its
// images, and the repository's FREES is the exact reclaim of those marks
// (the status line's figure); space again unmarks them.
func TestReposMarkEqualsCompute(t *testing.T) {
	for _, repo := range []string{"node", "golang", "myapp/api", "postgres", "<none>", "redis"} {
		t.Run(strings.ReplaceAll(repo, "/", "_"), func(t *testing.T) {
			a := newRepos(t, 120, 40)
			cursorToRepo(t, a, repo)
			g := a.repoView().group(a.tab().current())
			press(a, "space")
			got := a.marks.IDs(model.KindImage)
			want := slices.Clone(g.ids)
			slices.Sort(got)
			slices.Sort(want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("marks %v, want the repository's images %v", got, want)
			}
			exact := a.index.Compute(a.marks)
			if exact.Total != g.frees.Total || exact.HeldByBuildCache != g.frees.HeldByBuildCache || a.reclaim.Total != exact.Total {
				t.Fatalf("FREES %d (held %d), status %d, Compute %d (held %d)", g.frees.Total, g.frees.HeldByBuildCache, a.reclaim.Total, exact.Total, exact.HeldByBuildCache)
			}
			if !strings.Contains(a.flash, fmt.Sprintf("marked %d ", len(g.ids))) {
				t.Errorf("flash %q does not say how many", a.flash)
			}
			cursorToRepo(t, a, repo)
			press(a, "space")
			if n := a.marks.Len(); n != 0 {
				t.Fatalf("space again left %d marks", n)
			}
		})
	}
	// node: the golang image is also in golang, and a container uses it:
	// FREES counts node's other image only, and the note says so.
	a := newRepos(t, 120, 40)
	cursorToRepo(t, a, "node")
	g := a.repoView().group(a.tab().current())
	if g.also != 1 || len(g.ids) != 2 || g.tags != 4 {
		t.Fatalf("node: %d images, %d tags, %d also elsewhere", len(g.ids), g.tags, g.also)
	}
	alone, _ := a.index.FreesAlone(hexID("sha256:", 2))
	if g.frees.Total != alone {
		t.Fatalf("node frees %d, want its unused image's %d (golang's is in use)", g.frees.Total, alone)
	}
	press(a, "space")
	if !strings.Contains(a.flash, "1 also tagged elsewhere") {
		t.Errorf("flash %q does not warn about the other repository's tags", a.flash)
	}
}

func TestReposFilter(t *testing.T) {
	a := newRepos(t, 120, 40)
	press(a, "/")
	typeText(a, "node:18")
	if !strings.Contains(screen(a), "2 of 6 repositories") {
		t.Errorf("the filter line does not count repositories:\n%s", screen(a))
	}
	press(a, "enter")
	// The golang image matches by its node:18 tag: both its repositories show.
	if got := names(a); !reflect.DeepEqual(got, []string{"+ node", "+ golang"}) {
		t.Fatalf("filtered %q", got)
	}
	if !strings.Contains(screen(a), "2 of 6 repositories") {
		t.Errorf("status does not count repositories:\n%s", screen(a))
	}
	press(a, "*") // what the filter matches: the one image
	if got := a.marks.IDs(model.KindImage); !reflect.DeepEqual(got, []string{hexID("sha256:", 6)}) {
		t.Fatalf("* marked %v", got)
	}
	press(a, "R") // the filter goes along
	if a.grouped || a.tab().filter.String() != "node:18" || len(a.tab().rows) != 1 {
		t.Fatalf("flat after R: filter %q rows %q", a.tab().filter.String(), names(a))
	}
}

func TestReposGolden(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			a := newRepos(t, size[0], size[1])
			cursorToRepo(t, a, "node")
			press(a, "enter", "space")
			golden(t, ansi.Strip(a.View().Content))
		})
	}
}

// TestReposDeleteUnmarked: d with nothing marked on a repository row asks
// about all its images (never about the row's own key).
func TestReposDeleteUnmarked(t *testing.T) {
	a := newRepos(t, 120, 40)
	cursorToRepo(t, a, "node")
	press(a, "d")
	if a.dialog == nil {
		t.Fatal("d opened no confirmation")
	}
	got := a.dialog.marks.IDs(model.KindImage)
	want := []string{hexID("sha256:", 2), hexID("sha256:", 6)}
	slices.Sort(got)
	if !reflect.DeepEqual(got, want) || a.dialog.marks.Len() != 2 {
		t.Fatalf("the dialog asks about %v, want node's images %v", got, want)
	}
}
