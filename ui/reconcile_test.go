package ui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// Issue 12, friction 4: every figure that can differ from another on the
// same screen says why, in place.

// heldRecord is the sample's Shared build-cache record, made the size of
// node:20's own 100MB layer: BuildKit's cache holds that layer, so
// deleting node:20 moves 100MB from Images to Build Cache instead of
// freeing it.
const heldRecord = "q1w2e3r4t5y6u7i8"

func newHeld(t *testing.T, w, h int) (*App, *fakeEngine) {
	t.Helper()
	return newLoadedWith(t, w, h, func(_ *model.Snapshot, du *model.DiskUsage) {
		for i := range du.BuildCache {
			if du.BuildCache[i].ID == heldRecord {
				du.BuildCache[i].Size = 100_000_000
			}
		}
	})
}

// markHeld marks node:20 (100MB of its own, held by the record) and the
// dangling image (310MB): 410MB leave Images, 100MB of them stay in Build
// Cache, the disk gains 310MB.
func markHeld(t *testing.T, a *App) {
	t.Helper()
	a.setMark(model.KindImage, hexID("sha256:", 2), true)
	a.setMark(model.KindImage, hexID("sha256:", 4), true)
	a.reclaim = a.tally.Result()
	if r := a.reclaim; r.Images != 410_000_000 || r.HeldByBuildCache != 100_000_000 || r.Total != 310_000_000 {
		t.Fatalf("the held sample frees %+v, want images 410MB, 100MB held, 310MB in all", r)
	}
}

// deletedHeld is the engine once markHeld's images are gone: 410MB less
// in layers, and the record holding node:20's layer no longer shared (the
// layer is the record's alone now).
func deletedHeld(s *model.Snapshot, du *model.DiskUsage) {
	gone := func(id string) bool { return id == hexID("sha256:", 2) || id == hexID("sha256:", 4) }
	s.Images = slices.DeleteFunc(s.Images, func(img model.Image) bool { return gone(img.ID) })
	du.Images = slices.DeleteFunc(slices.Clone(du.Images), func(u model.ImageUsage) bool { return gone(u.ID) })
	du.LayersSize -= 410_000_000
	du.BuildCache = slices.Clone(du.BuildCache)
	for i := range du.BuildCache {
		if du.BuildCache[i].ID == heldRecord {
			du.BuildCache[i].Shared = false
		}
	}
}

// screenLine is the screen's line containing s, or fails.
func screenLine(t *testing.T, out, s string) string {
	t.Helper()
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	t.Fatalf("no line with %q:\n%s", s, out)
	return ""
}

// TestOverviewMarksWhatStaysInBuildCache: the Images RECLAIMABLE that
// image prune -a frees from images carries bilge df's *, and the footnote
// says how much of it stays in build cache.
func TestOverviewMarksWhatStaysInBuildCache(t *testing.T) {
	t.Parallel()
	for _, w := range []int{80, 120} {
		a, _ := newHeld(t, w, 30)
		press(a, "1")
		out := screen(a)
		if l := screenLine(t, out, "▸ Images "); !strings.Contains(l, "410MB* (13%)") {
			t.Errorf("%d columns: Images row %q lacks 410MB* (13%%)", w, l)
		}
		if l := screenLine(t, out, "* of which"); !strings.Contains(l, "* of which 100MB stays in build cache until it is pruned too") {
			t.Errorf("%d columns: footnote %q", w, l)
		}
		if l := screenLine(t, out, "Build Cache "); strings.Contains(l, "*") {
			t.Errorf("%d columns: Build Cache row has a *: %q", w, l)
		}
	}
	// Without layers BuildKit's cache holds, no * and no footnote.
	a, _ := newLoaded(t, 120, 30)
	press(a, "1")
	if out := screen(a); strings.Contains(out, "*") {
		t.Errorf("a * without held layers:\n%s", out)
	}
}

// TestMarkedKindsAddUpToTheTotal: the marked summary's per-kind lines add
// up to its total; the image layers that move to build cache are said on
// the Images line, not counted in its figure.
func TestMarkedKindsAddUpToTheTotal(t *testing.T) {
	t.Parallel()
	for _, w := range []int{80, 120} {
		a, _ := newHeld(t, w, 30)
		markHeld(t, a)
		a.setMark(model.KindContainer, hexID("", 104), true) // cache, exited: 12kB
		a.reclaim = a.tally.Result()
		press(a, "1")
		out := screen(a)
		head := screenLine(t, out, "● Marked: 3")
		if !strings.Contains(head, "frees 310MB (+100MB once build cache is pruned)") {
			t.Errorf("%d columns: total %q", w, head)
		}
		if l := screenLine(t, out, "    Images "); !strings.Contains(l, "frees 310MB (+100MB once build cache is pruned)") {
			t.Errorf("%d columns: Images line %q, want 310MB with the 100MB that moves said", w, l)
		}
		if l := screenLine(t, out, "    Containers "); !strings.Contains(l, "frees 12kB") {
			t.Errorf("%d columns: Containers line %q", w, l)
		}
		if marked := out[strings.Index(out, "● Marked"):]; strings.Contains(marked, "410MB") {
			t.Errorf("%d columns: 410MB (images with what stays in build cache) in the summary:\n%s", w, marked)
		}
	}
}

// TestResultsSayWhatMovedToBuildCache: after deleting images whose layers
// BuildKit's cache holds, the Images and Build Cache rows say in place
// that bytes moved from one to the other (a * at 80 columns), and the
// footnote says how much.
func TestResultsSayWhatMovedToBuildCache(t *testing.T) {
	t.Parallel()
	for _, w := range []int{80, 120} {
		a, f := newHeld(t, w, 30)
		markHeld(t, a)
		f.afterDelete = deletedHeld
		press(a, "d")
		_, cmd := a.Update(keyMsg("y"))
		runAll(cmd, a)
		if a.lastRun == nil || a.lastRun.deleted != 2 {
			t.Fatalf("%d columns: run did not finish: %+v", w, a.lastRun)
		}
		out := screen(a)
		img, bc := screenLine(t, out, "2.939GB  →"), screenLine(t, out, "640MB  →")
		for _, want := range []string{"2.939GB", "2.529GB", "410MB"} {
			if !strings.Contains(img, want) {
				t.Errorf("%d columns: Images row %q lacks %s", w, img, want)
			}
		}
		for _, want := range []string{"640MB", "740MB", "-100MB"} {
			if !strings.Contains(bc, want) {
				t.Errorf("%d columns: Build Cache row %q lacks %s", w, bc, want)
			}
		}
		imgNote, bcNote := "of which 100MB moved to build cache*", "took 100MB of image layers*"
		if w == 80 {
			imgNote, bcNote = "*", "*" // no room: the footnote says it
		}
		if !strings.HasSuffix(strings.TrimRight(img, " "), imgNote) || !strings.HasSuffix(strings.TrimRight(bc, " "), bcNote) {
			t.Errorf("%d columns: rows do not say what moved:\n%s\n%s", w, img, bc)
		}
		if l := screenLine(t, out, "  * "); !strings.Contains(l, "* 100MB of image layers moved to build cache: freed once it is pruned") {
			t.Errorf("%d columns: footnote %q", w, l)
		}
		if l := screenLine(t, out, "  Total  "); !strings.Contains(l, "310MB") {
			t.Errorf("%d columns: Total row %q lacks 310MB", w, l)
		}
	}
}

// TestEverythingUnusedExplainsTheOverviewTotal: preset 0 frees more than
// the Overview's total (each kind's own prune); the presets say why, in
// parts that add up.
func TestEverythingUnusedExplainsTheOverviewTotal(t *testing.T) {
	t.Parallel()
	// Overview: images 410MB + containers 1.512MB + volumes 730MB + build
	// cache 640MB. Preset 0 removes the 3 stopped containers first, so
	// their images (api's 1GB base and 180MB, golang 880MB, redis 37MB)
	// and api's anonymous volume (15MB) go too; old-data, named, stays.
	want := "0's 3.164GB = the Overview's total 1.782GB + 2.097GB images and 15MB anonymous volumes of the 3 stopped containers it removes − 730MB named volumes it keeps"
	a, _ := newLoaded(t, 200, 40)
	press(a, "1")
	if l := screenLine(t, screen(a), "Total "); !strings.Contains(l, "1.782GB reclaimable") {
		t.Fatalf("Overview total %q", l)
	}
	press(a, "p")
	out := screen(a)
	if l := screenLine(t, out, "everything unused"); !strings.Contains(l, "3.164GB") {
		t.Errorf("preset 0 row %q lacks 3.164GB", l)
	}
	if l := screenLine(t, out, "0's "); strings.TrimSpace(l) != want {
		t.Errorf("preset 0 note:\n got %q\nwant %q", strings.TrimSpace(l), want)
	}
	// At 80 columns it wraps, whole.
	a.Update(tea.WindowSizeMsg{Width: 80, Height: 30})
	joined := strings.Join(strings.Fields(screen(a)), " ")
	if !strings.Contains(joined, want) {
		t.Errorf("at 80 columns the note is not whole:\n%s", screen(a))
	}
	// Where preset 0 frees what the Overview says, no note.
	b, _ := newLoadedWith(t, 120, 30, func(s *model.Snapshot, du *model.DiskUsage) {
		var ctrs []model.Container
		var cu []model.ContainerUsage
		for i, c := range s.Containers {
			if c.State == "running" {
				ctrs, cu = append(ctrs, c), append(cu, du.Containers[i])
			}
		}
		s.Containers, du.Containers = ctrs, cu
		du.Volumes = du.Volumes[:1]
		s.Volumes = s.Volumes[:1]
	})
	press(b, "p")
	if out := screen(b); strings.Contains(out, "0's ") {
		t.Errorf("a note where nothing differs:\n%s", out)
	}
}

// TestExitReportSaysWhatMovedToBuildCache: quitting a clean-up, the report
// gives what was freed as the marked total did: what stays in build cache
// beside it, not in it.
func TestExitReportSaysWhatMovedToBuildCache(t *testing.T) {
	t.Parallel()
	node, dangling := hexID("sha256:", 2), hexID("sha256:", 4)
	a, f := newHeld(t, 120, 30)
	g := &gatedEngine{fakeEngine: f}
	a.eng = g
	markHeld(t, a)
	press(a, "d")
	_, cmd := a.Update(keyMsg("y"))
	untilDeleting(t, cmd, a)
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, node), Status: model.Deleted}})
	press(a, "q", "y")
	a.Update(outcomeMsg{ok: true, o: model.Outcome{Item: planItem(t, g, dangling), Status: model.Skipped, Err: "cancelled"}})
	if _, cmd := a.Update(outcomeMsg{ok: false}); !isQuit(cmd) {
		t.Fatal("did not quit when the run ended")
	}
	if rep, want := a.ExitReport(), "1 deleted (freed 0B; +100MB once build cache is pruned), 0 failed"; !strings.Contains(rep, want) {
		t.Errorf("exit report lacks %q:\n%s", want, rep)
	}
}

// TestReconcileGolden pins the four screens where figures meet, with
// image layers held by build cache, at 80×24 and 120×40: the Overview, the
// marked summary, the presets and the results of a clean-up.
func TestReconcileGolden(t *testing.T) {
	screens := []struct {
		name string
		do   func(t *testing.T, a *App, f *fakeEngine)
	}{
		{"overview", func(t *testing.T, a *App, f *fakeEngine) { press(a, "1") }},
		{"marked", func(t *testing.T, a *App, f *fakeEngine) { markHeld(t, a); press(a, "1") }},
		{"presets", func(t *testing.T, a *App, f *fakeEngine) { press(a, "1", "p") }},
		{"results", func(t *testing.T, a *App, f *fakeEngine) {
			markHeld(t, a)
			f.afterDelete = deletedHeld
			press(a, "d")
			_, cmd := a.Update(keyMsg("y"))
			runAll(cmd, a)
			a.listing = true // the lists the deletions' events bring
			a.Update(listsMsg{seq: 99, snap: cloneSnapshot(f.snap)})
		}},
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			for _, sc := range screens {
				t.Run(sc.name, func(t *testing.T) {
					a, f := newHeld(t, size[0], size[1])
					sc.do(t, a, f)
					golden(t, screen(a))
				})
			}
		})
	}
}

// TestMarkedSaysWhyAboveReclaimable: marks of a kind free more than its
// RECLAIMABLE on the same screen only because of marked containers (their
// images, their volumes) or running ones; the line says which.
func TestMarkedSaysWhyAboveReclaimable(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 160, 30)
	// Everything unused: the 3 stopped containers, then their images and
	// anonymous volume; and db, running.
	press(a, "p", "0")
	a.setMark(model.KindContainer, hexID("", 101), true)
	a.reclaim = a.tally.Result()
	press(a, "1")
	out := screen(a)
	for _, c := range []struct{ row, want string }{
		{"    Images ", "frees 2.507GB (more than RECLAIMABLE: the marked containers' images go too)"},
		{"    Containers ", "frees 64.51MB (more than RECLAIMABLE: running containers marked)"},
		{"    Local Volumes ", "frees 15MB"},
		{"    Build Cache ", "frees 640MB"},
	} {
		if l := strings.TrimRight(screenLine(t, out, c.row), " "); !strings.HasSuffix(l, c.want) {
			t.Errorf("%q, want it to end %q", l, c.want)
		}
	}
	// At 80 columns, the short form.
	a.Update(tea.WindowSizeMsg{Width: 80, Height: 30})
	out = screen(a)
	for _, c := range []struct{ row, want string }{
		{"    Images ", "frees 2.507GB (incl. marked containers' images)"},
		{"    Containers ", "frees 64.51MB (incl. running containers)"},
	} {
		if l := strings.TrimRight(screenLine(t, out, c.row), " "); !strings.HasSuffix(l, c.want) {
			t.Errorf("80 columns: %q, want it to end %q", l, c.want)
		}
	}
	// Marks within each kind's own prune: no note.
	b, _ := newLoaded(t, 160, 30)
	press(b, "p", "2", "p", "4", "1")
	if out := screen(b); !strings.Contains(out, "● Marked: 5") || strings.Contains(out, "more than RECLAIMABLE") {
		t.Errorf("a note on marks within RECLAIMABLE:\n%s", out)
	}
}

// TestImagesTabSaysWhatTheStarMeans: a FREES figure on the Images tab that
// ends in * (more leaves once the build cache is pruned) is explained on
// the same screen, in the status line, where it fits whole; nothing is
// said when no figure shown has a *.
func TestImagesTabSaysWhatTheStarMeans(t *testing.T) {
	t.Parallel()
	const note = "* more once build cache is pruned"
	for _, w := range []int{80, 120} {
		a, _ := newHeld(t, w, 30)
		press(a, "2")
		out := screen(a)
		if !strings.Contains(out, "B*") {
			t.Fatalf("%d columns: no FREES figure with a *:\n%s", w, out)
		}
		if !strings.Contains(out, note) {
			t.Errorf("%d columns: the * is not explained:\n%s", w, out)
		}
	}
	a, _ := newLoaded(t, 120, 30)
	press(a, "2")
	if out := screen(a); strings.Contains(out, note) {
		t.Errorf("the note without a * on screen:\n%s", out)
	}
}

// TestGroupedImagesSayWhatTheStarMeans: the grouped view (R) explains a
// FREES * the same way, reading its own rows.
func TestGroupedImagesSayWhatTheStarMeans(t *testing.T) {
	t.Parallel()
	a, _ := newHeld(t, 120, 30)
	press(a, "2", "R")
	out := screen(a)
	if !strings.Contains(out, "B*") || !strings.Contains(out, "* more once build cache is pruned") {
		t.Errorf("grouped view: the * is not explained:\n%s", out)
	}
}
