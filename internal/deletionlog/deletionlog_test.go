package deletionlog

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"bilge/model"
)

var t0 = time.Date(2026, 12, 2, 7, 0, 0, 0, time.UTC)

// testSnap: two images sharing a 300-byte base layer (a 100-byte and a
// 200-byte layer of their own), a stopped container of the first (5 bytes
// written), a volume, a network; the first image's tag and a label carry an
// escape sequence.
func testSnap() *model.Snapshot {
	s := &model.Snapshot{Sized: true,
		Images: []model.Image{
			{ID: "sha256:aaa", Tags: []string{"app:1\x1b[2J"}, Digests: []string{"app@sha256:d1"}, Labels: map[string]string{"team": "x\x07"}, Size: 400, SharedSize: 300,
				Layers: []model.Layer{{ChainID: "base", Size: 300}, {ChainID: "a1", Size: 100}}},
			{ID: "sha256:bbb", Tags: []string{"app:2"}, Size: 500, SharedSize: 300,
				Layers: []model.Layer{{ChainID: "base", Size: 300}, {ChainID: "b1", Size: 200}}},
		},
		Containers: []model.Container{{ID: "c1", Name: "web", ImageID: "sha256:aaa", State: model.StateExited, SizeRw: 5, SizeRootFs: 405, Labels: map[string]string{"k": "v"}}},
		Volumes:    []model.Volume{{Name: "vol1", Size: 7, RefCount: 0}},
		Networks:   []model.Network{{ID: "n1", Name: "net1"}},
	}
	// As dockerapi leaves it: shown text safe, the engine's own in Orig.
	orig := s.Images[0]
	s.Images[0].Tags = model.SafeTexts(orig.Tags)
	s.Images[0].Labels = model.SafeLabels(orig.Labels)
	s.Images[0].Orig = &orig
	s.Link()
	return s
}

func TestRunRecordsEachDeletionWithWhatItFreed(t *testing.T) {
	t.Parallel()
	snap := testSnap()
	ix := model.NewReclaimIndex(snap)
	plan := model.Plan{Items: []model.PlanItem{
		{Kind: model.KindContainer, ID: "c1", Name: "web"},
		{Kind: model.KindImage, ID: "sha256:aaa", Name: "app:1"},
		{Kind: model.KindImage, ID: "sha256:bbb", Name: "app:2"},
		{Kind: model.KindVolume, ID: "vol1", Name: "vol1"},
		{Kind: model.KindNetwork, ID: "n1", Name: "net1"},
	}}
	path := filepath.Join(t.TempDir(), "state", "bilge", "deletions.jsonl")
	rec := &Recorder{Log: Open(path), Engine: Engine{ID: "ENG:ID", Name: "host1", Host: "unix:///x.sock"},
		Rules: map[Key]string{{Kind: model.KindImage, ID: "sha256:bbb"}: "dev-after-7d"}, Now: func() time.Time { return t0 }}
	run := rec.Begin(plan, snap, ix)
	snap.Images = nil // Begin keeps nothing of the snapshot
	ch := make(chan model.Outcome, 10)
	for _, it := range plan.Items {
		ch <- model.Outcome{Item: it, Status: model.Started}
		st := model.Deleted
		if it.Kind == model.KindVolume {
			st = model.Failed // not deleted: not logged
		}
		ch <- model.Outcome{Item: it, Status: st}
	}
	close(ch)
	n := 0
	for range run.Watch(ch) {
		n++
	}
	if n != 2*len(plan.Items) {
		t.Fatalf("passed %d outcomes through, want %d", n, 2*len(plan.Items))
	}
	if err := run.Err(); err != nil {
		t.Fatal(err)
	}
	got, bad, err := Read(path)
	if err != nil || bad != 0 {
		t.Fatalf("Read: %v, %d bad lines", err, bad)
	}
	size := func(n int64) *int64 { return &n }
	eng := Engine{ID: "ENG:ID", Name: "host1", Host: "unix:///x.sock"}
	want := []Entry{
		{Time: t0, Engine: eng, Kind: "container", ID: "c1", Names: []string{"web"}, Labels: map[string]string{"k": "v"}, Size: size(5), Rule: "interactive"},
		// The image frees its own layer; the base stays for app:2.
		{Time: t0, Engine: eng, Kind: "image", ID: "sha256:aaa", Names: []string{"app:1\x1b[2J"}, RepoDigests: []string{"app@sha256:d1"}, Labels: map[string]string{"team": "x\x07"}, Size: size(100), Rule: "interactive"},
		// The last user of the base frees it too.
		{Time: t0, Engine: eng, Kind: "image", ID: "sha256:bbb", Names: []string{"app:2"}, Size: size(500), Rule: "dev-after-7d"},
		{Time: t0, Engine: eng, Kind: "network", ID: "n1", Names: []string{"net1"}, Size: size(0), Rule: "interactive"},
	}
	gj, _ := json.MarshalIndent(got, "", " ")
	wj, _ := json.MarshalIndent(want, "", " ")
	if string(gj) != string(wj) {
		t.Errorf("log:\n%s\nwant:\n%s", gj, wj)
	}
	// The engine's exact bytes are in the file, escaped as JSON.
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), `"app:1\u001b[2J"`) {
		t.Errorf("the tag's exact bytes are not in the file:\n%s", raw)
	}
	for _, p := range []string{filepath.Dir(path), path} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]os.FileMode{true: 0o700, false: 0o600}[fi.IsDir()]; fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", p, fi.Mode().Perm(), want)
		}
	}
}

// TestUnknownSizeIsNull: without layer data an image's size is not known
// exactly: null, not a guess.
func TestUnknownSizeIsNull(t *testing.T) {
	t.Parallel()
	snap := testSnap()
	snap.Images[1].Layers = nil
	ix := model.NewReclaimIndex(snap)
	path := filepath.Join(t.TempDir(), "d.jsonl")
	run := (&Recorder{Log: Open(path)}).Begin(model.Plan{Items: []model.PlanItem{{Kind: model.KindImage, ID: "sha256:bbb"}}}, snap, ix)
	if err := run.Record(model.PlanItem{Kind: model.KindImage, ID: "sha256:bbb"}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	if !strings.Contains(string(raw), `"size":null`) {
		t.Errorf("want size null, got %s", raw)
	}
}

// TestWriteFailureNeverHoldsUpDeletions: a log that cannot be written
// (its directory is a file; as root, a read-only directory would not do)
// lets every outcome through and reports the failure once in Err.
func TestWriteFailureNeverHoldsUpDeletions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	blocker := filepath.Join(dir, "state")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for name, path := range map[string]string{
		"directory is a file": filepath.Join(blocker, "bilge", "deletions.jsonl"),
		"log is a directory":  dir,
	} {
		t.Run(name, func(t *testing.T) {
			snap := testSnap()
			plan := model.Plan{Items: []model.PlanItem{{Kind: model.KindVolume, ID: "vol1"}, {Kind: model.KindNetwork, ID: "n1"}}}
			run := (&Recorder{Log: Open(path)}).Begin(plan, snap, model.NewReclaimIndex(snap))
			ch := make(chan model.Outcome, 2)
			for _, it := range plan.Items {
				ch <- model.Outcome{Item: it, Status: model.Deleted}
			}
			close(ch)
			n := 0
			for range run.Watch(ch) {
				n++
			}
			if n != 2 {
				t.Errorf("%d outcomes passed, want 2", n)
			}
			if err := run.Err(); err == nil || !strings.HasPrefix(err.Error(), "deletions log: ") {
				t.Errorf("Err = %v, want a deletions log error", err)
			}
		})
	}
}

// TestConcurrentAppendsGiveWholeLines: two processes and several
// goroutines each appending long lines at once leave only whole lines.
func TestConcurrentAppendsGiveWholeLines(t *testing.T) {
	if p := os.Getenv("BILGE_DELETIONLOG_HELPER"); p != "" {
		appendMany(t, p, os.Getenv("BILGE_DELETIONLOG_WHO"))
		return
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "bilge", "deletions.jsonl")
	var procs []*exec.Cmd
	for _, who := range []string{"p1", "p2"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConcurrentAppendsGiveWholeLines$", "-test.count=1")
		cmd.Env = append(os.Environ(), "BILGE_DELETIONLOG_HELPER="+path, "BILGE_DELETIONLOG_WHO="+who)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		procs = append(procs, cmd)
	}
	appendMany(t, path, "self")
	for _, p := range procs {
		if err := p.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	got, bad, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("%d torn lines", bad)
	}
	seen := map[string]int{}
	for _, e := range got {
		if len(e.Labels["pad"]) != 20000 {
			t.Fatalf("entry %s has a torn label (%d bytes)", e.ID, len(e.Labels["pad"]))
		}
		seen[e.ID]++
	}
	if want := 3 * 4 * 100; len(got) != want || len(seen) != want {
		t.Errorf("%d entries (%d distinct), want %d", len(got), len(seen), want)
	}
}

// appendMany appends 4×100 entries of 20 kB from 4 goroutines.
func appendMany(t *testing.T, path, who string) {
	l := Open(path)
	pad := strings.Repeat("x", 20000)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				e := Entry{Time: t0, Kind: "image", ID: fmt.Sprintf("%s-%d-%d", who, g, i), Labels: map[string]string{"pad": pad}, Rule: strconv.Itoa(i)}
				if err := l.Append(e); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestReadSkipsLinesThatAreNotEntries(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "d.jsonl")
	if err := os.WriteFile(path, []byte(`{"time":"2026-12-02T07:00:00Z","kind":"image","id":"sha256:a","size":1,"rule":"interactive"}
not json
{"kind":"image","id":"sha256:b","siz`), 0o600); err != nil {
		t.Fatal(err)
	}
	got, bad, err := Read(path)
	if err != nil || len(got) != 1 || bad != 2 || got[0].ID != "sha256:a" {
		t.Errorf("Read = %d entries, %d bad, %v; want 1, 2, nil", len(got), bad, err)
	}
	if got, bad, err := Read(filepath.Join(t.TempDir(), "none")); got != nil || bad != 0 || err != nil {
		t.Errorf("a missing log: %v %d %v, want nothing", got, bad, err)
	}
}

func TestDefaultPath(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/x/state")
	if p, _ := DefaultPath(); p != "/x/state/bilge/deletions.jsonl" {
		t.Errorf("with XDG_STATE_HOME: %s", p)
	}
	t.Setenv("XDG_STATE_HOME", "relative")
	t.Setenv("HOME", "/home/u")
	if p, _ := DefaultPath(); p != "/home/u/.local/state/bilge/deletions.jsonl" {
		t.Errorf("without: %s", p)
	}
}

// TestIdentifyOnceAtFirstDeletion: the engine's identity is asked for
// once, when the first deletion is recorded, not before.
func TestIdentifyOnceAtFirstDeletion(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "d.jsonl")
	asked := 0
	rec := &Recorder{Log: Open(path), Engine: Engine{Host: "tcp://h:2375"}, Identify: func() (string, string, error) {
		asked++
		return "ID1", "name1", nil
	}}
	snap := testSnap()
	plan := model.Plan{Items: []model.PlanItem{{Kind: model.KindNetwork, ID: "n1"}, {Kind: model.KindVolume, ID: "vol1"}}}
	run := rec.Begin(plan, snap, model.NewReclaimIndex(snap))
	if asked != 0 {
		t.Fatal("asked before anything was deleted")
	}
	for _, it := range plan.Items {
		if err := run.Record(it); err != nil {
			t.Fatal(err)
		}
	}
	got, _, _ := Read(path)
	if asked != 1 || len(got) != 2 || got[1].Engine != (Engine{ID: "ID1", Name: "name1", Host: "tcp://h:2375"}) {
		t.Errorf("asked %d times; entries %+v", asked, got)
	}
}

// TestAppendAfterATornLine: a last line torn by a crash costs that line
// only, not the next entry.
func TestAppendAfterATornLine(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "d.jsonl")
	if err := os.WriteFile(path, []byte(`{"kind":"image","id":"sha256:a"}`+"\n"+`{"kind":"ima`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Open(path).Append(Entry{Kind: "volume", ID: "v1", Rule: Interactive}); err != nil {
		t.Fatal(err)
	}
	got, bad, err := Read(path)
	if err != nil || bad != 1 || len(got) != 2 || got[1].ID != "v1" {
		t.Errorf("Read = %+v, %d bad, %v; want a, v1 and 1 bad", got, bad, err)
	}
}
