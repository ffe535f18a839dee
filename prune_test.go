package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bilge/dockerapi/demo"
)

// These tests change package state (stdin, the terminal check) and the
// environment: they do not run in parallel.

func writePolicy(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// serveDemo starts a demo engine for one test and returns its host.
func serveDemo(t *testing.T, seed int64) (*demo.Engine, string) {
	t.Helper()
	dir := cleanEnv(t)
	t.Setenv("XDG_CACHE_HOME", dir)
	ctx, cancel := context.WithCancel(context.Background())
	d := demo.New(seed)
	host, err := d.Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = d.Close() })
	return d, "unix://" + strings.TrimPrefix(host, "unix://")
}

func withStdin(t *testing.T, terminal bool, input string) {
	t.Helper()
	oldIn, oldTerm := stdin, stdinTerminal
	stdin = strings.NewReader(input)
	stdinTerminal = func() bool { return terminal }
	t.Cleanup(func() { stdin, stdinTerminal = oldIn, oldTerm })
}

func TestPruneBadInput(t *testing.T) {
	cleanEnv(t)
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	bad := writePolicy(t, "rules:\n  - remove: images\n    older: 7x\n")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"bad duration in the file", []string{"prune", "--demo", "--policy", bad}, []string{bad + ":3: rules[0].older:", `"7x" is not a duration`}},
		{"missing file", []string{"prune", "--demo", "--policy", "/nonexistent/p.yaml"}, []string{"/nonexistent/p.yaml: no such file"}},
		{"default file missing", []string{"prune", "--demo"}, []string{"bilge/policy.yaml: no such file"}},
		{"bad --older", []string{"prune", "--demo", "--older", "soon"}, []string{`--older: "soon" is not a duration`}},
		{"bad --max-size", []string{"prune", "--demo", "--max-size", "big"}, []string{`--max-size: "big" is not a size`}},
		{"bad --match", []string{"prune", "--demo", "--match", "app:[x"}, []string{`--match: invalid pattern "app:[x"`}},
		{"bad --keep-last", []string{"prune", "--demo", "--keep-last", "two"}, []string{"--keep-last"}},
		{"policy and flags", []string{"prune", "--demo", "--policy", bad, "--dangling"}, []string{"give --policy or one-off flags"}},
		{"dry run and force", []string{"prune", "--demo", "--dangling", "--dry-run", "-f"}, []string{"give one of them"}},
		{"argument", []string{"prune", "--demo", "--dangling", "all"}, []string{`prune takes no arguments, got "all"`}},
		{"unknown flag", []string{"prune", "--demo", "--all"}, []string{"unknown flag --all"}},
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

func TestPruneRefusesWithoutTerminal(t *testing.T) {
	d, host := serveDemo(t, 3)
	withStdin(t, false, "y\n")
	images := len(d.Images())
	code, stdout, stderr := runArgs(t, "prune", "-H", host, "--dangling")
	assertOneLine(t, code, stderr, "no terminal to ask on", "-f")
	if !strings.Contains(stdout, "dangling images") || strings.Contains(stdout, "deleted") {
		t.Errorf("stdout: want the plan and no deletion:\n%s", stdout)
	}
	if got := len(d.Images()); got != images {
		t.Errorf("%d images left of %d: something was deleted", got, images)
	}
}

func TestPruneAsksOnTerminal(t *testing.T) {
	d, host := serveDemo(t, 3)
	images := len(d.Images())
	withStdin(t, true, "n\n")
	code, stdout, stderr := runArgs(t, "prune", "-H", host, "--dangling")
	assertOneLine(t, code, stderr, "not confirmed")
	if !strings.Contains(stdout, "[y/N]") || len(d.Images()) != images {
		t.Errorf("asked %v, %d images of %d left", strings.Contains(stdout, "[y/N]"), len(d.Images()), images)
	}
	withStdin(t, true, "y\n")
	code, stdout, stderr = runArgs(t, "prune", "-H", host, "--dangling")
	if code != 0 || stderr != "" || !strings.Contains(stdout, "deleted  image") || !strings.Contains(stdout, "Measured:") {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
	if len(d.Images()) >= images {
		t.Errorf("%d images of %d left after yes", len(d.Images()), images)
	}
}

// pruneJSON runs bilge prune --json and decodes its document.
func pruneJSON(t *testing.T, args ...string) (int, pruneDoc, string) {
	t.Helper()
	code, stdout, stderr := runArgs(t, append([]string{"prune", "--json"}, args...)...)
	var doc pruneDoc
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("exit %d, stderr %q: not JSON: %v\n%s", code, stderr, err, stdout)
	}
	return code, doc, stderr
}

func TestPruneDryRunThenForce(t *testing.T) {
	d, host := serveDemo(t, 5)
	p := writePolicy(t, `keep-labels: ["keep=true"]
keep-last: 1
rules:
  - name: dangling
    remove: dangling
  - name: old unused
    remove: images
    older: 30d
  - name: stopped
    remove: containers
  - name: anonymous volumes
    remove: volumes
`)
	code, dry, stderr := pruneJSON(t, "-H", host, "--policy", p, "--dry-run")
	if code != 0 || stderr != "" || !dry.DryRun || len(dry.Items) == 0 || len(dry.Outcomes) != 0 || dry.Measured != nil {
		t.Fatalf("dry run: exit %d, stderr %q, %d items, %d outcomes", code, stderr, len(dry.Items), len(dry.Outcomes))
	}
	var sum int64
	rules := map[string]int{}
	for _, it := range dry.Items {
		sum += it.Bytes
		rules[it.Rule]++
	}
	if sum != dry.Total.Bytes {
		t.Errorf("lines add up to %d, total %d", sum, dry.Total.Bytes)
	}
	for _, r := range []string{"dangling", "old unused", "stopped", "anonymous volumes"} {
		if rules[r] == 0 {
			t.Errorf("no item of rule %q: %v", r, rules)
		}
	}
	before := demoObjects(d)
	code, done, stderr := pruneJSON(t, "-H", host, "--policy", p, "-f")
	if code != 0 || stderr != "" {
		t.Fatalf("prune -f: exit %d, stderr %q", code, stderr)
	}
	if len(done.Items) != len(dry.Items) || len(done.Outcomes) != len(done.Items) {
		t.Fatalf("dry run planned %d, -f planned %d and reported %d outcomes", len(dry.Items), len(done.Items), len(done.Outcomes))
	}
	for i, oc := range done.Outcomes {
		if oc.Status != "deleted" || oc.Rule == "" {
			t.Errorf("outcome %d: %+v", i, oc)
		}
	}
	// Exactly the planned objects went (images: the listed ones; an
	// image's hidden untagged parents go with it, as with docker rmi).
	want := map[string]bool{}
	for k := range before {
		want[k] = true
	}
	for _, it := range done.Items {
		if !want[it.Kind+" "+it.ID] {
			t.Errorf("planned %s %s was not there", it.Kind, it.ID)
		}
		delete(want, it.Kind+" "+it.ID)
	}
	after := demoObjects(d)
	for k := range want {
		if !after[k] {
			t.Errorf("%s went, not planned", k)
		}
	}
	for k := range after {
		if !want[k] {
			t.Errorf("%s stayed, planned", k)
		}
	}
	if done.Measured == nil || done.Measured.Freed <= 0 || done.Measured.Predicted != done.Total.Bytes {
		t.Errorf("measured %+v, total %d", done.Measured, done.Total.Bytes)
	}
}

// TestPrunePartialExitsTwo: an item the engine refuses is reported, the
// rest goes on, and the exit status is 2.
func TestPrunePartialExitsTwo(t *testing.T) {
	d, host := serveDemo(t, 3)
	d.FailNext("DELETE", "/images/", 409, "conflict: image is being used by stopped container 3d9f", 1)
	code, doc, stderr := pruneJSON(t, "-H", host, "--dangling", "-f")
	if code != 2 || !strings.Contains(stderr, "1 of ") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	failed := 0
	for _, oc := range doc.Outcomes {
		if oc.Status == "failed" {
			failed++
			if !strings.Contains(oc.Error, "being used by stopped container") {
				t.Errorf("failure without the engine's reason: %+v", oc)
			}
		}
	}
	if failed != 1 || len(doc.Outcomes) < 2 {
		t.Errorf("%d failed of %d outcomes", failed, len(doc.Outcomes))
	}
}

func TestPruneNothingToDo(t *testing.T) {
	_, host := serveDemo(t, 3)
	code, stdout, stderr := runArgs(t, "prune", "-H", host, "--match", "no-such-image:*", "-f")
	if code != 0 || stderr != "" || !strings.Contains(stdout, "Nothing to delete.") {
		t.Errorf("exit %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
}

// demoObjects are the demo engine's listed images, containers and volumes,
// as "kind id".
func demoObjects(d *demo.Engine) map[string]bool {
	m := map[string]bool{}
	for _, img := range d.Images() {
		if img.Listed {
			m["image "+img.ID] = true
		}
	}
	for _, c := range d.Containers() {
		m["container "+c.ID] = true
	}
	for _, v := range d.Volumes() {
		m["volume "+v.Name] = true
	}
	return m
}

// TestPruneMinFreeNotSeen: the demo engine's data root is not on this
// machine: min-free says it is not checked, and plans nothing for it.
func TestPruneMinFreeNotSeen(t *testing.T) {
	cleanEnv(t)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	code, doc, stderr := pruneJSON(t, "--demo", "--min-free", "1TB", "--dry-run")
	if code != 0 || stderr != "" || len(doc.Budgets) != 1 || doc.Budgets[0].Before != nil || !strings.Contains(doc.Budgets[0].Why, "not checked") || len(doc.Items) != 0 {
		t.Errorf("exit %d, stderr %q, budgets %+v, %d items", code, stderr, doc.Budgets, len(doc.Items))
	}
}
