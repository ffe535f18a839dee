package history

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"bilge/model"
)

var base = time.Date(2026, 11, 20, 12, 0, 0, 123456789, time.UTC)

// openTemp opens a new store in a temporary directory whose clock stands at
// now; any warning fails the test.
func openTemp(t testing.TB, now time.Time) *Store {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", "bilge", "history.db")
	s, err := Open(path, func(m string) { t.Errorf("unexpected warning: %s", m) })
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return now }
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// sampleAt is a sample of engine id at at whose sizes grow with n.
func sampleAt(id string, at time.Time, n int64) model.Sample {
	return model.Sample{
		Time:   at,
		Engine: model.EngineRef{ID: id, Name: "engine " + id},
		Kinds: map[model.Kind]model.KindSample{
			model.KindImage:      {Total: 12, Active: 3, Size: 1e9 + n, Reclaimable: 4e8, Exact: 3e8 + n},
			model.KindContainer:  {Total: 4, Active: 1, Size: 5e6, Reclaimable: 1e6, Exact: model.Unknown},
			model.KindVolume:     {Total: 2, Active: 0, Size: model.Unknown, Reclaimable: model.Unknown, Exact: model.Unknown},
			model.KindNetwork:    {Total: 3, Active: 3},
			model.KindBuildCache: {Total: 40, Active: 0, Size: 2e9, Reclaimable: 2e9, Exact: 2e9},
		},
		Repos: []model.RepoSample{
			{Repo: "alpine", Tags: 2, Size: 8e6 + n},
			{Repo: "ghcr.io/acme/app", Tags: 5, Size: 3e8},
			{Repo: model.NoRepo, Tags: 0, Size: 1e7},
		},
	}
}

func TestDefaultPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"xdg", map[string]string{"XDG_STATE_HOME": "/x/state", "HOME": "/home/u"}, "/x/state/bilge/history.db"},
		{"relative xdg ignored", map[string]string{"XDG_STATE_HOME": "rel", "HOME": "/home/u"}, "/home/u/.local/state/bilge/history.db"},
		{"home", map[string]string{"HOME": "/home/u"}, "/home/u/.local/state/bilge/history.db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := DefaultPath(func(k string) string { return tt.env[k] })
			if err != nil || got != tt.want {
				t.Errorf("DefaultPath = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestSamplesRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t, base.Add(time.Hour))
	var want []model.Sample
	// Added out of order, two engines interleaved; the engine's name changes.
	for _, i := range []int{3, 0, 2, 1, 4} {
		smp := sampleAt("e1", base.Add(time.Duration(i)*10*time.Minute), int64(i))
		smp.Engine.Name = "renamed"
		if err := s.AddSample(ctx, smp); err != nil {
			t.Fatal(err)
		}
		if err := s.AddSample(ctx, sampleAt("e2", base.Add(time.Duration(i)*time.Minute), 100)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		smp := sampleAt("e1", base.Add(time.Duration(i)*10*time.Minute), int64(i))
		smp.Engine.Name = "renamed"
		want = append(want, smp)
	}
	empty := model.Sample{Time: base.Add(-time.Hour), Engine: model.EngineRef{ID: "e3", Name: "bare"}}
	if err := s.AddSample(ctx, empty); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		engine    string
		since     time.Time
		withRepos bool
		want      []model.Sample
	}{
		{"all with repos", "e1", time.Time{}, true, want},
		{"since is inclusive", "e1", base.Add(20 * time.Minute), true, want[2:]},
		{"since after the newest", "e1", base.Add(time.Hour), true, nil},
		{"without repos", "e1", base.Add(30 * time.Minute), false, stripRepos(want[3:])},
		{"unknown engine", "nope", time.Time{}, true, nil},
		{"no kinds, no repos", "e3", time.Time{}, true, []model.Sample{{Time: empty.Time, Engine: empty.Engine, Repos: []model.RepoSample{}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Samples(ctx, tt.engine, tt.since, tt.withRepos)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d samples, want %d", len(got), len(tt.want))
			}
			for i := range got {
				if !got[i].Time.Equal(tt.want[i].Time) {
					t.Errorf("sample %d: time %v, want %v", i, got[i].Time, tt.want[i].Time)
				}
				g, w := got[i], tt.want[i]
				g.Time, w.Time = time.Time{}, time.Time{}
				if !reflect.DeepEqual(g, w) {
					t.Errorf("sample %d:\n got %+v\nwant %+v", i, g, w)
				}
			}
		})
	}

	engines, err := s.Engines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantEngines := []EngineInfo{
		{EngineRef: model.EngineRef{ID: "e1", Name: "renamed"}, Samples: 5, First: base, Last: base.Add(40 * time.Minute)},
		{EngineRef: model.EngineRef{ID: "e2", Name: "engine e2"}, Samples: 5, First: base, Last: base.Add(4 * time.Minute)},
		{EngineRef: model.EngineRef{ID: "e3", Name: "bare"}, Samples: 1, First: base.Add(-time.Hour), Last: base.Add(-time.Hour)},
	}
	if len(engines) != len(wantEngines) {
		t.Fatalf("Engines = %+v, want %+v", engines, wantEngines)
	}
	for i, e := range engines {
		w := wantEngines[i]
		if e.EngineRef != w.EngineRef || e.Samples != w.Samples || !e.First.Equal(w.First) || !e.Last.Equal(w.Last) {
			t.Errorf("engine %d = %+v, want %+v", i, e, w)
		}
	}
}

func stripRepos(in []model.Sample) []model.Sample {
	out := slices.Clone(in)
	for i := range out {
		out[i].Repos = nil
	}
	return out
}

func TestAddSampleRejects(t *testing.T) {
	t.Parallel()
	s := openTemp(t, base)
	tests := []struct {
		name string
		smp  model.Sample
	}{
		{"no engine ID", model.Sample{Time: base}},
		{"zero time", model.Sample{Engine: model.EngineRef{ID: "e"}}},
		{"beyond 2262", model.Sample{Time: time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), Engine: model.EngineRef{ID: "e"}}},
	}
	for _, tt := range tests {
		if err := s.AddSample(context.Background(), tt.smp); err == nil {
			t.Errorf("%s: AddSample succeeded", tt.name)
		}
	}
	if err := s.AddCleanup(context.Background(), model.Cleanup{Time: base}); err == nil {
		t.Error("AddCleanup without engine succeeded")
	}
}

func TestCleanupsRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t, base)
	eng := model.EngineRef{ID: "e1", Name: "laptop"}
	all := []model.Cleanup{
		{Time: base.Add(-2 * time.Hour), Engine: eng, By: "interactive", Objects: 3, Freed: 5e8,
			PerKind: map[model.Kind]int64{model.KindImage: 4e8, model.KindContainer: 1e8}},
		{Time: base.Add(-time.Hour), Engine: eng, By: "old-images,build-cache", Objects: 40, Freed: 2e9,
			PerKind: map[model.Kind]int64{model.KindBuildCache: 2e9, model.KindImage: 0, model.KindVolume: model.Unknown}},
		{Time: base, Engine: eng, By: "interactive"},
	}
	for _, i := range []int{2, 0, 1} {
		if err := s.AddCleanup(ctx, all[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddCleanup(ctx, model.Cleanup{Time: base, Engine: model.EngineRef{ID: "other"}, By: "interactive"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		since time.Time
		want  []model.Cleanup
	}{
		{time.Time{}, all},
		{base.Add(-time.Hour), all[1:]},
		{base.Add(time.Nanosecond), nil},
	}
	for _, tt := range tests {
		got, err := s.Cleanups(ctx, "e1", tt.since)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("since %v: got %d clean-ups, want %d", tt.since, len(got), len(tt.want))
		}
		for i := range got {
			g, w := got[i], tt.want[i]
			if !g.Time.Equal(w.Time) {
				t.Errorf("clean-up %d: time %v, want %v", i, g.Time, w.Time)
			}
			g.Time, w.Time = time.Time{}, time.Time{}
			if !reflect.DeepEqual(g, w) {
				t.Errorf("clean-up %d:\n got %+v\nwant %+v", i, g, w)
			}
		}
	}
}

// storedTimes are the times of the engine's stored samples.
func storedTimes(t *testing.T, s *Store, id string) []time.Time {
	t.Helper()
	got, err := s.Samples(context.Background(), id, time.Time{}, false)
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for _, smp := range got {
		out = append(out, smp.Time)
	}
	return out
}

// kept is the times Keep keeps of times (ascending).
func kept(r model.Retention, times []time.Time, now time.Time) []time.Time {
	var out []time.Time
	for i, k := range r.Keep(times, now) {
		if k {
			out = append(out, times[i])
		}
	}
	return out
}

func TestRetention(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := base
	s := openTemp(t, now)
	if r, err := s.Retention(ctx); err != nil || r != model.DefaultRetention {
		t.Fatalf("new store's retention = %+v, %v; want the default", r, err)
	}
	// Three days of 5-minute samples, then every 7 hours back to 100 days,
	// a few from 3 years ago and one in the future (a skewed clock).
	var times []time.Time
	for at := now.Add(-72 * time.Hour); !at.After(now); at = at.Add(5 * time.Minute) {
		times = append(times, at)
	}
	for at := now.Add(-72 * time.Hour).Add(-7 * time.Hour); at.After(now.Add(-100 * 24 * time.Hour)); at = at.Add(-7 * time.Hour) {
		times = append(times, at)
	}
	times = append(times, now.Add(-3*365*24*time.Hour), now.Add(-3*365*24*time.Hour+time.Minute), now.Add(time.Hour))
	slices.SortFunc(times, time.Time.Compare)
	shuffled := slices.Clone(times)
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	// Most go in at once; the last 60, in random order, each through
	// AddSample, so retention runs on a growing, unordered history.
	var bulk []model.Sample
	for i, at := range shuffled[:len(shuffled)-60] {
		bulk = append(bulk, sampleAt("e1", at, int64(i)))
	}
	if err := s.addSamples(ctx, bulk); err != nil {
		t.Fatal(err)
	}
	for i, at := range shuffled[len(shuffled)-60:] {
		if err := s.AddSample(ctx, sampleAt("e1", at, int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	// Old clean-ups go with the samples.
	for _, at := range []time.Time{now.Add(-3 * 365 * 24 * time.Hour), now.Add(-time.Hour)} {
		if err := s.AddCleanup(ctx, model.Cleanup{Time: at, Engine: model.EngineRef{ID: "e1"}, By: "interactive"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddSample(ctx, sampleAt("e1", now, 0)); err != nil {
		t.Fatal(err)
	}
	times = append(times, now)
	slices.SortStableFunc(times, time.Time.Compare)

	want := kept(model.DefaultRetention, times, now)
	if got := storedTimes(t, s, "e1"); !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Fatalf("kept %d samples, want %d (of %d)", len(got), len(want), len(times))
	}
	if len(want) == len(times) || len(want) < 2*288 {
		t.Fatalf("the test series does not exercise retention: %d of %d kept", len(want), len(times))
	}
	if cs, err := s.Cleanups(ctx, "e1", time.Time{}); err != nil || len(cs) != 1 {
		t.Errorf("clean-ups after retention: %d, %v; want 1", len(cs), err)
	}

	bad := []model.Retention{
		{All: -time.Hour, Hourly: time.Hour, Daily: time.Hour},
		{All: 2 * time.Hour, Hourly: time.Hour, Daily: 3 * time.Hour},
		{All: time.Hour, Hourly: 3 * time.Hour, Daily: 2 * time.Hour},
	}
	for _, r := range bad {
		if err := s.SetRetention(ctx, r); err == nil {
			t.Errorf("SetRetention(%+v) succeeded", r)
		}
	}
	if r, err := s.Retention(ctx); err != nil || r != model.DefaultRetention {
		t.Fatalf("retention after refused changes = %+v, %v", r, err)
	}

	tight := model.Retention{All: 6 * time.Hour, Hourly: 24 * time.Hour, Daily: 10 * 24 * time.Hour}
	if err := s.SetRetention(ctx, tight); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Retention(ctx); err != nil || r != tight {
		t.Fatalf("Retention = %+v, %v; want %+v", r, err, tight)
	}
	want = kept(tight, want, now)
	if got := storedTimes(t, s, "e1"); !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Fatalf("after SetRetention kept %d samples, want %d", len(got), len(want))
	}
	if cs, err := s.Cleanups(ctx, "e1", time.Time{}); err != nil || len(cs) != 1 {
		t.Errorf("clean-ups after SetRetention: %d, %v; want 1", len(cs), err)
	}
}

func TestAddSampleIfDue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t, base.Add(time.Hour))
	every := 10 * time.Minute
	steps := []struct {
		engine string
		at     time.Time
		want   bool
	}{
		{"e1", base, true}, // none yet
		{"e1", base.Add(every - time.Nanosecond), false}, // within every
		{"e1", base.Add(time.Minute), false},
		{"e2", base.Add(time.Minute), true}, // another engine
		{"e1", base.Add(every), true},       // due
		{"e1", base.Add(every + time.Second), false},
	}
	for i, st := range steps {
		added, err := s.AddSampleIfDue(ctx, sampleAt(st.engine, st.at, 0), every)
		if err != nil || added != st.want {
			t.Errorf("step %d: added %v, %v; want %v", i, added, err, st.want)
		}
	}
	if n := len(storedTimes(t, s, "e1")); n != 2 {
		t.Errorf("e1 has %d samples, want 2", n)
	}
}

// TestReopen: a closed store opens again without a warning and keeps its
// data and settings; the file is in WAL mode.
func TestReopen(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t, base)
	r := model.Retention{All: time.Hour, Hourly: 2 * time.Hour, Daily: 3 * time.Hour}
	if err := s.SetRetention(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.AddSample(ctx, sampleAt("e1", base, 1)); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	s2, err := Open(s.Path(), func(m string) { t.Errorf("unexpected warning: %s", m) })
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	var mode string
	if err := s2.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	if got, err := s2.Retention(ctx); err != nil || got != r {
		t.Errorf("retention after reopening = %+v, %v", got, err)
	}
	if got, err := s2.Samples(ctx, "e1", time.Time{}, true); err != nil || len(got) != 1 || len(got[0].Repos) != 3 {
		t.Errorf("samples after reopening = %+v, %v", got, err)
	}
}

// filled is the bytes of a closed bilge history with n samples.
func filled(t *testing.T, n int) []byte {
	t.Helper()
	s := openTemp(t, base)
	for i := range n {
		if err := s.AddSample(context.Background(), sampleAt("e1", base.Add(-time.Duration(i)*time.Minute), int64(i))); err != nil {
			t.Fatal(err)
		}
	}
	_ = s.Close()
	b, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sqliteFile is the bytes of an SQLite database built by stmts.
func sqliteFile(t *testing.T, stmts ...string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	_ = db.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOpenBadFile(t *testing.T) {
	t.Parallel()
	good := filled(t, 300)
	garbage := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	header := append([]byte("SQLite format 3\x00"), garbage[:8000]...)
	newer := sqliteFile(t, fmt.Sprintf("PRAGMA application_id = %d", applicationID), "PRAGMA user_version = 99", "CREATE TABLE future (x)")
	tests := []struct {
		name    string
		content []byte
		aside   bool   // moved aside with one warning
		errText string // Open fails with this (file left alone)
	}{
		{name: "truncated", content: good[:len(good)/2], aside: true},
		{name: "truncated header", content: good[:60], aside: true},
		{name: "garbage", content: garbage, aside: true},
		{name: "garbage after a header", content: header, aside: true},
		{name: "empty file", content: []byte{}},
		{name: "foreign application", content: sqliteFile(t, "PRAGMA application_id = 42", "CREATE TABLE t (x)", "INSERT INTO t VALUES (1)"), aside: true},
		{name: "foreign without application id", content: sqliteFile(t, "CREATE TABLE t (x)"), aside: true},
		{name: "bilge id, wrong tables", content: sqliteFile(t, fmt.Sprintf("PRAGMA application_id = %d", applicationID), "PRAGMA user_version = 1", "CREATE TABLE samples (x)"), aside: true},
		{name: "newer schema", content: newer, errText: "history.db is from a newer bilge (schema 99"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "history.db")
			if err := os.WriteFile(path, tt.content, 0o600); err != nil {
				t.Fatal(err)
			}
			var warnings []string
			s, err := Open(path, func(m string) { warnings = append(warnings, m) })
			if tt.errText != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errText) {
					t.Fatalf("Open error = %v, want %q", err, tt.errText)
				}
				if b, _ := os.ReadFile(path); !bytes.Equal(b, tt.content) {
					t.Error("the newer database was changed")
				}
				if len(warnings) != 0 {
					t.Errorf("warnings: %q", warnings)
				}
				if asides, _ := filepath.Glob(path + ".corrupt-*"); len(asides) != 0 {
					t.Errorf("moved aside: %v", asides)
				}
				return
			}
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer s.Close()
			asides, _ := filepath.Glob(path + ".corrupt-*")
			if !tt.aside {
				if len(warnings) != 0 || len(asides) != 0 {
					t.Fatalf("warnings %q, moved aside %v; want none", warnings, asides)
				}
			} else {
				t.Log(warnings)
				if len(warnings) != 1 || len(asides) != 1 {
					t.Fatalf("warnings %q, moved aside %v; want one of each", warnings, asides)
				}
				if !strings.Contains(warnings[0], asides[0]) || strings.ContainsAny(warnings[0], "\n\r") {
					t.Errorf("warning %q does not name %s on one line", warnings[0], asides[0])
				}
				if !strings.HasPrefix(filepath.Base(asides[0]), "history.db.corrupt-20") {
					t.Errorf("aside name %s", asides[0])
				}
				if b, _ := os.ReadFile(asides[0]); !bytes.Equal(b, tt.content) {
					t.Error("the file moved aside lost its bytes")
				}
			}
			ctx := context.Background()
			if err := s.AddSample(ctx, sampleAt("e1", time.Now(), 1)); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Samples(ctx, "e1", time.Time{}, true); err != nil || len(got) != 1 {
				t.Fatalf("new database: %d samples, %v", len(got), err)
			}
		})
	}
}

// TestHelperProcess is one of TestTwoProcesses's writers, run in its own
// process.
func TestHelperProcess(t *testing.T) {
	path := os.Getenv("BILGE_HISTORY_HELPER_DB")
	if path == "" {
		t.Skip("only run by TestTwoProcesses and TestHotJournal")
	}
	if os.Getenv("BILGE_HISTORY_HELPER_CRASH") != "" {
		crashMidWrite(path)
	}
	who, _ := strconv.Atoi(os.Getenv("BILGE_HISTORY_HELPER_ID"))
	start, _ := strconv.ParseInt(os.Getenv("BILGE_HISTORY_HELPER_START"), 10, 64)
	s, err := Open(path, func(m string) { t.Errorf("warning: %s", m) })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range 100 {
		at := time.Unix(0, start).Add(time.Duration(i*2+who) * time.Millisecond)
		if err := s.AddSample(context.Background(), sampleAt("shared", at, int64(i))); err != nil {
			t.Fatalf("sample %d: %v", i, err)
		}
	}
}

func TestTwoProcesses(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "bilge", "history.db")
	start := time.Now().Add(-time.Minute).UnixNano()
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for who := range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), "BILGE_HISTORY_HELPER_DB="+path,
			"BILGE_HISTORY_HELPER_ID="+strconv.Itoa(who), "BILGE_HISTORY_HELPER_START="+strconv.FormatInt(start, 10))
		out := &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("writer %d: %v\n%s", i, err, outs[i])
		}
	}
	s, err := Open(path, func(m string) { t.Errorf("warning: %s", m) })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, err := s.Samples(context.Background(), "shared", time.Time{}, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 200 {
		t.Errorf("%d samples, want 200", len(got))
	}
	for i := 1; i < len(got); i++ {
		if got[i].Time.Sub(got[i-1].Time) != time.Millisecond {
			t.Fatalf("samples %d and %d are %v apart, want 1ms", i-1, i, got[i].Time.Sub(got[i-1].Time))
		}
	}
}

// TestAddSampleIfDueRace: two stores (as two processes would) on one file
// racing to add the same due sample add it once.
func TestAddSampleIfDueRace(t *testing.T) {
	t.Parallel()
	a := openTemp(t, base)
	b, err := Open(a.Path(), func(m string) { t.Errorf("warning: %s", m) })
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	added := make(chan bool, 20)
	for i := range 20 {
		s := []*Store{a, b}[i%2]
		go func() {
			ok, err := s.AddSampleIfDue(ctx, sampleAt("e1", base.Add(time.Duration(i)*time.Second), 0), time.Hour)
			if err != nil {
				t.Error(err)
			}
			added <- ok
		}()
	}
	n := 0
	for range 20 {
		if <-added {
			n++
		}
	}
	if got := len(storedTimes(t, a, "e1")); n != 1 || got != 1 {
		t.Errorf("%d calls added, %d samples stored; want 1 and 1", n, got)
	}
}

// TestOpenOddPath: a path with URI metacharacters is the file's name, not
// part of a query.
func TestOpenOddPath(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "we?ird #dir%20&x=1", "history.db")
	s, err := Open(path, func(m string) { t.Errorf("warning: %s", m) })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.AddSample(context.Background(), sampleAt("e1", time.Now(), 0)); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Fatalf("database not at %s: %v", path, err)
	}
	if fi, err := os.Stat(filepath.Dir(path)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, %v; want 0700", fi.Mode().Perm(), err)
	}
}

// TestOpenBadFileWithWAL: a bad file's -wal goes aside with it (a stale
// WAL left in place would be replayed into the new database) and its
// -shm is removed.
func TestOpenBadFileWithWAL(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "history.db")
	garbage := bytes.Repeat([]byte("not sqlite "), 1000)
	wal := bytes.Repeat([]byte("stale wal "), 500)
	for name, b := range map[string][]byte{path: garbage, path + "-wal": wal, path + "-shm": []byte("shm")} {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	var warnings []string
	s, err := Open(path, func(m string) { warnings = append(warnings, m) })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	asides, _ := filepath.Glob(path + ".corrupt-*")
	slices.Sort(asides)
	if len(warnings) != 1 || len(asides) != 2 || asides[1] != asides[0]+"-wal" {
		t.Fatalf("warnings %q, aside %v", warnings, asides)
	}
	if b, _ := os.ReadFile(asides[1]); !bytes.Equal(b, wal) {
		t.Error("the -wal moved aside lost its bytes")
	}
	if b, _ := os.ReadFile(path + "-shm"); bytes.Equal(b, []byte("shm")) {
		t.Error("the old -shm is still there")
	}
	if err := s.AddSample(context.Background(), sampleAt("e1", time.Now(), 0)); err != nil {
		t.Fatal(err)
	}
}

// TestHandEditedText: control bytes written into the file by hand come
// back written out, not as terminal controls.
func TestHandEditedText(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t, base)
	if err := s.AddSample(ctx, sampleAt("e1", base, 0)); err != nil {
		t.Fatal(err)
	}
	if err := s.AddCleanup(ctx, model.Cleanup{Time: base, Engine: model.EngineRef{ID: "e1"}, By: "interactive"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE repo_names SET name = 'evil` + "\x1b[2J" + `' WHERE name = 'alpine'`,
		`UPDATE engines SET name = 'host` + "\x07" + `'`,
		`UPDATE cleanups SET by = 'rule` + "\x1b]0;x\x07" + `'`,
	} {
		if _, err := s.db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	smps, err := s.Samples(ctx, "e1", time.Time{}, true)
	if err != nil || len(smps) != 1 {
		t.Fatalf("%d samples, %v", len(smps), err)
	}
	cs, err := s.Cleanups(ctx, "e1", time.Time{})
	if err != nil || len(cs) != 1 {
		t.Fatalf("%d clean-ups, %v", len(cs), err)
	}
	engines, err := s.Engines(ctx)
	if err != nil || len(engines) != 1 {
		t.Fatalf("%d engines, %v", len(engines), err)
	}
	for _, got := range []string{smps[0].Repos[0].Repo, smps[0].Engine.Name, cs[0].By, cs[0].Engine.Name, engines[0].Name} {
		if strings.ContainsAny(got, "\x1b\x07") || got != model.SafeText(got) {
			t.Errorf("%q reaches a terminal as is", got)
		}
	}
}

// TestMigrate: a later step applies to a current database in one
// transaction, keeping its data; a failing step leaves it as it was.
func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := openTemp(t, base)
	if err := s.AddSample(ctx, sampleAt("e1", base, 0)); err != nil {
		t.Fatal(err)
	}
	version := func() int {
		var v int
		if err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	bad := append(slices.Clone(migrations), `CREATE TABLE half (x); CREATE TABLE samples (x)`)
	if err := setup(ctx, s.db, bad); err == nil {
		t.Fatal("a failing step succeeded")
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = 'half'`).Scan(&n); err != nil || n != 0 || version() != len(migrations) {
		t.Fatalf("after a failed step: half table %d, version %d", n, version())
	}
	next := append(slices.Clone(migrations), `ALTER TABLE engines ADD COLUMN note TEXT`)
	if err := setup(ctx, s.db, next); err != nil {
		t.Fatal(err)
	}
	if v := version(); v != len(next) {
		t.Fatalf("version %d after migrating, want %d", v, len(next))
	}
	if got, err := s.Samples(ctx, "e1", time.Time{}, true); err != nil || len(got) != 1 {
		t.Fatalf("after migrating: %d samples, %v", len(got), err)
	}
	// This bilge now finds the database newer than it knows.
	if _, err := inspect(ctx, s.db, len(migrations)); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("newer bilge (schema %d", len(next))) {
		t.Errorf("inspect = %v, want a newer-schema error", err)
	}
}

// crashMidWrite turns the bilge history at path into a rollback-journal
// database and dies in the middle of a transaction, leaving a hot journal.
func crashMidWrite(path string) {
	db, err := sql.Open("sqlite", dsn(path, "_pragma=journal_mode(DELETE)"))
	if err == nil {
		db.SetMaxOpenConns(1)
		_, err = db.Exec(`BEGIN; DELETE FROM samples; PRAGMA user_version = 1`)
	}
	if err != nil {
		fmt.Println(err)
		os.Exit(2)
	}
	os.Exit(0) // no rollback, no close
}

// TestHotJournal: a writer that died mid-transaction leaves a hot journal
// a read-only look cannot recover; Open still opens (rolling it back) and
// keeps the data.
func TestHotJournal(t *testing.T) {
	t.Parallel()
	s := openTemp(t, base)
	if err := s.AddSample(context.Background(), sampleAt("e1", base, 0)); err != nil {
		t.Fatal(err)
	}
	_ = s.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "BILGE_HISTORY_HELPER_DB="+s.Path(), "BILGE_HISTORY_HELPER_CRASH=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("crashing writer: %v\n%s", err, out)
	}
	if fi, err := os.Stat(s.Path() + "-journal"); err != nil || fi.Size() == 0 {
		t.Fatalf("no hot journal: %v", err)
	}
	s2, err := Open(s.Path(), func(m string) { t.Errorf("warning: %s", m) })
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if got, err := s2.Samples(context.Background(), "e1", time.Time{}, true); err != nil || len(got) != 1 {
		t.Fatalf("after the crash: %d samples, %v", len(got), err)
	}
}
