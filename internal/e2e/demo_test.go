package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bilge/internal/testbin"
)

// TestDemoEndToEnd runs `bilge --demo` with no Docker reachable at all and
// goes through what a newcomer would: browse, filter, mark, delete, read
// the before/after.
func TestDemoEndToEnd(t *testing.T) {
	t.Parallel()
	bin := testbin.Build(t)
	dir := t.TempDir()
	nowhere := "unix://" + filepath.Join(dir, "no-docker-here.sock")
	tm := startTerm(t, 140, 40, []string{"DOCKER_HOST=" + nowhere, "DOCKER_CONFIG=" + dir, "XDG_CACHE_HOME=" + dir}, bin, "--demo", "--demo-seed", "5")
	tm.waitText("● connected", 20*time.Second)
	tm.waitText("demo engine", 5*time.Second)

	tm.keys("1")
	tm.waitText("sizes from the engine", 20*time.Second)
	for _, tab := range []string{"3", "4", "5", "6", "2"} {
		tm.keys(tab)
	}
	tm.waitText("SIZE ▼", 5*time.Second)
	tm.keys("/")
	tm.text("is:dangling is:unused")
	tm.keys("Enter")
	// Until the footer stops offering "apply filter", the screen may show
	// the filter half-typed (on a loaded machine, is:dangling alone).
	scr := tm.waitFor("dangling rows", 10*time.Second, func(s string) bool {
		return strings.Contains(s, "dangling") && strings.Contains(s, " of ") && !strings.Contains(s, "apply filter")
	})
	if strings.Contains(scr, " unused ") || strings.Contains(scr, "in use ") || strings.Contains(scr, "stopped only") {
		t.Errorf("is:dangling shows other images:\n%s", scr)
	}
	tm.keys("Space", "Space", "Enter")
	tm.waitText("Layers", 5*time.Second)
	tm.keys("Escape", "d")
	tm.waitText("Delete 2 objects?", 5*time.Second)
	tm.keys("y")
	scr = tm.waitText("measured before and after", 30*time.Second)
	if !strings.Contains(scr, "2 deleted, 0 failed") {
		t.Fatalf("demo deletion did not finish cleanly:\n%s", scr)
	}
	if !strings.Contains(scr, "PREDICTED") || !strings.Contains(scr, "→") {
		t.Fatalf("no before/after:\n%s", scr)
	}
	tm.keys("q")
	tm.waitText("[bilge exited 0]", 10*time.Second)
}
