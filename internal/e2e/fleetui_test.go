package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"bilge/dockerapi"
	"bilge/internal/enginetest"
	"bilge/internal/testbin"
	"bilge/model"
)

// fleetCells are the cells the Engines view shows for one engine's
// bilge df --json: each sized kind's SIZE/EXACT, then the total size and
// exact reclaimable. An exact figure df leaves null (pending, unknown)
// may read "-" or "≥…".
func fleetCells(t *testing.T, kinds map[string]kindDoc) []*regexp.Regexp {
	t.Helper()
	var out []*regexp.Regexp
	var size, exact int64
	exactKnown := true
	for _, k := range []string{"images", "containers", "volumes", "buildCache"} {
		d := kinds[k]
		var s int64
		if d.Size != nil {
			s = *d.Size
		}
		size += s
		e := `(-|≥\S+)`
		if d.ReclaimableExact != nil {
			e = regexp.QuoteMeta(model.HumanSizePrecision(*d.ReclaimableExact, 3))
			exact += *d.ReclaimableExact
		} else {
			exactKnown = false
		}
		out = append(out, regexp.MustCompile(`\s`+regexp.QuoteMeta(model.HumanSizePrecision(s, 3))+"/"+e+`\s`))
	}
	out = append(out, regexp.MustCompile(`\s`+regexp.QuoteMeta(model.HumanSizePrecision(size, 3))+`\s`))
	if exactKnown {
		out = append(out, regexp.MustCompile(`\s`+regexp.QuoteMeta(model.HumanSizePrecision(exact, 3))+`\s*$`))
	}
	return out
}

// engineRow is the Engines view's row of the engine called name.
func engineRow(scr, name string) string {
	for _, l := range strings.Split(scr, "\n") {
		if f := strings.Fields(strings.TrimLeft(l, " ▸")); len(f) > 0 && f[0] == name {
			return l
		}
	}
	return ""
}

// TestFleetUI drives bilge --fleet over two private daemons, reached
// through the contexts of a private docker config: the Engines view shows
// each engine's own bilge df --json figures; enter opens engine two, where
// a volume is marked and deleted through its tabs (the confirmation names
// the engine); engine one, which has a volume of the very same name, and
// every object seeded there, are untouched.
func TestFleetUI(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	engine, err := enginetest.EngineFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	second, err := enginetest.StartDaemon(engine)
	if err != nil {
		t.Fatalf("a second daemon: %v", err)
	}
	t.Cleanup(func() {
		if err := second.Close(); err != nil {
			t.Errorf("stop the second daemon: %v", err)
		}
	})
	s := enginetest.Seed(t, e)
	e2, err := enginetest.ConnectHost(second.Host())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The same volume name on both engines: a deletion on the wrong one
	// would show.
	vol := s.Prefix + "-fleetui"
	for _, en := range []*enginetest.Engine{e, e2} {
		if err := en.Do(ctx, http.MethodPost, "/volumes/create", nil, strings.NewReader(`{"Name":"`+vol+`"}`), nil); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _ = e.Do(context.Background(), http.MethodDelete, "/volumes/"+vol, nil, nil, nil) })

	config := t.TempDir()
	hosts := map[string]string{"one": e.Host(), "two": second.Host()}
	for name, host := range hosts {
		d := filepath.Join(config, "contexts", "meta", dockerapi.ContextDirName(name))
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		meta, _ := json.Marshal(map[string]any{"Name": name, "Endpoints": map[string]any{"docker": map[string]any{"Host": host}}})
		if err := os.WriteFile(filepath.Join(d, "meta.json"), meta, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	bin := testbin.Build(t)
	env := []string{"DOCKER_HOST=" + e.Host(), "DOCKER_CONTEXT=", "DOCKER_CONFIG=" + config, "XDG_CACHE_HOME=" + config, "XDG_STATE_HOME=" + config, "HOME=" + config}
	own := map[string]map[string]kindDoc{}
	for name := range hosts {
		cmd := exec.Command(bin, "df", "--json", "--context", name)
		cmd.Env = append(os.Environ(), env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("bilge df --json --context %s: %v", name, err)
		}
		own[name] = dfKinds(t, out)
	}

	tm := startTerm(t, 160, 45, env, bin, "--fleet", "one,two")
	tm.state = config
	scr := tm.waitText("● 2 connected", 60*time.Second)
	if !strings.Contains(scr, "2/2 answered") {
		t.Errorf("no totals:\n%s", scr)
	}
	for name := range hosts {
		row := engineRow(scr, name)
		if row == "" || !strings.Contains(row, "● connected") {
			t.Fatalf("no row for %s:\n%s", name, scr)
		}
		for _, re := range fleetCells(t, own[name]) {
			if !re.MatchString(row) {
				t.Errorf("%s's row lacks %s (its own bilge df --json):\n%s", name, re, row)
			}
		}
	}

	// Engine two's tabs: its one volume, marked and deleted.
	tm.keys("n") // by name: one, two
	tm.keys("End", "Enter")
	tm.waitText("context two", 30*time.Second)
	tm.waitText("● connected", 30*time.Second)
	filterAndMark(tm, "4", vol, false)
	tm.keys("d")
	tm.waitText("Delete 1 object on two?", 10*time.Second)
	tm.keys("y")
	tm.waitText("Delete 1 named volume and the data in it on two?", 10*time.Second)
	tm.keys("y")
	scr = tm.waitText("1 deleted, 0 failed", 60*time.Second)
	if exists(t, e2, "/volumes/"+vol) {
		t.Errorf("volume %s still on engine two:\n%s", vol, scr)
	}
	if !exists(t, e, "/volumes/"+vol) {
		t.Errorf("volume %s went from engine one: a deletion in two's tabs touched another engine", vol)
	}
	for role, img := range s.Images {
		if !exists(t, e, "/images/"+img.ID+"/json") {
			t.Errorf("engine one's image %s was deleted", role)
		}
	}
	for role, c := range s.Containers {
		if !exists(t, e, "/containers/"+c.ID+"/json") {
			t.Errorf("engine one's container %s was deleted", role)
		}
	}
	for role, v := range s.Volumes {
		if !exists(t, e, "/volumes/"+v.Name) {
			t.Errorf("engine one's volume %s was deleted", role)
		}
	}

	// Back to the Engines view (esc clears the filter first), measured
	// again: engine two without its volume; then q quits it all.
	tm.keys("Escape", "Escape")
	tm.waitText("open: two", 10*time.Second)
	cmd := exec.Command(bin, "df", "--json", "--context", "two")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("bilge df --json --context two: %v", err)
	}
	after := fleetCells(t, dfKinds(t, out))
	tm.keys("C-r")
	tm.waitFor("engine two measured again, as its bilge df --json", 60*time.Second, func(scr string) bool {
		row := engineRow(scr, "two")
		for _, re := range after {
			if !re.MatchString(row) {
				return false
			}
		}
		return true
	})
	tm.keys("q")
	tm.waitText("[bilge exited 0]", 20*time.Second)
}

// TestFleetUIDemo runs bilge --demo --fleet with no Docker reachable: the
// Engines view shows the three demo engines with bilge df --demo --fleet's
// very figures, opens one, goes back and quits.
func TestFleetUIDemo(t *testing.T) {
	t.Parallel()
	bin := testbin.Build(t)
	dir := t.TempDir()
	env := []string{"DOCKER_HOST=unix://" + filepath.Join(dir, "no-docker-here.sock"), "DOCKER_CONFIG=" + dir, "XDG_CACHE_HOME=" + dir, "XDG_STATE_HOME=" + dir, "HOME=" + dir}
	cmd := exec.Command(bin, "df", "--demo", "--fleet")
	cmd.Env = append(os.Environ(), env...)
	table, err := cmd.Output()
	if err != nil {
		t.Fatalf("bilge df --demo --fleet: %v", err)
	}
	tm := startTerm(t, 160, 40, env, bin, "--demo", "--fleet")
	scr := tm.waitText("● 3 connected", 60*time.Second)
	for _, l := range strings.Split(string(table), "\n") {
		f := strings.Fields(l)
		if len(f) < 10 || !strings.HasPrefix(f[0], "demo-") {
			continue
		}
		// ENGINE ENDPOINT(2 words + seed) STATE VERSION STORAGE then the
		// four kinds SIZE/EXACT and the total.
		row := engineRow(scr, f[0])
		kinds := f[len(f)-5 : len(f)-1]
		for _, c := range kinds {
			if !strings.Contains(row, " "+c+" ") && !strings.HasSuffix(row, " "+c) {
				t.Errorf("%s: the view lacks df's %s:\n%s", f[0], c, row)
			}
		}
		size, exact, _ := strings.Cut(f[len(f)-1], "/")
		if !strings.Contains(row, " "+size+" ") || !strings.HasSuffix(strings.TrimSpace(row), " "+exact) {
			t.Errorf("%s: the view lacks df's total %s/%s:\n%s", f[0], size, exact, row)
		}
	}
	tm.keys("Down", "Enter")
	tm.waitText("demo-1: demo (seed 1)", 30*time.Second)
	tm.waitText("esc engines", 10*time.Second)
	tm.keys("BSpace")
	tm.waitText("open: demo-1", 10*time.Second)
	tm.keys("q")
	tm.waitText("[bilge exited 0]", 20*time.Second)
}
