package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bilge/internal/history"
	"bilge/model"
)

// These tests set the environment (XDG_STATE_HOME, DOCKER_HOST): they do
// not run in parallel, except the pure ones.

// historyState gives the test a state directory of its own and returns the
// history database's path in it.
func historyState(t *testing.T) string {
	t.Helper()
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	return filepath.Join(state, "bilge", "history.db")
}

// historyDocOf runs bilge history --json and decodes it generically, to
// check the document's shape as a script sees it.
func historyDocOf(t *testing.T, args ...string) map[string]any {
	t.Helper()
	code, out, errs := runArgs(t, append([]string{"history", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("history --json: exit %d, stderr %q", code, errs)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("history --json: not JSON: %v\n%s", err, out)
	}
	return doc
}

func TestRecordThenHistory(t *testing.T) {
	db := historyState(t)
	d, host := serveDemo(t, 3)

	code, out, errs := runArgs(t, "record", "-H", host)
	if code != 0 || out != "" || errs != "" {
		t.Fatalf("record: exit %d, stdout %q, stderr %q: want 0 and silence", code, out, errs)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("record wrote no database: %v", err)
	}

	// The engine answers no more: history reads the database alone.
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "gone.sock"))
	code, out, errs = runArgs(t, "history")
	if code != 0 || errs != "" {
		t.Fatalf("history: exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"Engine demo-host (DEMO:BILG:E0)", "last 30d", "1 samples", "Images", "Containers", "Local Volumes", "Build Cache", "Networks", "Repositories that grew most", "Clean-ups", "none in the window"} {
		if !strings.Contains(out, want) {
			t.Errorf("history lacks %q:\n%s", want, out)
		}
	}

	// df measures too: a second sample, with df's exact figures.
	code, dfOut, errs := runArgs(t, "df", "--json", "-H", host)
	if code != 0 || errs != "" {
		t.Fatalf("df: exit %d, stderr %q", code, errs)
	}
	var df struct {
		Images struct {
			Total int   `json:"total"`
			Size  int64 `json:"size"`
		} `json:"images"`
	}
	if err := json.Unmarshal([]byte(dfOut), &df); err != nil {
		t.Fatal(err)
	}
	doc := historyDocOf(t, "--since", "1h")
	samples, _ := doc["samples"].([]any)
	if len(samples) != 2 {
		t.Fatalf("want 2 samples (record, df), got %d:\n%v", len(samples), doc)
	}
	last := samples[1].(map[string]any)
	img := last["kinds"].(map[string]any)["images"].(map[string]any)
	if int(img["total"].(float64)) != df.Images.Total || int64(img["size"].(float64)) != df.Images.Size {
		t.Errorf("sample's images %v, df says total %d size %d", img, df.Images.Total, df.Images.Size)
	}

	// A prune that deletes: a sample before and after, and the clean-up
	// by its rule.
	images := len(d.Images())
	code, prune, errs := pruneJSON(t, "-H", host, "--dangling", "-f")
	if code != 0 || errs != "" || len(d.Images()) >= images || len(prune.Outcomes) == 0 {
		t.Fatalf("prune: exit %d, stderr %q, %d images of %d left", code, errs, len(d.Images()), images)
	}
	code, dfOut, _ = runArgs(t, "df", "--json", "-H", host)
	var dfAfter struct {
		Images struct {
			Total int `json:"total"`
		} `json:"images"`
	}
	if err := json.Unmarshal([]byte(dfOut), &dfAfter); code != 0 || err != nil {
		t.Fatalf("df after prune: %d %v", code, err)
	}
	doc = historyDocOf(t)
	samples, _ = doc["samples"].([]any)
	cleanups, _ := doc["cleanups"].([]any)
	if len(samples) != 5 || len(cleanups) != 1 {
		t.Fatalf("want 5 samples (record, df, before and after prune, df) and 1 clean-up, got %d and %d", len(samples), len(cleanups))
	}
	c := cleanups[0].(map[string]any)
	if by := c["by"].(string); !strings.Contains(by, prune.Outcomes[0].Rule) || !strings.Contains(by, "one-off flags") {
		t.Errorf("clean-up by %q: want the one-off flags and the rule %q", by, prune.Outcomes[0].Rule)
	}
	if n := int(c["objects"].(float64)); n != len(prune.Outcomes) {
		t.Errorf("clean-up objects %d, %d went", n, len(prune.Outcomes))
	}
	if prune.Measured == nil || int64(c["freed"].(float64)) != prune.Measured.Freed {
		t.Errorf("clean-up freed %v, prune measured %+v", c["freed"], prune.Measured)
	}
	kindsOf := func(i int) map[string]any { return samples[i].(map[string]any)["kinds"].(map[string]any) }
	before := kindsOf(2)["images"].(map[string]any)
	after := kindsOf(3)["images"].(map[string]any)
	if int(before["total"].(float64)) != df.Images.Total || int(after["total"].(float64)) != dfAfter.Images.Total {
		t.Errorf("images before %v after %v: df says %d then %d", before["total"], after["total"], df.Images.Total, dfAfter.Images.Total)
	}
	growth := doc["growth"].(map[string]any)
	gi := growth["kinds"].(map[string]any)["images"].(map[string]any)
	if gi["change"] == nil || int64(gi["change"].(float64)) != int64(kindsOf(4)["images"].(map[string]any)["size"].(float64))-int64(kindsOf(0)["images"].(map[string]any)["size"].(float64)) {
		t.Errorf("growth of images %v: want the newest size minus the first", gi)
	}

	code, out, _ = runArgs(t, "history")
	if code != 0 || !strings.Contains(out, "1 clean-up freed") || !strings.Contains(out, "dangling") {
		t.Errorf("history after prune:\n%s", out)
	}
}

func TestHistoryJSONShape(t *testing.T) {
	historyState(t)
	_, host := serveDemo(t, 1)
	if code, _, errs := runArgs(t, "record", "-H", host); code != 0 {
		t.Fatalf("record: %d %q", code, errs)
	}
	doc := historyDocOf(t)
	for _, k := range []string{"engine", "since", "samples", "cleanups", "growth"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("no %q in %v", k, doc)
		}
	}
	eng := doc["engine"].(map[string]any)
	if eng["id"] != "DEMO:BILG:E000:0000:0000:0000:0000:0000:0000:0000:0000:0000" || eng["name"] != "demo-host" {
		t.Errorf("engine %v", eng)
	}
	if cl, ok := doc["cleanups"].([]any); !ok || len(cl) != 0 {
		t.Errorf("cleanups %v: want an empty array", doc["cleanups"])
	}
	s := doc["samples"].([]any)[0].(map[string]any)
	kinds := s["kinds"].(map[string]any)
	for _, k := range []string{"images", "containers", "volumes", "networks", "buildCache"} {
		row, ok := kinds[k].(map[string]any)
		if !ok {
			t.Errorf("sample has no kind %q: %v", k, kinds)
			continue
		}
		for _, f := range []string{"total", "active", "size", "reclaimable", "exact"} {
			if _, ok := row[f]; !ok {
				t.Errorf("%s has no %q", k, f)
			}
		}
	}
	if kinds["networks"].(map[string]any)["size"] != nil {
		t.Errorf("networks have no size: want null, got %v", kinds["networks"])
	}
	if _, ok := kinds["images"].(map[string]any)["exact"].(float64); !ok {
		t.Errorf("images' exact reclaimable: want bytes, got %v", kinds["images"])
	}
	repos, _ := s["repos"].([]any)
	if len(repos) == 0 {
		t.Fatalf("no repositories in %v", s)
	}
	r := repos[0].(map[string]any)
	for _, f := range []string{"repo", "tags", "size"} {
		if _, ok := r[f]; !ok {
			t.Errorf("repository %v has no %q", r, f)
		}
	}
	g := doc["growth"].(map[string]any)
	for _, f := range []string{"from", "to", "kinds", "repos"} {
		if _, ok := g[f]; !ok {
			t.Errorf("growth has no %q: %v", f, g)
		}
	}
}

func TestHistoryWithoutHistory(t *testing.T) {
	db := historyState(t)
	cleanEnv(t)
	code, out, errs := runArgs(t, "history")
	if code != 0 || errs != "" || strings.Count(out, "\n") != 1 || !strings.Contains(out, "bilge record") || !strings.Contains(out, "*/30 * * * * bilge record") {
		t.Errorf("no history: exit %d, stderr %q, stdout %q: want one line saying how to start one", code, errs, out)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("history created %s: reading must not", db)
	}
	// The demo engine is make-believe: df --demo records nothing.
	if code, _, errs := runArgs(t, "df", "--demo"); code != 0 || errs != "" {
		t.Fatalf("df --demo: %d %q", code, errs)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("df --demo wrote the history")
	}
}

func TestHistoryCorruptDatabase(t *testing.T) {
	db := historyState(t)
	_, host := serveDemo(t, 2)
	if err := os.MkdirAll(filepath.Dir(db), 0o700); err != nil {
		t.Fatal(err)
	}
	garbage := []byte(strings.Repeat("this is not a database\n", 200))
	if err := os.WriteFile(db, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := runArgs(t, "record", "-H", host)
	if code != 0 || out != "" || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "bilge: warning: ") {
		t.Fatalf("record on a corrupt database: exit %d, stdout %q, stderr %q: want 0 and one warning", code, out, errs)
	}
	aside, _ := filepath.Glob(db + ".corrupt*")
	if len(aside) != 1 {
		t.Fatalf("the bad file is not kept aside: %v", aside)
	}
	if b, err := os.ReadFile(aside[0]); err != nil || string(b) != string(garbage) {
		t.Errorf("the file kept aside is not the bad one: %v", err)
	}
	code, out, errs = runArgs(t, "history")
	if code != 0 || errs != "" || !strings.Contains(out, "1 samples") {
		t.Errorf("history after: exit %d, stderr %q:\n%s", code, errs, out)
	}
	// df on a corrupt database: its output as ever, one warning.
	if err := os.WriteFile(db, garbage, 0o600); err != nil {
		t.Fatal(err)
	}
	code, dfOut, errs := runArgs(t, "df", "-H", host)
	if code != 0 || !strings.Contains(dfOut, "Images") || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "bilge: warning: ") {
		t.Errorf("df on a corrupt database: exit %d, stderr %q", code, errs)
	}
}

func TestHistoryBadInput(t *testing.T) {
	historyState(t)
	cleanEnv(t)
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"since not an age", []string{"history", "--since", "soon"}, []string{`--since: "soon" is not an age`}},
		{"since negative", []string{"history", "--since=-3d"}, []string{"--since"}},
		{"since zero", []string{"history", "--since", "0s"}, []string{"--since"}},
		{"since without value", []string{"history", "--since"}, []string{"--since needs a value"}},
		{"argument", []string{"history", "now"}, []string{`history takes no arguments, got "now"`}},
		{"history with demo", []string{"--demo", "history"}, []string{"--demo does not apply"}},
		{"unknown flag", []string{"history", "--all"}, []string{"unknown flag --all"}},
		{"retention two ages", []string{"history", "--retention", "2d,60d"}, []string{"--retention", "three ages"}},
		{"retention not an age", []string{"history", "--retention", "2d,often,2y"}, []string{`"often" is not an age`}},
		{"retention out of order", []string{"history", "--retention", "60d,2d,2y"}, []string{"hourly window must be at least"}},
		{"retention daily short", []string{"history", "--retention", "2d,60d,30d"}, []string{"daily window must be at least"}},
		{"record with demo", []string{"record", "--demo"}, []string{"demo engine is make-believe"}},
		{"record json", []string{"record", "--json"}, []string{"record prints nothing"}},
		{"record argument", []string{"record", "now"}, []string{`record takes no arguments, got "now"`}},
		{"record timeout", []string{"record", "--timeout", "0"}, []string{"--timeout: 0s is not a positive duration"}},
		{"record no engine", []string{"record", "-H", "unix://" + filepath.Join(t.TempDir(), "none.sock")}, []string{"cannot connect"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runArgs(t, tc.args...)
			assertOneLine(t, code, stderr, tc.want...)
			if stdout != "" {
				t.Errorf("stdout %q, want nothing", stdout)
			}
		})
	}
}

// addSamples writes samples of engines straight into the database.
func addSamples(t *testing.T, path string, smps ...model.Sample) {
	t.Helper()
	st, err := history.Open(path, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	for _, s := range smps {
		if err := st.AddSample(context.Background(), s); err != nil {
			t.Fatal(err)
		}
	}
}

func synthSample(eng model.EngineRef, at time.Time, imagesSize int64, repos ...model.RepoSample) model.Sample {
	return model.Sample{Time: at, Engine: eng, Repos: repos, Kinds: map[model.Kind]model.KindSample{
		model.KindImage:      {Total: len(repos), Size: imagesSize, Reclaimable: 0, Exact: 0},
		model.KindContainer:  {Total: 1, Size: 10, Reclaimable: 0, Exact: 0},
		model.KindVolume:     {Total: 1, Size: 20, Reclaimable: 0, Exact: 0},
		model.KindNetwork:    {Total: 3, Size: model.Unknown, Reclaimable: model.Unknown, Exact: model.Unknown},
		model.KindBuildCache: {Total: 0, Size: 0, Reclaimable: 0, Exact: 0},
	}}
}

func TestHistorySeveralEngines(t *testing.T) {
	db := historyState(t)
	cleanEnv(t)
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "none.sock"))
	a := model.EngineRef{ID: "AAAA:1111", Name: "build-box"}
	b := model.EngineRef{ID: "BBBB:2222", Name: "laptop"}
	now := time.Now().Truncate(time.Second)
	addSamples(t, db,
		synthSample(a, now.Add(-10*24*time.Hour), 1_000_000_000, model.RepoSample{Repo: "app", Tags: 1, Size: 1_000_000_000}),
		synthSample(a, now.Add(-time.Hour), 4_200_000_000, model.RepoSample{Repo: "app", Tags: 3, Size: 3_000_000_000}, model.RepoSample{Repo: "db", Tags: 1, Size: 1_200_000_000}),
		synthSample(b, now.Add(-2*time.Hour), 5_000),
	)

	code, _, errs := runArgs(t, "history")
	assertOneLine(t, code, errs, "2 engines", "--engine", "build-box", "laptop")

	code, out, errs := runArgs(t, "history", "--engine", "build-box")
	if code != 0 || errs != "" {
		t.Fatalf("--engine build-box: exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"Engine build-box (AAAA:1111)", "2 samples", "1GB", "4.2GB", "+3.2GB", "app", "2GB", "1 → 3", "db", "new", "none in the window"} {
		if !strings.Contains(out, want) {
			t.Errorf("history lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "laptop") {
		t.Errorf("the other engine's history shows:\n%s", out)
	}
	// By ID, and a window that holds only the newest sample.
	code, out, _ = runArgs(t, "history", "--engine", "AAAA:1111", "--since", "2d")
	if code != 0 || !strings.Contains(out, "1 samples") || !strings.Contains(out, "none grew") {
		t.Errorf("--since 2d: exit %d:\n%s", code, out)
	}
	code, _, errs = runArgs(t, "history", "--engine", "nope")
	assertOneLine(t, code, errs, "--engine nope: no such engine", "build-box", "laptop")
}

func TestHistoryRetentionFlag(t *testing.T) {
	db := historyState(t)
	cleanEnv(t)
	code, out, errs := runArgs(t, "history", "--retention", "1d,4w,1y")
	if code != 0 || errs != "" || !strings.Contains(out, "every sample for 1d") || !strings.Contains(out, "hour for 28d") || !strings.Contains(out, "day for 1y") {
		t.Fatalf("--retention: exit %d, stderr %q, stdout %q", code, errs, out)
	}
	st, err := history.Open(db, func(string) {})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := st.Retention(context.Background())
	want := model.Retention{All: 24 * time.Hour, Hourly: 28 * 24 * time.Hour, Daily: 365 * 24 * time.Hour}
	if err != nil || r != want {
		t.Errorf("stored retention %+v (%v), want %+v", r, err, want)
	}
}

func TestParseRetention(t *testing.T) {
	t.Parallel()
	day := 24 * time.Hour
	tests := []struct {
		in   string
		want model.Retention
		err  string
	}{
		{"2d,60d,2y", model.DefaultRetention, ""},
		{"0,0,1d", model.Retention{Daily: 24 * time.Hour}, ""},
		{"0,0,0", model.Retention{}, "would keep nothing"},
		{"12h, 2w, 1y", model.Retention{All: 12 * time.Hour, Hourly: 14 * day, Daily: 365 * day}, ""},
		{"2d,60d", model.Retention{}, "three ages"},
		{"2d,60d,2y,5y", model.Retention{}, "three ages"},
		{"2d,,2y", model.Retention{}, "is not an age"},
		{"2d,60d,forever", model.Retention{}, `"forever" is not an age`},
		{"3d,2d,2y", model.Retention{}, "hourly window"},
		{"2d,60d,30d", model.Retention{}, "daily window"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseRetention(tc.in)
			switch {
			case tc.err == "" && (err != nil || got != tc.want):
				t.Errorf("parseRetention(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Errorf("parseRetention(%q) error %v, want one mentioning %q", tc.in, err, tc.err)
			}
		})
	}
}

func TestCleanupBy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		source string
		rules  []string
		want   string
	}{
		{"/etc/p.yaml", []string{"old-images", "dangling", "old-images"}, "old-images, dangling"},
		{"one-off flags", []string{"dangling images"}, "bilge prune (one-off flags): dangling images"},
		{"/etc/p.yaml", nil, "bilge prune"},
	}
	for _, tc := range tests {
		if got := cleanupBy(tc.source, tc.rules); got != tc.want {
			t.Errorf("cleanupBy(%q, %q) = %q, want %q", tc.source, tc.rules, got, tc.want)
		}
	}
}

// TestHistoryUnwritable: a history bilge cannot create is one warning for
// bilge df, which prints and exits as ever, and the one-line failure of
// bilge record, whose only purpose it is.
func TestHistoryUnwritable(t *testing.T) {
	_, host := serveDemo(t, 1)
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("XDG_STATE_HOME", file)
	_, want, _ := runArgs(t, "df", "--demo", "--demo-seed", "1")
	code, out, errs := runArgs(t, "df", "-H", host)
	if code != 0 || out != want || strings.Count(errs, "\n") != 1 || !strings.HasPrefix(errs, "bilge: warning: history") || !strings.Contains(errs, "no sample recorded") {
		t.Errorf("df: exit %d, stderr %q, output same as without history: %v", code, errs, out == want)
	}
	code, out, errs = runArgs(t, "record", "-H", host)
	assertOneLine(t, code, errs, "history", file)
	if out != "" {
		t.Errorf("record printed %q", out)
	}
}
