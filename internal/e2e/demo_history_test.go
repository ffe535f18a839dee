package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"bilge/internal/testbin"
)

// TestDemoHistoryEndToEnd: `bilge --demo` shows a generated history — the
// Overview's sparklines and changes, the History view (h) with its
// windows — records its own clean-up into it, and leaves nothing behind:
// no history.db in the user's state directory, no temporary directory.
func TestDemoHistoryEndToEnd(t *testing.T) {
	t.Parallel()
	bin := testbin.Build(t)
	dir := t.TempDir()
	state, tmp := filepath.Join(dir, "state"), filepath.Join(dir, "tmp")
	if err := os.MkdirAll(tmp, 0o700); err != nil {
		t.Fatal(err)
	}
	nowhere := "unix://" + filepath.Join(dir, "no-docker-here.sock")
	tm := startTerm(t, 120, 40, []string{"DOCKER_HOST=" + nowhere, "DOCKER_CONFIG=" + dir, "XDG_CACHE_HOME=" + dir, "XDG_STATE_HOME=" + state, "TMPDIR=" + tmp},
		bin, "--demo", "--demo-seed", "2")
	tm.waitText("● connected", 30*time.Second)
	scr := tm.waitFor("the Overview's sparklines", 120*time.Second, func(s string) bool {
		return strings.Contains(s, "SIZE, LAST 30 DAYS") && strings.Contains(s, "▁") && regexp.MustCompile(`[+-][0-9.]+[kMG]?B 7d`).MatchString(s)
	})
	if !strings.Contains(scr, "h history") {
		t.Errorf("the help line does not offer h:\n%s", scr)
	}
	tm.keys("h")
	scr = tm.waitText("Repositories that changed", 30*time.Second)
	for _, want := range []string{"last 30 days", "Clean-ups (", "SIZE OVER 30 DAYS", "esc close"} {
		if !strings.Contains(scr, want) {
			t.Errorf("the History view lacks %q:\n%s", want, scr)
		}
	}
	tm.keys("]")
	tm.waitText("last 90 days", 120*time.Second)
	tm.waitText("SIZE OVER 90 DAYS", 120*time.Second)
	cleanups := func(s string) string { return regexp.MustCompile(`Clean-ups \((\d+)\)`).FindStringSubmatch(s)[1] }
	tm.keys("[")
	before := cleanups(tm.waitText("SIZE OVER 30 DAYS", 30*time.Second))
	tm.keys("Escape")

	// A clean-up in the demo is recorded in its history.
	tm.keys("2", "/")
	tm.text("is:dangling is:unused")
	tm.keys("Enter")
	tm.waitFor("dangling rows", 10*time.Second, func(s string) bool { return strings.Contains(s, "dangling") && strings.Contains(s, " of ") })
	tm.keys("Space", "d")
	tm.waitText("Delete 1 object?", 5*time.Second)
	tm.keys("y")
	tm.waitText("measured before and after", 30*time.Second)
	tm.keys("h")
	scr = tm.waitFor("the demo's clean-up in the History view", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "Clean-ups (") && cleanups(s) != before
	})
	if !strings.Contains(scr, time.Now().Format("2006-01-02")) || !strings.Contains(scr, "interactive") {
		t.Errorf("the clean-up is not listed as today's, interactive:\n%s", scr)
	}
	tm.keys("q")
	tm.waitText("[bilge exited 0]", 30*time.Second)
	if _, err := os.Stat(filepath.Join(state, "bilge", "history.db")); !os.IsNotExist(err) {
		t.Errorf("the demo wrote the user's history: %v", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("the demo left %v in TMPDIR", left)
	}
}
