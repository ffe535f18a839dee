package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"bilge/dockerapi/demo"
)

func TestFleetBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"unknown context", []string{"df", "--fleet", "default,prod"}, []string{`--fleet: there is no docker context "prod" (the contexts are default, x)`}},
		{"unknown context, = form", []string{"df", "--json", "--fleet=prod"}, []string{`there is no docker context "prod"`}},
		{"empty list", []string{"df", "--fleet="}, []string{"--fleet: an empty list of contexts", "such as a,b"}},
		{"empty list after the flag", []string{"df", "--fleet", ",", "--json"}, []string{"--fleet: an empty list of contexts"}},
		{"-v without --json", []string{"df", "--fleet", "-v"}, []string{"-v lists every object of one engine", "--json -v"}},
		{"unknown demo engine", []string{"df", "--demo", "--fleet", "demo-7"}, []string{`there is no docker context "demo-7" (the contexts are demo-0, demo-1, demo-2)`}},
		{"demo and host", []string{"df", "--demo", "--fleet", "-H", "unix:///x"}, []string{"--demo runs its own engine"}},
		{"a second argument", []string{"df", "--fleet", "x", "y"}, []string{`df takes no arguments, got "y"`}},
		{"prune, an argument", []string{"prune", "--fleet", "x", "all", "--dangling"}, []string{`prune takes no arguments, got "all"`}},
		{"prune, unknown context", []string{"prune", "--fleet", "prod", "--dangling"}, []string{`--fleet: there is no docker context "prod"`}},
		{"not for record", []string{"record", "--fleet"}, []string{"unknown flag --fleet"}},
		{"unknown --context", []string{"--context", "prod", "df", "--fleet"}, []string{`--context: context "prod" does not exist`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			config := cleanEnv(t)
			writeContext(t, config, "x", "unix:///nonexistent/x.sock")
			code, _, stderr := runArgs(t, tc.args...)
			assertOneLine(t, code, stderr, tc.want...)
		})
	}
}

// The demo fleet: three demo engines (seeds 0, 1, 2 by default), or a
// subset; every one answers, exit 0.
func TestFleetDemo(t *testing.T) {
	cleanEnv(t)
	code, out, stderr := runArgs(t, "df", "--demo", "--fleet")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || stderr != "" || len(lines) != 6 || !strings.HasPrefix(lines[4], "TOTAL   3 of 3 engines") {
		t.Fatalf("exit %d, stderr %q, output:\n%s", code, stderr, out)
	}
	for i, want := range []string{"demo-0 demo (seed 0) ok", "demo-1 demo (seed 1) ok", "demo-2 demo (seed 2) ok"} {
		if !strings.HasPrefix(strings.Join(strings.Fields(lines[i+1]), " "), want) {
			t.Errorf("row %d %q, want %q", i+1, lines[i+1], want)
		}
	}
	code, out, stderr = runArgs(t, "df", "--demo", "--demo-seed", "5", "--fleet", "demo-7,demo-5", "--json")
	var doc map[string]map[string]any
	if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil {
		t.Fatalf("exit %d, %v, stderr %q", code, err, stderr)
	}
	var keys []string
	for k, v := range doc {
		keys = append(keys, k)
		if v["error"] != nil || v["storage"] != "overlay2" || v["images"].(map[string]any)["reclaimableExact"] == nil {
			t.Errorf("%s: %v", k, v)
		}
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"demo-5", "demo-7"}) {
		t.Errorf("engines %v, want demo-5 and demo-7", keys)
	}
}

// Contexts of which one is not there: the others answer, the table and
// the JSON say why that one did not, exit 2 with one line on stderr.
func TestFleetSomeUnreachable(t *testing.T) {
	config := cleanEnv(t)
	hosts := map[string]string{}
	for i, name := range []string{"default", "alpha"} {
		d := demo.New(int64(i))
		host, err := d.Serve(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		hosts[name] = host
	}
	t.Setenv("DOCKER_HOST", hosts["default"]) // never the machine's socket
	writeContext(t, config, "alpha", hosts["alpha"])
	missing := filepath.Join(t.TempDir(), "gone.sock")
	writeContext(t, config, "gone", "unix://"+missing)

	code, out, stderr := runArgs(t, "df", "--fleet")
	if code != 2 || stderr != "bilge: 1 of 3 engines did not answer (their reasons are in the output)\n" {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(out, "\n")
	if len(lines) < 5 || !strings.HasPrefix(lines[1], "default") || !strings.HasPrefix(lines[2], "alpha") ||
		!strings.HasPrefix(lines[3], "TOTAL") || !strings.Contains(lines[3], "2 of 3 engines") ||
		!strings.HasPrefix(lines[4], "gone") || !strings.Contains(lines[4], "unreachable  cannot connect to the Docker engine at unix://"+missing) {
		t.Errorf("output:\n%s", out)
	}

	code, out, _ = runArgs(t, "df", "--fleet", "--json")
	var doc map[string]map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 2 {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if e, _ := doc["gone"]["error"].(string); !strings.Contains(e, missing) || doc["gone"]["endpoint"] != "unix://"+missing {
		t.Errorf("gone: %v", doc["gone"])
	}
	for _, n := range []string{"default", "alpha"} {
		if doc[n]["error"] != nil || doc[n]["endpoint"] != hosts[n] || doc[n]["images"] == nil {
			t.Errorf("%s: %v", n, doc[n])
		}
	}

	// Only the dead one: still a fleet that was listed, so exit 2.
	code, out, _ = runArgs(t, "df", "--fleet", "gone")
	if code != 2 || strings.Contains(out, "\nTOTAL") || !strings.Contains(out, "unreachable") {
		t.Errorf("exit %d:\n%s", code, out)
	}
}
