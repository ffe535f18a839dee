package e2e

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"bilge/internal/testbin"
)

// terminalModes is what bilge must give back: the main screen, a visible
// cursor, no mouse tracking.
const terminalModes = "alt=#{alternate_on} cursor=#{cursor_flag} mouse=#{mouse_any_flag}#{mouse_button_flag}#{mouse_standard_flag}#{mouse_sgr_flag}"

// hungDemoRun starts bilge --demo with every container removal hanging
// (a frozen daemon), marks the stopped containers and confirms, and waits
// until the first removal is in flight.
func hungDemoRun(t *testing.T) *term {
	t.Helper()
	bin := testbin.Build(t)
	dir := t.TempDir()
	env := []string{"DOCKER_HOST=unix://" + filepath.Join(dir, "none.sock"), "DOCKER_CONFIG=" + dir, "XDG_CACHE_HOME=" + dir,
		"BILGE_DEMO_FAULTS='hang=DELETE /containers/'"}
	tm := startTerm(t, 140, 40, env, bin, "--demo", "--parallel", "1")
	tm.waitText("● connected", 20*time.Second)
	tm.keys("3", "/")
	tm.text("is:stopped")
	tm.keys("Enter", "*", "d")
	tm.waitText("Delete ", 10*time.Second)
	tm.keys("y")
	// The demo host starts containers now and then: one marked may be
	// running by now, and has its own step; leave it out.
	scr := tm.waitFor("the run or the running step", 10*time.Second, func(s string) bool {
		return strings.Contains(s, "Deleting ") || strings.Contains(s, "running container")
	})
	if !strings.Contains(scr, "Deleting ") {
		tm.keys("n")
	}
	tm.waitText("Deleting ░", 10*time.Second)
	if got := tm.display(terminalModes); !strings.HasPrefix(got, "alt=1") {
		t.Fatalf("bilge is not on the alternate screen: %s", got)
	}
	return tm
}

// TestSIGHUPDuringRunRestoresTerminal: the terminal going away (SIGHUP)
// mid-run gives the terminal back, tells on stderr what the clean-up did
// and what is in flight, and exits 129.
func TestSIGHUPDuringRunRestoresTerminal(t *testing.T) {
	t.Parallel()
	tm := hungDemoRun(t)
	must(t, syscall.Kill(tm.panePID(), syscall.SIGHUP))
	scr := tm.waitText("[bilge exited", 10*time.Second)
	flat := strings.Join(strings.Fields(scr), " ")
	for _, want := range []string{"[bilge exited 129]", "bilge: terminated by SIGHUP: clean-up of", "objects interrupted: 0 deleted (freed 0B)",
		"cancelled or never started; 1 in flight, outcome unknown (may be half-done): container "} {
		if !strings.Contains(flat, want) {
			t.Errorf("after SIGHUP the pane lacks %q:\n%s", want, scr)
		}
	}
	if got := tm.display(terminalModes); got != "alt=0 cursor=1 mouse=0000" {
		t.Errorf("terminal not restored after SIGHUP: %s", got)
	}
}

// TestSecondCtrlCQuitsWhileEngineHangs: esc and q y wait for the hung
// call; a second ctrl+c quits at once and says what is in flight.
func TestSecondCtrlCQuitsWhileEngineHangs(t *testing.T) {
	t.Parallel()
	tm := hungDemoRun(t)
	tm.keys("Escape")
	tm.waitText("cancelling… (in-flight deletions finish)", 10*time.Second)
	tm.keys("q")
	tm.waitText("Quit anyway?", 5*time.Second)
	tm.keys("y")
	tm.waitText("quitting after the calls in flight · ctrl+c quits now", 5*time.Second)
	tm.keys("C-c")
	scr := tm.waitText("[bilge exited", 10*time.Second)
	flat := strings.Join(strings.Fields(scr), " ")
	for _, want := range []string{"[bilge exited 1]", "bilge: clean-up of", "objects interrupted: 0 deleted", "1 in flight, outcome unknown (may be half-done): container "} {
		if !strings.Contains(flat, want) {
			t.Errorf("after ctrl+c the pane lacks %q:\n%s", want, scr)
		}
	}
	if got := tm.display(terminalModes); got != "alt=0 cursor=1 mouse=0000" {
		t.Errorf("terminal not restored: %s", got)
	}
}
