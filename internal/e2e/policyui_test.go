package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"bilge/internal/enginetest"
	"bilge/model"
)

// TestUIPolicyPresetMatchesPruneDryRun: on a seeded state, the UI opened
// with --policy offers the policy in the presets menu with the same
// number of objects and the same exact bytes as `bilge prune --dry-run
// --json`; choosing it marks that many, freeing that much, and the marked
// rows show their rules (WHY column at 160 columns).
func TestUIPolicyPresetMatchesPruneDryRun(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	s := enginetest.Seed(t, e)
	t.Logf("run %s", s.RunID)
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte(prunePolicy(s)), 0o600); err != nil {
		t.Fatal(err)
	}
	dryRun := func() pruneDocJSON {
		t.Helper()
		code, out, stderr := runPrune(t, "--policy", policy, "--dry-run", "--json")
		if code != 0 || stderr != "" {
			t.Fatalf("dry run: exit %d, stderr %q", code, stderr)
		}
		d := pruneDoc(t, out)
		if d.Total.Pending || len(d.Items) == 0 {
			t.Fatalf("dry run: %d items, total %+v", len(d.Items), d.Total)
		}
		return d
	}
	dry := dryRun()
	n, frees := len(dry.Items), model.HumanSize(dry.Total.Bytes)
	t.Logf("bilge prune --dry-run: %d objects, %s (%d bytes)", n, frees, dry.Total.Bytes)

	tm := startBilge(t, e, "--policy", policy)
	// The row is computed when the menu opens: open it until the sizes
	// are in (no ≥) and the times the policy weighs are read.
	row := regexp.MustCompile(`P  policy: \S+\s+(\d+)\s+(\S+)\s+bilge prune --dry-run`)
	var m []string
	deadline := time.Now().Add(90 * time.Second)
	for {
		tm.keys("p")
		scr := tm.waitFor("the policy row", 30*time.Second, func(s string) bool {
			return row.MatchString(s) || strings.Contains(s, "cannot be used") || strings.Contains(s, "could not read")
		})
		m = row.FindStringSubmatch(scr)
		if m != nil && !strings.HasPrefix(m[2], "≥") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the policy row never had exact figures:\n%s", scr)
		}
		tm.keys("Escape")
		time.Sleep(500 * time.Millisecond)
	}
	if m[1] != strconv.Itoa(n) || m[2] != frees {
		t.Errorf("policy row: %s objects, frees %s; bilge prune --dry-run: %d, %s", m[1], m[2], n, frees)
	}
	tm.keys("P")
	status := tm.waitText("marked", 10*time.Second)
	if want := "+" + strconv.Itoa(n) + " marked, frees " + frees; !strings.Contains(status, want) {
		t.Errorf("status after P lacks %q:\n%s", want, status)
	}
	// The marked stopped containers show the rule that selected them.
	tm.keys("3")
	scr := tm.waitText("WHY", 10*time.Second)
	stopped := 0
	for _, l := range strings.Split(scr, "\n") {
		if strings.Contains(l, "●") && strings.HasSuffix(strings.TrimRight(l, " "), "  stopped") {
			stopped++
		}
	}
	if want := 3; stopped != want { // created, exited, failed (prunePlanWant)
		t.Errorf("%d marked container rows show the rule \"stopped\", want %d:\n%s", stopped, want, scr)
	}
	// The state did not change under the test: the plan is the same.
	if again := dryRun(); len(again.Items) != n || again.Total.Bytes != dry.Total.Bytes {
		t.Errorf("the plan changed during the test: %d objects, %d bytes", len(again.Items), again.Total.Bytes)
	}
}
