package e2e

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"bilge/internal/testbin"
)

// resize makes the pane w×h, as a user resizing the terminal.
func (tm *term) resize(w, h int) {
	tm.t.Helper()
	if out, err := exec.Command("tmux", "resize-window", "-t", tm.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h)).CombinedOutput(); err != nil {
		tm.t.Fatalf("resize-window: %v: %s", err, out)
	}
}

var ofCount = regexp.MustCompile(`(\d+) of (\d+)`)

// TestDemoTooSmallKeysDoNothing: at 50×12 the screen says it is too small
// and `2 d y` must not delete the image the user never saw (issue 10,
// item 2); made bigger again, the Overview is still there and every image
// too.
func TestDemoTooSmallKeysDoNothing(t *testing.T) {
	t.Parallel()
	bin := testbin.Build(t)
	dir := t.TempDir()
	nowhere := "unix://" + filepath.Join(dir, "no-docker-here.sock")
	tm := startTerm(t, 120, 40, []string{"DOCKER_HOST=" + nowhere, "DOCKER_CONFIG=" + dir, "XDG_CACHE_HOME=" + dir}, bin, "--demo", "--demo-seed", "5")
	tm.waitText("● connected", 20*time.Second)
	tm.waitText("sizes from the engine", 20*time.Second)
	tm.keys("2")
	scr := tm.waitText("SIZE ▼", 5*time.Second)
	before := ofCount.FindString(scr)
	if before == "" {
		t.Fatalf("no image count:\n%s", scr)
	}
	tm.keys("1")
	tm.waitText("RECLAIMABLE", 5*time.Second)

	tm.resize(50, 12)
	tm.waitText("Terminal too small", 5*time.Second)
	tm.keys("2", "d", "y")
	if scr := tm.screen(); !strings.Contains(scr, "Terminal too small") {
		t.Fatalf("the too-small screen went away:\n%s", scr)
	}
	tm.resize(120, 40)
	scr = tm.waitText("RECLAIMABLE", 5*time.Second)
	if strings.Contains(scr, "Delete ") || strings.Contains(scr, "Last clean-up") || strings.Contains(scr, "Deleting") {
		t.Fatalf("keys acted behind the too-small screen:\n%s", scr)
	}
	tm.keys("2")
	scr = tm.waitText("SIZE ▼", 5*time.Second)
	if after := ofCount.FindString(scr); after != before {
		t.Fatalf("images %s before, %s after:\n%s", before, after, scr)
	}
	tm.keys("q")
	tm.waitText("[bilge exited 0]", 10*time.Second)
}
