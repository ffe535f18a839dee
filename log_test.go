package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bilge/internal/deletionlog"
)

// TestLogCommand: bilge log shows the deletions log as a table, selects by
// age and engine, prints exact JSON, says how an empty log fills, and
// rejects bad flags with one line.
func TestLogCommand(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	cleanEnv(t)
	path := filepath.Join(state, "bilge", "deletions.jsonl")

	code, out, errs := runArgs(t, "log")
	if code != 0 || errs != "" || !strings.Contains(out, "nothing deleted is logged yet in "+path) || !strings.Contains(out, "bilge prune") {
		t.Errorf("empty log: %d %q %q", code, out, errs)
	}

	n := func(v int64) *int64 { return &v }
	now := time.Now().UTC()
	l := deletionlog.Open(path)
	err := l.Append(
		deletionlog.Entry{Time: now.Add(-10 * 24 * time.Hour), Engine: deletionlog.Engine{Name: "old-host", Host: "unix:///a.sock"}, Kind: "image",
			ID: "sha256:0123456789abcdef0123", Names: []string{"app:1"}, Size: n(1_500_000), Rule: "interactive"},
		deletionlog.Entry{Time: now.Add(-time.Hour), Engine: deletionlog.Engine{ID: "ID2", Name: "ci", Host: "tcp://ci:2376", Context: "ci"}, Kind: "volume",
			ID: "data\x1b[2J", Size: nil, Rule: "unused-anonymous-volumes"},
		deletionlog.Entry{Time: now.Add(-time.Minute), Engine: deletionlog.Engine{Name: "old-host", Host: "unix:///a.sock"}, Kind: "image",
			ID: "sha256:fedcba9876543210fedc", Size: n(2_000), Rule: "interactive"},
	)
	if err != nil {
		t.Fatal(err)
	}

	code, out, errs = runArgs(t, "log")
	if code != 0 || errs != "" {
		t.Fatalf("log: %d %q", code, errs)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("want a header, 3 entries and a total:\n%s", out)
	}
	for i, want := range [][]string{
		{"TIME", "ENGINE", "KIND", "NAME", "ID", "SIZE", "RULE"},
		{"old-host", "image", "app:1", "0123456789ab", "1.5MB", "interactive"},
		{"ci", "volume", `data\x1b[2J`, " - ", "?", "unused-anonymous-volumes"},
		{"old-host", "image", "<none>:<none>", "fedcba987654", "2kB", "interactive"},
		{"3 deletions, 1.502MB freed (and 1 of unknown size)"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d lacks %q:\n%s", i, w, out)
			}
		}
	}
	if strings.Contains(out, "\x1b") {
		t.Errorf("an escape reached the terminal:\n%q", out)
	}

	code, out, _ = runArgs(t, "log", "--since", "2d", "--engine", "old-host")
	if code != 0 || strings.Count(out, "\n") != 3 || !strings.Contains(out, "fedcba987654") {
		t.Errorf("--since 2d --engine old-host: want the one recent entry:\n%s", out)
	}
	code, out, _ = runArgs(t, "log", "--engine", "nope")
	if code != 0 || !strings.Contains(out, "none of the 3 logged deletions match") {
		t.Errorf("--engine nope: %q", out)
	}

	code, out, _ = runArgs(t, "log", "--json", "--engine", "ci")
	var got []deletionlog.Entry
	if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil || len(got) != 1 || got[0].ID != "data\x1b[2J" || got[0].Size != nil {
		t.Errorf("--json: %d %v %+v\n%s", code, err, got, out)
	}
	// docker --context ci bilge log runs bilge --context ci log.
	if code, out, _ = runArgs(t, "--context", "ci", "log"); code != 0 || strings.Count(out, "\n") != 3 || !strings.Contains(out, "unused-anonymous-volumes") {
		t.Errorf("--context ci log: want the one entry of context ci:\n%s", out)
	}
	if _, out, _ = runArgs(t, "log", "--json", "--engine", "nope"); strings.TrimSpace(out) != "[]" {
		t.Errorf("--json with nothing selected: %q, want []", out)
	}

	// A torn line is skipped with a warning; the rest shows.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"time":"2026-`)
	f.Close()
	code, out, errs = runArgs(t, "log")
	if code != 0 || strings.Count(out, "\n") != 5 || errs != "bilge: warning: "+path+": skipped 1 line that is not a deletion\n" {
		t.Errorf("torn line: %d %q\n%s", code, errs, out)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"log", "--since", "soon"}, `--since: "soon" is not an age such as 7d, 12h or 30m`},
		{[]string{"log", "--since", "0s"}, `--since: "0s" is not an age`},
		{[]string{"log", "--bogus"}, "unknown flag --bogus"},
		{[]string{"log", "--engine"}, "--engine needs a value"},
		{[]string{"log", "extra"}, `log takes no arguments, got "extra"`},
		{[]string{"--demo", "log"}, "--demo does not apply"},
		{[]string{"--context", "ci", "-H", "tcp://ci:2376", "log"}, "--context and --host cannot be used together"},
	} {
		code, _, errs := runArgs(t, c.args...)
		assertOneLine(t, code, errs, c.want)
	}
}
