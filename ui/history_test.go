package ui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"bilge/model"
)

// fakeHistory keeps samples and clean-ups in memory, as the store would
// for one engine.
type fakeHistory struct {
	mu       sync.Mutex
	samples  []model.Sample
	cleanups []model.Cleanup
	// readErr fails every read; addErr every write.
	readErr, addErr error
	// forced are the samples AddSample took (not rate-limited); ifDue
	// counts the calls of AddSampleIfDue.
	forced []model.Sample
	ifDue  int
}

func (f *fakeHistory) Samples(ctx context.Context, since time.Time, withRepos bool) ([]model.Sample, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readErr != nil {
		return nil, f.readErr
	}
	var out []model.Sample
	for _, s := range f.samples {
		if !s.Time.Before(since) {
			if !withRepos {
				s.Repos = nil
			}
			out = append(out, s)
		}
	}
	return out, nil
}

func (f *fakeHistory) Cleanups(ctx context.Context, since time.Time) ([]model.Cleanup, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.readErr != nil {
		return nil, f.readErr
	}
	var out []model.Cleanup
	for _, c := range f.cleanups {
		if !c.Time.Before(since) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (f *fakeHistory) AddSampleIfDue(ctx context.Context, smp model.Sample, every time.Duration) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ifDue++
	if f.addErr != nil {
		return false, f.addErr
	}
	if n := len(f.samples); n > 0 && smp.Time.Sub(f.samples[n-1].Time) < every {
		return false, nil
	}
	f.samples = append(f.samples, smp)
	return true, nil
}

func (f *fakeHistory) AddSample(ctx context.Context, smp model.Sample) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.addErr != nil {
		return f.addErr
	}
	f.samples = append(f.samples, smp)
	f.forced = append(f.forced, smp)
	return nil
}

func (f *fakeHistory) AddCleanup(ctx context.Context, c model.Cleanup) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.addErr != nil {
		return f.addErr
	}
	f.cleanups = append(f.cleanups, c)
	return nil
}

func (f *fakeHistory) counts() (samples, forced, cleanups int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.samples), len(f.forced), len(f.cleanups)
}

// synthHistory is 40 days of samples ending at the sample state's
// figures (hourly for the last 14 days, every 6 hours before), with a
// clean-up 10 days ago, a repository that is new and one that is gone.
func synthHistory(now time.Time) *fakeHistory {
	f := &fakeHistory{}
	cur := map[model.Kind]int64{model.KindImage: 2_939_000_000, model.KindContainer: 64_512_000, model.KindVolume: 3_145_000_000, model.KindBuildCache: 640_000_000}
	start := now.Add(-40 * 24 * time.Hour)
	for t := start; !t.After(now.Add(-time.Hour)); {
		age := now.Sub(t)
		frac := 1 - float64(age)/float64(40*24*time.Hour) // 0 → 1
		kinds := map[model.Kind]model.KindSample{}
		for k, v := range cur {
			size := int64(float64(v) * (0.55 + 0.45*frac))
			if k == model.KindBuildCache && age > 10*24*time.Hour {
				size += 1_500_000_000 // pruned 10 days ago
			}
			kinds[k] = model.KindSample{Total: 3, Size: size, Reclaimable: size / 4, Exact: size / 5}
		}
		kinds[model.KindNetwork] = model.KindSample{Total: 5, Active: 1, Size: model.Unknown, Reclaimable: model.Unknown, Exact: model.Unknown}
		repos := []model.RepoSample{
			{Repo: "node", Tags: 3, Size: int64(float64(1_100_000_000) * (0.6 + 0.4*frac))},
			{Repo: "postgres", Tags: 1, Size: 432_000_000},
			{Repo: "redis", Tags: 1, Size: 117_000_000},
		}
		if age < 12*24*time.Hour {
			repos = append(repos, model.RepoSample{Repo: "myapp/api", Tags: 1, Size: 1_180_000_000})
		} else {
			repos = append(repos, model.RepoSample{Repo: "legacy/worker", Tags: 2, Size: 650_000_000})
		}
		f.samples = append(f.samples, model.Sample{Time: t, Kinds: kinds, Repos: repos})
		if age > 14*24*time.Hour {
			t = t.Add(6 * time.Hour)
		} else {
			t = t.Add(time.Hour)
		}
	}
	f.cleanups = []model.Cleanup{{Time: now.Add(-10 * 24 * time.Hour), By: byInteractive, Objects: 37, Freed: 1_500_000_000,
		PerKind: map[model.Kind]int64{model.KindBuildCache: 1_500_000_000}}}
	return f
}

// newWithHistory is newLoaded with a history, its samples read as Init
// would, on the Overview; clock, when set, is the UI's clock.
func newWithHistory(t testing.TB, w, h int, fh History, clock func() time.Time) (*App, *fakeEngine) {
	t.Helper()
	if clock == nil {
		clock = func() time.Time { return testNow }
	}
	s, du := sampleState()
	f := newFakeEngine(s, du)
	a := New(context.Background(), f, Options{Now: clock, Title: "unix:///var/run/docker.sock", History: fh})
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	if cmd := a.loadTrend(); cmd != nil {
		a.Update(cmd())
	}
	a.listing = true
	a.Update(listsMsg{seq: 1, snap: cloneSnapshot(s)})
	a.dfRunning, a.dfStart = true, clock().Add(-time.Second)
	a.Update(diskUsageMsg{du: du})
	f.layers = sampleLayers()
	a.layersBusy = true
	a.Update(layersMsg{layers: sampleLayers()})
	press(a, "1")
	// That load's sample was asked for in a command not run: as if none.
	a.hist.want, a.hist.lastTry = false, time.Time{}
	return a, f
}

// openHistoryView presses h and keys, delivering what they read.
func openHistoryView(a *App, keys ...string) { pressRead(a, append([]string{"h"}, keys...)...) }

// pressRead presses keys, delivering what each asks the history for.
func pressRead(a *App, keys ...string) {
	for _, k := range keys {
		_, cmd := a.Update(keyMsg(k))
		if cmd != nil {
			a.Update(cmd())
		}
	}
}

// TestHistoryGolden pins the Overview with sparklines and changes, the
// History view with data and on a host with no history yet, at 80×24 and
// 120×40.
func TestHistoryGolden(t *testing.T) {
	screens := []struct {
		name string
		hist func() *fakeHistory
		open []string // keys after h; nil: the Overview
	}{
		{"overview", func() *fakeHistory { return synthHistory(testNow) }, nil},
		{"overview-empty", func() *fakeHistory { return &fakeHistory{} }, nil},
		{"view", func() *fakeHistory { return synthHistory(testNow) }, []string{}},
		{"view-7d", func() *fakeHistory { return synthHistory(testNow) }, []string{"["}},
		{"view-scrolled", func() *fakeHistory { return synthHistory(testNow) }, []string{"G"}},
		{"view-empty", func() *fakeHistory { return &fakeHistory{} }, []string{}},
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size[0], size[1]), func(t *testing.T) {
			for _, sc := range screens {
				t.Run(sc.name, func(t *testing.T) {
					a, _ := newWithHistory(t, size[0], size[1], readOnlyHistory{sc.hist()}, nil)
					if sc.open != nil {
						openHistoryView(a, sc.open...)
						if a.mode() != modeHistory {
							t.Fatalf("h did not open the History view (mode %v)", a.mode())
						}
					}
					golden(t, ansi.Strip(a.View().Content))
				})
			}
		})
	}
}

// readOnlyHistory reads a fakeHistory and records nothing.
type readOnlyHistory struct{ *fakeHistory }

func (readOnlyHistory) AddSampleIfDue(context.Context, model.Sample, time.Duration) (bool, error) {
	return false, nil
}

// TestOverviewTrend: each sized kind's row has a sparkline and the change
// over the last week; a history younger than a week says its own span;
// fewer than two samples, nothing; a narrow terminal, no column at all.
func TestOverviewTrend(t *testing.T) {
	t.Parallel()
	young := &fakeHistory{}
	for i, size := range []int64{1_000_000_000, 1_400_000_000, 2_939_000_000} {
		young.samples = append(young.samples, model.Sample{Time: testNow.Add(time.Duration(i-2) * 24 * time.Hour),
			Kinds: map[model.Kind]model.KindSample{model.KindImage: {Size: size}}})
	}
	one := &fakeHistory{samples: young.samples[2:]}
	for _, tc := range []struct {
		name  string
		fh    *fakeHistory
		width int
		want  []string // in the Images row
		not   []string // anywhere
	}{
		{"a week", synthHistory(testNow), 120, []string{"+", " 7d", "█"}, nil},
		{"two days", young, 120, []string{"+1.939GB 2d", "▁", "█"}, []string{"7d"}},
		{"one sample", one, 120, []string{"no history yet · h"}, []string{"▁"}},
		{"narrow", synthHistory(testNow), 100, nil, []string{"LAST 30 DAYS", "7d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, _ := newWithHistory(t, tc.width, 30, readOnlyHistory{tc.fh}, nil)
			scr := screen(a)
			row := lineWith(scr, "Images ")
			for _, w := range tc.want {
				if !strings.Contains(row, w) {
					t.Errorf("Images row lacks %q:\n%s", w, scr)
				}
			}
			for _, w := range tc.not {
				if strings.Contains(scr, w) {
					t.Errorf("screen has %q:\n%s", w, scr)
				}
			}
		})
	}
}

// TestTrendComputedInUpdate: the sparklines are computed once per change
// of the samples or the width, not per frame: drawing leaves them as they
// are, a resize or a new sample recomputes them.
func TestTrendComputedInUpdate(t *testing.T) {
	t.Parallel()
	a, _ := newWithHistory(t, 120, 40, readOnlyHistory{synthHistory(testNow)}, nil)
	before := a.hist.trend
	a.View()
	a.View()
	if fmt.Sprintf("%p", a.hist.trend) != fmt.Sprintf("%p", before) {
		t.Fatal("drawing a frame recomputed the sparklines")
	}
	a.Update(tea.WindowSizeMsg{Width: 170, Height: 40})
	if fmt.Sprintf("%p", a.hist.trend) == fmt.Sprintf("%p", before) || len([]rune(a.hist.trend[model.KindImage].spark)) != 27 {
		t.Fatalf("a resize to 170 left the sparklines at %d cells", len([]rune(a.hist.trend[model.KindImage].spark)))
	}
}

// TestSampleAtMostEveryTenMinutes: each completed scan with its figures
// in asks for a sample, but the UI asks at most every 10 minutes (the
// store also refuses one younger than that from another bilge).
func TestSampleAtMostEveryTenMinutes(t *testing.T) {
	t.Parallel()
	now := testNow
	fh := &fakeHistory{}
	a, f := newWithHistory(t, 120, 40, fh, func() time.Time { return now })
	scan := func(after time.Duration) {
		now = now.Add(after)
		f.mu.Lock()
		du := *f.du
		f.mu.Unlock()
		a.dfRunning, a.dfStart = true, now.Add(-time.Second)
		_, cmd := a.Update(diskUsageMsg{du: &du})
		runAll(cmd, a)
	}
	// newWithHistory's scan did not record: its commands were not run.
	for _, step := range []struct {
		after        time.Duration
		samples, ask int
	}{
		{0, 1, 1},               // the first scan
		{time.Minute, 1, 1},     // too soon: not even asked
		{5 * time.Minute, 1, 1}, // still too soon
		{5 * time.Minute, 2, 2}, // 11 minutes on
		{30 * time.Second, 2, 2},
	} {
		scan(step.after)
		n, _, _ := fh.counts()
		fh.mu.Lock()
		ask := fh.ifDue
		fh.mu.Unlock()
		if n != step.samples || ask != step.ask {
			t.Fatalf("at +%s: %d samples recorded, %d asked; want %d, %d", now.Sub(testNow), n, ask, step.samples, step.ask)
		}
	}
	fh.mu.Lock()
	last := fh.samples[len(fh.samples)-1]
	fh.mu.Unlock()
	if img := last.Kinds[model.KindImage]; img.Size != 2_939_000_000 || img.Exact < 0 || len(last.Repos) == 0 || !last.Time.Equal(now.Add(-30*time.Second)) {
		t.Errorf("sample %+v: want the scan's figures, exact known, repositories, at its time", last)
	}
	if last.Engine != (model.EngineRef{}) {
		t.Errorf("the UI named the engine %+v: the adapter does", last.Engine)
	}
	// The new sample reaches the sparklines.
	if a.hist.gen < 2 || len(a.hist.samples) != 2 {
		t.Errorf("the Overview's samples are %d (gen %d), want the 2 recorded", len(a.hist.samples), a.hist.gen)
	}
}

// TestSampleWaitsForTheFigures: a scan that completes while layers are
// still being read is recorded once they are in, not before.
func TestSampleWaitsForTheFigures(t *testing.T) {
	t.Parallel()
	fh := &fakeHistory{}
	a, f := newWithHistory(t, 120, 40, fh, nil)
	a.layersBusy = true
	f.mu.Lock()
	du := *f.du
	f.mu.Unlock()
	a.dfRunning = true
	_, cmd := a.Update(diskUsageMsg{du: &du})
	if cmd != nil {
		a.Update(cmd())
	}
	if n, _, _ := fh.counts(); n != 0 {
		t.Fatal("recorded a sample while layers were still being read")
	}
	_, cmd = a.Update(layersMsg{layers: sampleLayers()})
	runAll(cmd, a)
	if n, _, _ := fh.counts(); n != 1 {
		t.Fatalf("%d samples once the layers were in, want 1", n)
	}
}

// TestCleanupRecorded: a clean-up records a sample before and one after
// (whatever the last sample's age) and one clean-up, by "interactive",
// with the objects deleted and what they freed, measured.
func TestCleanupRecorded(t *testing.T) {
	t.Parallel()
	fh := &fakeHistory{}
	a, f := newWithHistory(t, 160, 45, fh, nil)
	a.hist.want = true
	runAll(a.maybeSample(), a) // a sample just now: the clean-up's are not held back
	api := hexID("sha256:", 3)
	f.afterDelete = func(s *model.Snapshot, du *model.DiskUsage) {
		du.LayersSize -= 180_000_000
		du.Containers = du.Containers[:1]
	}
	press(a, "2")
	a.setMark(model.KindImage, api, true)
	press(a, "d", "c")
	_, cmd := a.Update(keyMsg("y"))
	runAll(cmd, a)
	if a.lastRun == nil || a.lastRun.afterPending {
		t.Fatalf("the run did not end measured:\n%s", screen(a))
	}
	n, forced, cleanups := fh.counts()
	if n != 3 || forced != 2 || cleanups != 1 {
		t.Fatalf("%d samples (%d before/after) and %d clean-ups; want 3 (2) and 1", n, forced, cleanups)
	}
	fh.mu.Lock()
	c, before, after := fh.cleanups[0], fh.forced[0], fh.forced[1]
	fh.mu.Unlock()
	if c.By != "interactive" || c.Objects != 2 || c.Engine != (model.EngineRef{}) {
		t.Errorf("clean-up %+v: want by interactive, 2 objects", c)
	}
	if want := int64(180_000_000 + 1_500_000 + 12_000); c.Freed != want || c.PerKind[model.KindImage] != 180_000_000 {
		t.Errorf("clean-up freed %d (images %d), want %d measured", c.Freed, c.PerKind[model.KindImage], want)
	}
	if before.Kinds[model.KindImage].Size-after.Kinds[model.KindImage].Size != 180_000_000 {
		t.Errorf("samples before %d and after %d", before.Kinds[model.KindImage].Size, after.Kinds[model.KindImage].Size)
	}
	// A scan right after records nothing more.
	f.mu.Lock()
	du := *f.du
	f.mu.Unlock()
	a.dfRunning = true
	_, cmd = a.Update(diskUsageMsg{du: &du})
	runAll(cmd, a)
	if n, _, _ := fh.counts(); n != 3 {
		t.Errorf("a scan right after the clean-up recorded another sample (%d)", n)
	}
}

// TestHistoryFailureIsANote: a history that cannot be read or written is
// one line on the Overview and in the History view; the UI goes on.
func TestHistoryFailureIsANote(t *testing.T) {
	t.Parallel()
	fh := &fakeHistory{readErr: errors.New("database is locked\n(SQLITE_BUSY)"), addErr: errors.New("disk full")}
	a, _ := newWithHistory(t, 120, 40, fh, nil)
	scr := screen(a)
	if !strings.Contains(scr, "history: cannot read it: database is locked (SQLITE_BUSY)") {
		t.Fatalf("no note on the Overview:\n%s", scr)
	}
	a.hist.want = true
	runAll(a.maybeSample(), a)
	if !strings.Contains(screen(a), "history: cannot record: disk full") {
		t.Errorf("no note for a failed write:\n%s", screen(a))
	}
	openHistoryView(a)
	scr = screen(a)
	if a.mode() != modeHistory || !strings.Contains(scr, "history: cannot record: disk full") && !strings.Contains(scr, "history: cannot read it") {
		t.Errorf("the History view does not say what failed:\n%s", scr)
	}
	press(a, "esc", "2")
	if a.active != 1 || a.mode() != modeBrowse {
		t.Errorf("the UI does not go on after history failures: tab %d, mode %v", a.active, a.mode())
	}
}

// TestHistoryViewKeys: h opens and closes it, esc closes it, [ and ]
// change the window (and read it again), the arrows scroll, ? opens the
// help over it and esc comes back; without a history h does nothing.
func TestHistoryViewKeys(t *testing.T) {
	t.Parallel()
	a, _ := newWithHistory(t, 80, 16, readOnlyHistory{synthHistory(testNow)}, nil)
	openHistoryView(a)
	if a.mode() != modeHistory || !strings.Contains(screen(a), "Repositories that changed") && !strings.Contains(screen(a), "more lines") {
		t.Fatalf("h: mode %v\n%s", a.mode(), screen(a))
	}
	openHistoryView(a) // h again: closes (its read is not asked)
	if a.mode() != modeBrowse {
		t.Fatalf("h did not close the History view")
	}
	openHistoryView(a, "]")
	if a.hist.window != 2 || a.hist.view.window != 2 || !strings.Contains(screen(a), "last 90 days") {
		t.Errorf("] did not widen the window to 90 days: %d\n%s", a.hist.window, screen(a))
	}
	openHistoryView(a, "[", "[", "[", "[")
	if a.mode() != modeBrowse {
		// h closed it; the [ that followed acted on the Overview: nothing.
		t.Fatalf("mode %v", a.mode())
	}
	openHistoryView(a, "[", "[")
	if a.hist.window != 0 {
		t.Errorf("[ below 7 days: window %d", a.hist.window)
	}
	pressRead(a, "]")
	press(a, "down", "down")
	if a.hist.top != 2 {
		t.Errorf("↓↓ scrolled to %d", a.hist.top)
	}
	press(a, "?")
	if a.mode() != modeHelp {
		t.Fatalf("? in the History view: mode %v", a.mode())
	}
	press(a, "esc")
	if a.mode() != modeHistory {
		t.Fatalf("esc from its help: mode %v", a.mode())
	}
	press(a, "esc")
	if a.mode() != modeBrowse || a.active != 0 {
		t.Fatalf("esc: mode %v", a.mode())
	}
	// Without a history h is not bound.
	b, _ := newLoaded(t, 80, 24)
	openHistoryView(b)
	if b.mode() != modeBrowse || strings.Contains(screen(b), "history") {
		t.Errorf("h without a history: mode %v\n%s", b.mode(), screen(b))
	}
}

// TestHistoryViewFitsEverySize draws the Overview and the History view
// with a history at many sizes: no line overflows, the height is whole.
func TestHistoryViewFitsEverySize(t *testing.T) {
	t.Parallel()
	a, _ := newWithHistory(t, 120, 40, readOnlyHistory{synthHistory(testNow)}, nil)
	for _, view := range []bool{false, true} {
		if view {
			openHistoryView(a)
		}
		for w := 60; w <= 200; w += 7 {
			for h := 15; h <= 60; h += 9 {
				a.Update(tea.WindowSizeMsg{Width: w, Height: h})
				lines := strings.Split(screen(a), "\n")
				if len(lines) != h {
					t.Fatalf("%dx%d view=%v: %d lines", w, h, view, len(lines))
				}
				for i, l := range lines {
					if ansi.StringWidth(l) > w {
						t.Fatalf("%dx%d view=%v: line %d is %d wide: %q", w, h, view, i, ansi.StringWidth(l), l)
					}
				}
			}
		}
	}
}

// TestHistoryReadAgainOnceItWorks: a first read that failed is tried again
// once a sample is recorded, and its note goes.
func TestHistoryReadAgainOnceItWorks(t *testing.T) {
	t.Parallel()
	fh := synthHistory(testNow)
	fh.readErr = errors.New("cannot connect to the engine")
	a, _ := newWithHistory(t, 120, 40, fh, nil)
	if !strings.Contains(screen(a), "history: cannot read it: cannot connect to the engine") || len(a.hist.trend) != 0 {
		t.Fatalf("no note for the failed read:\n%s", screen(a))
	}
	fh.mu.Lock()
	fh.readErr = nil
	fh.mu.Unlock()
	a.hist.want = true
	runAll(a.maybeSample(), a)
	if scr := screen(a); strings.Contains(scr, "history: cannot") || !strings.Contains(lineWith(scr, "Images "), " 7d") {
		t.Errorf("the history was not read again once it worked:\n%s", scr)
	}
}

// TestHistoryLeft: a clean-up whose measure after had not come when the
// UI ended is handed over with what it freed as predicted, once; without
// a history, or once recorded, nothing is.
func TestHistoryLeft(t *testing.T) {
	t.Parallel()
	a, _ := newWithHistory(t, 120, 40, &fakeHistory{}, nil)
	if _, ok := a.HistoryLeft(); ok {
		t.Fatal("a clean-up left with none run")
	}
	a.lastRun = &cleanup{deleted: 3, afterPending: true, started: testNow, took: 2 * time.Second,
		actual: model.Reclaim{Total: 700, Images: 500, Volumes: 200}}
	c, ok := a.HistoryLeft()
	if !ok || c.By != "interactive" || c.Objects != 3 || c.Freed != 700 || c.PerKind[model.KindImage] != 500 || !c.Time.Equal(testNow.Add(2*time.Second)) {
		t.Fatalf("left %+v, %v; want 3 objects, 700 bytes predicted, at the run's end", c, ok)
	}
	runAll(a.recordCleanup(a.lastRun), a)
	if _, ok := a.HistoryLeft(); ok {
		t.Error("a recorded clean-up is left again")
	}
	b, _ := newLoaded(t, 120, 40)
	b.lastRun = &cleanup{deleted: 3, afterPending: true}
	if _, ok := b.HistoryLeft(); ok {
		t.Error("a clean-up left without a history")
	}
}
