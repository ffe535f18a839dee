package model

import (
	"slices"
	"strings"
	"testing"
	"time"
)

var presetNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

const presetDay = 24 * time.Hour

// presetState has one object of every case a prune tells apart: containers
// running, paused, exited and created; images dangling, dangling but used
// by a stopped container, tagged old and new, used by a running, a paused
// and a created container, and two legacy chains (an untagged parent with
// a new tagged child, and one with an old child); volumes anonymous
// (unused, mounted by a stopped container), named (unused, mounted by a
// running container, counted in use by the engine with no listed
// container); networks built-in, used by a running container, unused, used
// by a stopped container only; build-cache records in use, last used long
// ago, recently, and never.
func presetState() *Snapshot {
	ago := func(d int) time.Time { return presetNow.Add(-time.Duration(d) * presetDay) }
	anon := func(c byte) string { return strings.Repeat(string(c), 64) }
	vol := func(name string, ref int64) Volume { return Volume{Name: name, RefCount: ref, Size: 1} }
	s := &Snapshot{
		Images: []Image{
			{ID: "sha256:dang", Created: ago(100)},
			{ID: "sha256:dangused", Created: ago(100)},
			{ID: "sha256:oldtag", Tags: []string{"old:1"}, Created: ago(100)},
			{ID: "sha256:newtag", Tags: []string{"new:1"}, Created: ago(2)},
			{ID: "sha256:run", Tags: []string{"run:1"}, Created: ago(100)},
			{ID: "sha256:paused", Tags: []string{"paused:1"}, Created: ago(100)},
			{ID: "sha256:made", Tags: []string{"made:1"}, Created: ago(100)},
			{ID: "sha256:base", Created: ago(100)},
			{ID: "sha256:top", Tags: []string{"top:1"}, ParentID: "sha256:base", Created: ago(1)},
			{ID: "sha256:obase", Created: ago(100)},
			{ID: "sha256:otop", Tags: []string{"otop:1"}, ParentID: "sha256:obase", Created: ago(90)},
			{ID: "sha256:notime", Tags: []string{"notime:1"}},
		},
		Containers: []Container{
			{ID: "c-run", Name: "run", ImageID: "sha256:run", State: StateRunning, Networks: []string{"n-front"},
				Mounts: []Mount{{Type: "volume", Name: "pgdata"}}},
			{ID: "c-paused", Name: "paused", ImageID: "sha256:paused", State: StatePaused},
			{ID: "c-exited", Name: "exited", ImageID: "sha256:dangused", State: StateExited,
				Mounts: []Mount{{Type: "volume", Name: anon('b')}}},
			{ID: "c-created", Name: "created", ImageID: "sha256:made", State: StateCreated, Networks: []string{"n-stale"}},
		},
		Volumes: []Volume{
			vol(anon('a'), 0), vol(anon('b'), 1), vol("old-data", 0), vol("pgdata", 1), vol("refd", 1),
		},
		Networks: []Network{
			{ID: "n-bridge", Name: "bridge"}, {ID: "n-host", Name: "host"}, {ID: "n-none", Name: "none"},
			{ID: "n-front", Name: "front"}, {ID: "n-idle", Name: "idle"}, {ID: "n-stale", Name: "stale"},
		},
		BuildCache: []BuildRecord{
			{ID: "r-inuse", InUse: true, Created: ago(100), LastUsed: ago(100), Size: 1},
			{ID: "r-old", Created: ago(100), LastUsed: ago(60), Size: 1},
			{ID: "r-recent", Created: ago(100), LastUsed: ago(1), Size: 1},
			{ID: "r-never", Created: ago(1), Size: 1},
		},
	}
	s.Link()
	return s
}

// TestPresetsMarkWhatDockerRemoves: each preset marks what its docker
// command would remove (read from moby docker-v29: daemon/images
// image_prune.go, daemon/prune.go, buildkit cache/manager.go):
//   - image prune: untagged images no container uses that are not a parent;
//     -a: every image no container in any state uses, and not an ancestor
//     of one; until=: and created before the cut-off (an image without a
//     creation time stays), a newer child keeping its untagged parent;
//   - container prune: every container not running, paused or restarting;
//   - volume prune: unused anonymous volumes; -a: every unused volume (not
//     one the engine counts in use);
//   - network prune: networks with no endpoint, so also those only stopped
//     containers are attached to; never bridge, host, none;
//   - builder prune -a: every record not in use; until=: and not used
//     after the cut-off (a record never used goes whatever its age);
//   - system prune -a --volumes: stopped containers, then what that leaves
//     unused: networks, images, anonymous volumes, and the build cache.
func TestPresetsMarkWhatDockerRemoves(t *testing.T) {
	t.Parallel()
	anonA, anonB := strings.Repeat("a", 64), strings.Repeat("b", 64)
	want := map[string]map[Kind][]string{
		"1": {KindImage: {"sha256:dang"}},
		"2": {KindImage: {"sha256:base", "sha256:dang", "sha256:newtag", "sha256:notime", "sha256:obase", "sha256:oldtag", "sha256:otop", "sha256:top"}},
		"3": {KindImage: {"sha256:dang", "sha256:obase", "sha256:oldtag", "sha256:otop"}},
		"4": {KindContainer: {"c-created", "c-exited"}},
		"5": {KindVolume: {anonA}},
		"6": {KindVolume: {anonA, "old-data"}},
		"7": {KindNetwork: {"n-idle", "n-stale"}},
		"8": {KindBuildCache: {"r-never", "r-old", "r-recent"}},
		"9": {KindBuildCache: {"r-never", "r-old"}},
		"0": {
			KindContainer:  {"c-created", "c-exited"},
			KindImage:      {"sha256:base", "sha256:dang", "sha256:dangused", "sha256:made", "sha256:newtag", "sha256:notime", "sha256:obase", "sha256:oldtag", "sha256:otop", "sha256:top"},
			KindVolume:     {anonA, anonB},
			KindNetwork:    {"n-idle", "n-stale"},
			KindBuildCache: {"r-never", "r-old", "r-recent"},
		},
	}
	s := presetState()
	ix := NewReclaimIndex(s)
	if len(want) != len(Presets) {
		t.Fatalf("%d presets, %d cases", len(Presets), len(want))
	}
	for _, p := range Presets {
		m, r := p.Marks(s, ix, presetNow, 30*presetDay)
		w, ok := want[p.Key]
		if !ok {
			t.Errorf("preset %s (%s) has no case", p.Key, p.Title)
			continue
		}
		for _, k := range Kinds {
			got, exp := m.IDs(k), w[k]
			slices.Sort(got)
			if !slices.Equal(got, exp) {
				t.Errorf("preset %s (%s) marks %s %v, want %v", p.Key, p.Docker, k, got, exp)
			}
		}
		if c := ix.Compute(m); c.Total != r.Total || c.Pending != r.Pending {
			t.Errorf("preset %s: reclaim %+v, its marks free %+v", p.Key, r, c)
		}
		if p.NeedsAge != strings.Contains(p.Docker, "until=N") || p.NeedsAge != strings.Contains(p.Title, "N") {
			t.Errorf("preset %s: NeedsAge %v but title %q, command %q", p.Key, p.NeedsAge, p.Title, p.Docker)
		}
	}
}

// TestPresetAges: the aged presets move with the age; the others ignore it.
func TestPresetAges(t *testing.T) {
	t.Parallel()
	s := presetState()
	ix := NewReclaimIndex(s)
	cases := []struct {
		key  string
		age  time.Duration
		kind Kind
		want []string
	}{
		// Younger than every image: the 2-day-old newtag goes, top (1 day)
		// keeps base.
		{"3", 36 * time.Hour, KindImage, []string{"sha256:dang", "sha256:newtag", "sha256:obase", "sha256:oldtag", "sha256:otop"}},
		// Older than every image: none.
		{"3", 1000 * presetDay, KindImage, nil},
		// Between otop (90 days) and obase (100): otop stays, so does its parent.
		{"3", 95 * presetDay, KindImage, []string{"sha256:dang", "sha256:oldtag"}},
		{"9", 12 * time.Hour, KindBuildCache, []string{"r-never", "r-old", "r-recent"}},
		{"9", 1000 * presetDay, KindBuildCache, []string{"r-never"}},
		{"2", 1000 * presetDay, KindImage, []string{"sha256:base", "sha256:dang", "sha256:newtag", "sha256:notime", "sha256:obase", "sha256:oldtag", "sha256:otop", "sha256:top"}},
	}
	for _, c := range cases {
		i := slices.IndexFunc(Presets, func(p Preset) bool { return p.Key == c.key })
		m, _ := Presets[i].Marks(s, ix, presetNow, c.age)
		got := m.IDs(c.kind)
		slices.Sort(got)
		if !slices.Equal(got, c.want) || m.Len() != len(got) {
			t.Errorf("preset %s at %v: %v (%d in all), want %v", c.key, c.age, got, m.Len(), c.want)
		}
	}
}

// BenchmarkPresets10k computes every preset once, as the menu does when
// it opens or its age changes.
func BenchmarkPresets10k(b *testing.B) {
	s := bigSnap(10_000)
	ix := NewReclaimIndex(s)
	b.ResetTimer()
	for b.Loop() {
		for _, p := range Presets {
			p.Marks(s, ix, presetNow, 30*presetDay)
		}
	}
}
