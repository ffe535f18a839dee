package e2e

import (
	"fmt"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var sessionSeq atomic.Int64

// term is the real bilge binary running in a tmux pane, driven as a user
// would: keys in, screen text out.
type term struct {
	t    *testing.T
	name string
	// state is bilge's XDG_STATE_HOME (the deletions log), when set.
	state string
}

func startTerm(t *testing.T, w, h int, env []string, args ...string) *term {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is needed for the UI tests (apt-get install tmux): %v", err)
	}
	name := fmt.Sprintf("bilge-e2e-%d-%d", time.Now().UnixNano()%1e6, sessionSeq.Add(1))
	cmdline := strings.Join(append(env, args...), " ")
	newSession := func() ([]byte, error) {
		return exec.Command("tmux", "new-session", "-d", "-s", name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
			"sh", "-c", cmdline+"; code=$?; echo; echo '[bilge exited '$code']'; sleep 600").CombinedOutput()
	}
	out, err := newSession()
	if err != nil && strings.Contains(string(out), "server exited unexpectedly") {
		// The shared tmux server was exiting (another test killed its
		// last session) as this one connected: a new server starts now.
		time.Sleep(200 * time.Millisecond)
		out, err = newSession()
	}
	if err != nil {
		t.Fatalf("tmux: %v: %s", err, out)
	}
	tm := &term{t: t, name: name}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", name).Run() })
	return tm
}

func (tm *term) keys(keys ...string) {
	tm.t.Helper()
	for _, k := range keys {
		if out, err := exec.Command("tmux", "send-keys", "-t", tm.name, k).CombinedOutput(); err != nil {
			tm.t.Fatalf("send-keys %q: %v: %s", k, err, out)
		}
		time.Sleep(60 * time.Millisecond)
		if k == "Escape" {
			// A lone ESC followed too soon by a key reads as alt+key
			// (on a loaded machine the two can arrive together): give
			// the terminal's input parser time to take it alone.
			time.Sleep(300 * time.Millisecond)
		}
	}
}

// text types literal text.
func (tm *term) text(s string) {
	tm.t.Helper()
	if out, err := exec.Command("tmux", "send-keys", "-t", tm.name, "-l", s).CombinedOutput(); err != nil {
		tm.t.Fatalf("send-keys -l: %v: %s", err, out)
	}
	time.Sleep(100 * time.Millisecond)
}

func (tm *term) screen() string {
	out, err := exec.Command("tmux", "capture-pane", "-p", "-t", tm.name).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("capture-pane: %v: %s", err, out)
	}
	return string(out)
}

// waitFor polls the screen until cond holds, failing with the last screen
// after timeout.
func (tm *term) waitFor(what string, timeout time.Duration, cond func(string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	var s string
	for time.Now().Before(deadline) {
		s = tm.screen()
		if cond(s) {
			return s
		}
		if strings.Contains(s, "[bilge exited") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	tm.t.Fatalf("waiting for %s: not seen within %s. Screen:\n%s", what, timeout, s)
	return s
}

func (tm *term) waitText(s string, timeout time.Duration) string {
	tm.t.Helper()
	return tm.waitFor(fmt.Sprintf("%q", s), timeout, func(scr string) bool { return strings.Contains(scr, s) })
}
