package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"bilge/internal/testbin"
)

// panePID is the PID of the program the pane's shell runs (bilge).
func (tm *term) panePID() int {
	tm.t.Helper()
	sh := tm.display("#{pane_pid}")
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		kids, _ := os.ReadFile(filepath.Join("/proc", sh, "task", sh, "children"))
		if f := strings.Fields(string(kids)); len(f) > 0 {
			pid, err := strconv.Atoi(f[0])
			if err == nil {
				return pid
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	tm.t.Fatalf("no child of the pane's shell %s within 10s. Screen:\n%s", sh, tm.screen())
	return 0
}

// TestDemoUILeavesNoSocket: however the UI ends (q, SIGTERM, SIGINT, SIGHUP), the
// demo engine's socket directory is gone when bilge has exited.
func TestDemoUILeavesNoSocket(t *testing.T) {
	t.Parallel()
	bin := testbin.Build(t)
	for _, how := range []string{"q", "SIGTERM", "SIGINT", "SIGHUP"} {
		t.Run(how, func(t *testing.T) {
			tmp := t.TempDir()
			tm := startTerm(t, 120, 30, []string{"TMPDIR=" + tmp, "DOCKER_CONFIG=" + tmp, "XDG_CACHE_HOME=" + tmp}, bin, "--demo")
			tm.waitText("● connected", 20*time.Second)
			if left, _ := filepath.Glob(filepath.Join(tmp, "bilge-demo-*", "docker.sock")); len(left) != 1 {
				t.Fatalf("the demo socket is not in TMPDIR: %v", left)
			}
			switch how {
			case "q":
				tm.keys("q")
			case "SIGTERM":
				must(t, syscall.Kill(tm.panePID(), syscall.SIGTERM))
			case "SIGINT":
				must(t, syscall.Kill(tm.panePID(), syscall.SIGINT))
			case "SIGHUP":
				must(t, syscall.Kill(tm.panePID(), syscall.SIGHUP))
			}
			tm.waitText("[bilge exited", 10*time.Second)
			if left, _ := filepath.Glob(filepath.Join(tmp, "bilge-demo-*")); len(left) > 0 {
				t.Errorf("left behind after %s: %v", how, left)
			}
		})
	}
}
