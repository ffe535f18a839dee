package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"bilge/model"
)

// testPolicy selects, on the sample state: the dangling image 4, the
// container 104 (stopped 50 days ago; 102 stopped an hour ago stays), the
// named volume old-data, both build-cache records.
func testPolicy() *model.Policy {
	return &model.Policy{Rules: []model.Rule{
		{Name: "dangling", Kind: model.RuleDangling},
		{Name: "old stopped", Kind: model.RuleContainers, Older: 24 * time.Hour},
		{Name: "old images", Kind: model.RuleImages, Older: 30 * 24 * time.Hour},
		{Name: "old volumes", Kind: model.RuleVolumes, Match: []model.Pattern{model.MustPattern("old-*")}},
		{Name: "stale cache", Kind: model.RuleBuildCache, Older: 24 * time.Hour},
	}}
}

// newPolicyApp is newLoaded with a policy (or a policy that cannot be
// used, when bad is set); the fake engine holds the times back until
// release is closed.
func newPolicyApp(t *testing.T, w, h int, bad string) (*App, *fakeEngine, chan struct{}) {
	t.Helper()
	s, du := sampleState()
	f := newFakeEngine(s, du)
	release := make(chan struct{})
	f.policyRelease = release
	f.policyTimes = model.PolicyTimes{Containers: map[string]model.ContainerTimes{
		hexID("", 102): {Started: testNow.Add(-2 * 24 * time.Hour), Finished: testNow.Add(-time.Hour)},
		hexID("", 104): {Started: testNow.Add(-60 * 24 * time.Hour), Finished: testNow.Add(-50 * 24 * time.Hour)},
	}}
	o := Options{Now: func() time.Time { return testNow }, Title: "unix:///var/run/docker.sock", PolicyPath: "~/.config/bilge/policy.yaml"}
	if bad != "" {
		o.PolicyErr = bad
	} else {
		o.Policy = testPolicy()
	}
	a := New(context.Background(), f, o)
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	a.listing = true
	a.Update(listsMsg{seq: 1, snap: cloneSnapshot(s)})
	a.dfRunning, a.dfStart = true, testNow.Add(-time.Second)
	a.Update(diskUsageMsg{du: du})
	f.layers = sampleLayers()
	a.layersBusy = true
	a.Update(layersMsg{layers: sampleLayers()})
	press(a, "2")
	return a, f, release
}

// openPolicyMenu opens the presets menu and lets the times come in.
func openPolicyMenu(t *testing.T, a *App, release chan struct{}) {
	t.Helper()
	_, cmd := a.Update(keyMsg("p"))
	if cmd == nil {
		t.Fatal("opening the menu asked for no times")
	}
	close(release)
	a.Update(cmd())
}

func lineContaining(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

func policyWant() map[model.Kind][]string {
	return map[model.Kind][]string{
		model.KindImage:      {hexID("sha256:", 4)},
		model.KindContainer:  {hexID("", 104)},
		model.KindVolume:     {"old-data"},
		model.KindBuildCache: {"k2j3h4g5f6d7s8a9", "q1w2e3r4t5y6u7i8"},
	}
}

// The menu opens at once: the times the policy weighs are read by a
// command, and until they are in the row says it waits and P marks
// nothing.
func TestPolicyRowWaitsForTimes(t *testing.T) {
	t.Parallel()
	a, f, release := newPolicyApp(t, 160, 45, "")
	_, cmd := a.Update(keyMsg("p"))
	if a.presets == nil || cmd == nil {
		t.Fatalf("menu open %v, command %v", a.presets != nil, cmd != nil)
	}
	if n := f.count("policytimes"); n != 0 {
		t.Fatalf("opening the menu called the engine %d times in Update", n)
	}
	row := lineContaining(screen(a), "policy: ~/")
	if !strings.Contains(row, "waiting for the times it weighs (2 containers, 1 image)") {
		t.Fatalf("policy row while the times are read: %q", row)
	}
	press(a, "P")
	if a.marks.Len() != 0 || a.presets == nil || !strings.Contains(screen(a), "policy waiting for the times") {
		t.Fatalf("P while waiting: %d marked, menu open %v, screen:\n%s", a.marks.Len(), a.presets != nil, screen(a))
	}
	close(release)
	a.Update(cmd())
	row = lineContaining(screen(a), "policy: ~/")
	if strings.Contains(row, "waiting") || !strings.Contains(row, "  5  ") {
		t.Fatalf("policy row once the times are in: %q", row)
	}
}

// P marks exactly the plan, adds to the marks made before, and says so.
func TestPolicyPresetMarksThePlan(t *testing.T) {
	t.Parallel()
	a, f, release := newPolicyApp(t, 160, 45, "")
	a.setMark(model.KindNetwork, hexID("", 204), true) // by hand
	openPolicyMenu(t, a, release)
	want := model.NewMarks()
	for k, ids := range policyWant() {
		for _, id := range ids {
			want.Set(k, id, true)
		}
	}
	frees := model.HumanSize(a.index.Compute(want).Total)
	row := lineContaining(screen(a), "policy: ")
	if fields := strings.Fields(row); len(fields) < 6 || fields[3] != "5" || fields[4] != frees || !strings.Contains(row, "bilge prune --dry-run") {
		t.Fatalf("policy row %q, want 5 objects freeing %s", row, frees)
	}
	press(a, "P")
	if a.presets != nil {
		t.Fatal("P left the menu open")
	}
	for k, ids := range policyWant() {
		if got := a.marks.IDs(k); strings.Join(got, ",") != strings.Join(ids, ",") {
			t.Errorf("%v marked %v, want %v", k, got, ids)
		}
	}
	if !a.marks.Has(model.KindNetwork, hexID("", 204)) || a.marks.Len() != 6 {
		t.Errorf("the mark made by hand is gone or more were made: %d marked", a.marks.Len())
	}
	if !strings.Contains(a.flash, "policy: ~/.config/bilge/policy.yaml: +5 marked · 6 marked in all") {
		t.Errorf("status after P: %q", a.flash)
	}
	if len(f.deleted) != 0 {
		t.Fatal("the policy preset deleted something")
	}
}

// A marked row shows its rule in the WHY column on a wide screen and in
// the details; a row marked by hand, or unmarked since, shows none.
func TestPolicyWhyColumnAndDetails(t *testing.T) {
	t.Parallel()
	a, _, release := newPolicyApp(t, 160, 45, "")
	openPolicyMenu(t, a, release)
	press(a, "P", "2")
	s := screen(a)
	if !strings.Contains(lineContaining(s, "TAG"), "WHY") {
		t.Fatalf("no WHY column at 160 columns:\n%s", s)
	}
	if l := lineContaining(s, "<none>:<none>"); !strings.HasSuffix(strings.TrimRight(l, " "), "dangling") {
		t.Errorf("the dangling image's row: %q", l)
	}
	if l := lineContaining(s, "node:20"); strings.Contains(l, "dangling") || strings.Contains(l, "old ") {
		t.Errorf("an unmarked row shows a rule: %q", l)
	}
	press(a, "3")
	if l := lineContaining(screen(a), "redis:7"); !strings.HasSuffix(strings.TrimRight(l, " "), "old stopped") {
		t.Errorf("container 104 row: %q\n%s", l, screen(a))
	}
	press(a, "6")
	if l := lineContaining(screen(a), "go build"); !strings.HasSuffix(strings.TrimRight(l, " "), "stale cache") {
		t.Errorf("the build-cache row: %q", l)
	}
	// Details: the rule under the title.
	press(a, "2")
	for a.tab().current() >= 0 && a.tab().view.id(a.snap, a.tab().current()) != hexID("sha256:", 4) {
		before := a.tab().cursor
		press(a, "down")
		if a.tab().cursor == before {
			t.Fatal("the dangling image is not on the Images tab")
		}
	}
	press(a, "enter")
	if !strings.Contains(screen(a), "rule: dangling") {
		t.Fatalf("details of the dangling image have no rule line:\n%s", screen(a))
	}
	// Unmarked, its rule goes.
	press(a, "space")
	if strings.Contains(screen(a), "rule: dangling") || a.ruleOf(model.KindImage, hexID("sha256:", 4)) != "" {
		t.Error("the rule stays on an unmarked row")
	}
	press(a, "space")
	if strings.Contains(screen(a), "rule: dangling") {
		t.Error("marked again by hand, the row shows the policy's rule")
	}
}

// At 100 columns there is no WHY column.
func TestPolicyNoWhyColumnWhenNarrow(t *testing.T) {
	t.Parallel()
	a, _, release := newPolicyApp(t, 100, 40, "")
	openPolicyMenu(t, a, release)
	press(a, "P", "2")
	if a.marks.LenOf(model.KindImage) != 1 {
		t.Fatalf("%d images marked", a.marks.LenOf(model.KindImage))
	}
	if s := screen(a); lineContaining(s, "TAG") == "" || strings.Contains(lineContaining(s, "TAG"), "WHY") || strings.HasSuffix(strings.TrimRight(lineContaining(s, "<none>"), " "), "dangling") {
		t.Fatalf("WHY column at 100 columns:\n%s", s)
	}
}

// A policy file that cannot be used: the row says why in one line, and P
// marks nothing.
func TestPolicyRowUnusable(t *testing.T) {
	t.Parallel()
	a, f, _ := newPolicyApp(t, 160, 45, `line 3: rules[0].older: "1 day" is not a duration`)
	_, cmd := a.Update(keyMsg("p"))
	if cmd != nil {
		t.Fatal("an unusable policy asked for times")
	}
	row := lineContaining(screen(a), "policy: ")
	if !strings.Contains(row, `cannot be used: line 3: rules[0].older: "1 day" is not a duration`) {
		t.Fatalf("row: %q", row)
	}
	press(a, "P")
	if a.marks.Len() != 0 || f.count("policytimes") != 0 {
		t.Fatalf("P on an unusable policy: %d marked", a.marks.Len())
	}
}

// Before the disk usage scan (the build cache, every size) the row waits
// for it, and redraws itself when it comes, with the menu open.
func TestPolicyRowWaitsForDiskUsage(t *testing.T) {
	t.Parallel()
	s, du := sampleState()
	f := newFakeEngine(s, du)
	f.policyTimes = model.PolicyTimes{}
	a := New(context.Background(), f, Options{Now: func() time.Time { return testNow }, Policy: testPolicy(), PolicyPath: "p.yaml"})
	a.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
	a.listing = true
	a.Update(listsMsg{seq: 1, snap: cloneSnapshot(s)})
	_, cmd := a.Update(keyMsg("p"))
	a.Update(cmd())
	if row := lineContaining(screen(a), "policy: p.yaml"); !strings.Contains(row, "waiting for the disk usage scan") {
		t.Fatalf("row before the disk usage: %q", row)
	}
	press(a, "P")
	if a.marks.Len() != 0 {
		t.Fatalf("P before the disk usage marked %d", a.marks.Len())
	}
	a.dfRunning, a.dfStart = true, testNow.Add(-time.Second)
	a.Update(diskUsageMsg{du: du})
	if row := lineContaining(screen(a), "policy: p.yaml"); strings.Contains(row, "waiting") || !strings.Contains(row, "bilge prune --dry-run") {
		t.Fatalf("row once the disk usage is in: %q", row)
	}
}

// A container that stops while the menu is open has no times yet: P reads
// them (the row waits) instead of marking on a guess; then P marks.
func TestPolicyTimesReadAgainWhenTheStateChanged(t *testing.T) {
	t.Parallel()
	a, f, release := newPolicyApp(t, 160, 45, "")
	openPolicyMenu(t, a, release)
	s := cloneSnapshot(f.snap)
	s.Containers = append(s.Containers, model.Container{ID: hexID("", 105), Name: "late", Image: "redis:7", ImageID: hexID("sha256:", 5), State: "exited", Created: testNow.Add(-10 * 24 * time.Hour)})
	f.policyTimes.Containers[hexID("", 105)] = model.ContainerTimes{Finished: testNow.Add(-9 * 24 * time.Hour)}
	a.listing = true
	a.Update(listsMsg{seq: 2, snap: s})
	_, cmd := a.Update(keyMsg("P"))
	if cmd == nil || a.marks.Len() != 0 || a.presets == nil {
		t.Fatalf("P on a changed state: command %v, %d marked", cmd != nil, a.marks.Len())
	}
	if row := lineContaining(screen(a), "policy: ~/"); !strings.Contains(row, "waiting for the times it weighs (3 containers, 1 image)") {
		t.Fatalf("row: %q", row)
	}
	a.Update(cmd())
	press(a, "P")
	if !a.marks.Has(model.KindContainer, hexID("", 105)) || a.marks.LenOf(model.KindContainer) != 2 {
		t.Fatalf("containers marked: %v", a.marks.IDs(model.KindContainer))
	}
	if a.ruleOf(model.KindContainer, hexID("", 105)) != "old stopped" {
		t.Errorf("rule of the new container: %q", a.ruleOf(model.KindContainer, hexID("", 105)))
	}
}
