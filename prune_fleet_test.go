package main

import (
	"context"
	"encoding/json"
	"maps"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bilge/dockerapi/demo"
	"bilge/internal/deletionlog"
)

// pruneFleetEngines serves demo engines as ordinary hosts behind docker
// contexts (their deletions are logged and recorded as a real engine's),
// plus a context "gone" whose socket does not exist. The default context
// is an engine of its own. It returns the engines by context name.
func pruneFleetEngines(t *testing.T, names ...string) map[string]*demo.Engine {
	t.Helper()
	config := cleanEnv(t)
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	engines := map[string]*demo.Engine{}
	for i, name := range names {
		d := demo.New(int64(10 + i))
		host, err := d.Serve(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { d.Close() })
		engines[name] = d
		if name == "default" {
			t.Setenv("DOCKER_HOST", host)
		} else {
			writeContext(t, config, name, host)
		}
	}
	writeContext(t, config, "gone", "unix://"+filepath.Join(t.TempDir(), "gone.sock"))
	return engines
}

// TestPruneFleet: one plan per engine, the dead one reported; one
// question naming the engines; deletions only on the engines asked for,
// each logged and recorded under its own engine.
func TestPruneFleet(t *testing.T) {
	engines := pruneFleetEngines(t, "default", "alpha", "beta")
	before := map[string]map[string]bool{}
	for n, d := range engines {
		before[n] = demoObjects(d)
	}
	unchanged := func(names ...string) {
		t.Helper()
		for _, n := range names {
			if got := demoObjects(engines[n]); !maps.Equal(got, before[n]) {
				t.Errorf("%s: %d objects, had %d", n, len(got), len(before[n]))
			}
		}
	}

	code, out, stderr := runArgs(t, "prune", "--fleet", "alpha,beta,gone", "--dangling", "--dry-run")
	if code != 2 || !strings.Contains(stderr, "1 of 3 engines did not answer") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("dry run: exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"== alpha · unix://", "== beta · unix://", "== gone · unix://", "unreachable: cannot connect to the Docker engine at unix://", "on 2 of 3 engines, frees ", "dangling images"} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "== default") {
		t.Errorf("the default context is not in alpha,beta,gone:\n%s", out)
	}
	unchanged("default", "alpha", "beta")

	withStdin(t, false, "")
	code, _, stderr = runArgs(t, "prune", "--fleet", "alpha,beta", "--dangling")
	assertOneLine(t, code, stderr, "no terminal")
	withStdin(t, true, "n\n")
	code, out, stderr = runArgs(t, "prune", "--fleet", "alpha,beta", "--dangling")
	assertOneLine(t, code, stderr, "not confirmed")
	if strings.Count(out, "[y/N]") != 1 || !strings.Contains(out, "on 2 engines: alpha (") || !strings.Contains(out, ", beta (") {
		t.Errorf("the question:\n%s", out)
	}
	unchanged("default", "alpha", "beta")

	// Yes: alpha and the default engine; beta is untouched.
	withStdin(t, true, "y\n")
	code, out, stderr = runArgs(t, "prune", "--fleet", "default,alpha", "--dangling", "--json")
	var doc map[string]struct {
		Endpoint, Error string
		pruneDoc
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || len(doc) != 2 {
		t.Fatalf("exit %d, stderr %q, %v:\n%s", code, stderr, err, out)
	}
	if !strings.Contains(stderr, "[y/N]") {
		t.Errorf("with --json the question goes to stderr: %q", stderr)
	}
	unchanged("beta")
	logged := loggedEngines(t)
	for _, n := range []string{"default", "alpha"} {
		e := doc[n]
		if e.Error != "" || len(e.Items) == 0 || len(e.Outcomes) != len(e.Items) || e.Measured == nil {
			t.Fatalf("%s: %+v", n, e)
		}
		after := demoObjects(engines[n])
		for _, it := range e.Items {
			if !before[n][it.Kind+" "+it.ID] || after[it.Kind+" "+it.ID] {
				t.Errorf("%s: planned %s %s: there before %v, after %v", n, it.Kind, it.ID, before[n][it.Kind+" "+it.ID], after[it.Kind+" "+it.ID])
			}
		}
		for _, oc := range e.Outcomes {
			if oc.Status != "deleted" {
				t.Errorf("%s: %+v", n, oc)
			}
		}
		if logged[e.Engine] != len(e.Items) {
			t.Errorf("%s: %d deletions logged for %s, want %d (%v)", n, logged[e.Engine], e.Engine, len(e.Items), logged)
		}
	}
	// Each engine's run is in the history: a sample before and one after,
	// and the clean-up (the demo engines share one identity, so one
	// history holds both runs).
	code, out, stderr = runArgs(t, "--context", "alpha", "history")
	if code != 0 || !strings.Contains(out, "4 samples") || !strings.Contains(out, "2 clean-ups freed") {
		t.Errorf("history: exit %d, stderr %q:\n%s", code, stderr, out)
	}
}

// loggedEngines counts the deletions log's entries by engine host.
func loggedEngines(t *testing.T) map[string]int {
	t.Helper()
	path, err := deletionlog.DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	entries, bad, err := deletionlog.Read(path)
	if err != nil || bad != 0 || len(entries) == 0 {
		t.Fatalf("%s: %d entries, %d lines that are not entries, %v", path, len(entries), bad, err)
	}
	n := map[string]int{}
	for _, e := range entries {
		n[e.Engine.Host]++
	}
	return n
}

// TestPruneFleetPartial: a deletion one engine refuses is that engine's
// failure; the other engine's plan still runs, and the exit status is 2.
func TestPruneFleetPartial(t *testing.T) {
	engines := pruneFleetEngines(t, "alpha", "beta")
	engines["alpha"].FailNext("DELETE", "/images/", 409, "conflict: image is being used by stopped container 3d9f", 1)
	code, out, stderr := runArgs(t, "prune", "--fleet", "alpha,beta", "--dangling", "-f")
	if code != 2 || !strings.Contains(stderr, "1 of ") || !strings.Contains(stderr, "did not go (on alpha)") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"== alpha: deleting ==", "== beta: deleting ==", "being used by stopped container", "Fleet: freed ", ", 1 did not go"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestPruneFleetNoneAnswers: a fleet where no engine answers is an error.
func TestPruneFleetNoneAnswers(t *testing.T) {
	pruneFleetEngines(t)
	code, out, stderr := runArgs(t, "prune", "--fleet", "gone", "--dangling", "-f")
	assertOneLine(t, code, stderr, "no engine of the fleet answered", "nothing deleted")
	if !strings.Contains(out, "unreachable: ") {
		t.Errorf("output:\n%s", out)
	}
	code, _, stderr = runArgs(t, "prune", "--fleet", "nosuch", "--dangling")
	assertOneLine(t, code, stderr, `no docker context "nosuch"`)
}

// TestPruneFleetDemo: the demo fleet plans on its three engines.
func TestPruneFleetDemo(t *testing.T) {
	cleanEnv(t)
	code, out, stderr := runArgs(t, "prune", "--demo", "--fleet", "--dangling", "--dry-run")
	if code != 0 || stderr != "" || !strings.Contains(out, "on 3 of 3 engines") || !strings.Contains(out, "== demo-2 · demo (seed 2) ==") {
		t.Errorf("exit %d, stderr %q:\n%s", code, stderr, out)
	}
}

// TestPruneFleetDeadline: an engine that does not answer within its
// deadline is reported with it; the others plan as usual.
func TestPruneFleetDeadline(t *testing.T) {
	engines := pruneFleetEngines(t, "alpha", "beta")
	engines["beta"].SetDiskUsageDelay(time.Minute)
	code, out, stderr := runArgs(t, "prune", "--fleet", "alpha,beta", "--dangling", "--dry-run", "--timeout", "5s")
	if code != 2 || !strings.Contains(stderr, "1 of 2 engines did not answer or could not delete (beta)") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"== beta · unix://", "unreachable: engine at unix://", "did not answer within 5s", "on 1 of 2 engines, frees ", "dangling images"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
