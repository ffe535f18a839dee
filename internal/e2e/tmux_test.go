package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// tmuxCallTimeout bounds every tmux command: a wedged client fails the test
// with what it was doing instead of hanging until go test's own timeout.
const tmuxCallTimeout = 15 * time.Second

// term is the real bilge binary running in a tmux pane, driven as a user
// would: keys in, screen text out. Each term has a tmux server of its own
// (its own socket, no configuration file read): no test can stop another's
// server, and the user's tmux is never touched.
type term struct {
	t    *testing.T
	name string // the session
	sock string // the private server's socket (tmux -S)
	// state is bilge's XDG_STATE_HOME (the deletions log), when set.
	state string

	mu     sync.Mutex
	server int // the tmux server's PID, once known
	closed bool
}

// tmuxCommand is a tmux command addressed to the server at sock only: the
// one place in this package that runs tmux.
func tmuxCommand(ctx context.Context, sock string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "tmux", append([]string{"-S", sock, "-f", "/dev/null"}, args...)...)
	cmd.Env = tmuxEnv()
	// A process holding tmux's output open cannot keep the call waiting.
	cmd.WaitDelay = 2 * time.Second
	return cmd
}

// tmuxEnv is this process's environment without what a surrounding tmux
// (the developer's own) sets: the test's tmux must not see it.
func tmuxEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "TMUX", "TMUX_PANE", "TMUX_TMPDIR":
			continue
		}
		env = append(env, kv)
	}
	return env
}

// runTmux runs one tmux command against sock, with a deadline.
func runTmux(sock string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), tmuxCallTimeout)
	defer cancel()
	out, err := tmuxCommand(ctx, sock, args...).CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("no answer within %s (%v)", tmuxCallTimeout, err)
	}
	return out, err
}

// tmux runs one tmux command against the term's own server.
func (tm *term) tmux(args ...string) ([]byte, error) { return runTmux(tm.sock, args...) }

func startTerm(t *testing.T, w, h int, env []string, args ...string) *term {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatalf("tmux is needed for the UI tests (apt-get install tmux): %v", err)
	}
	// The socket lives in a short directory of its own: a unix socket's
	// path is limited to about 107 bytes, which t.TempDir() can exceed.
	dir, err := os.MkdirTemp("/tmp", "bilge-tmux-")
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, name: "bilge", sock: filepath.Join(dir, "s")}
	t.Cleanup(func() {
		tm.close()
		_ = os.RemoveAll(dir)
	})
	cmdline := strings.Join(append(env, args...), " ")
	out, err := tm.tmux("new-session", "-d", "-s", tm.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h),
		"sh", "-c", cmdline+"; code=$?; echo; echo '[bilge exited '$code']'; exec sleep 600")
	if err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	out, err = tm.tmux("display-message", "-p", "-t", tm.name, "#{pid}")
	if err != nil {
		t.Fatalf("tmux server pid: %v: %s", err, out)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("tmux server pid %q: %v", out, err)
	}
	tm.mu.Lock()
	tm.server = pid
	tm.mu.Unlock()
	return tm
}

// close stops the term's own tmux server (its pane and bilge with it) and
// waits until the server process is gone; SIGKILL by its PID if it lingers.
// It never addresses any other tmux server.
func (tm *term) close() {
	tm.mu.Lock()
	defer tm.mu.Unlock()
	if tm.closed {
		return
	}
	tm.closed = true
	out, err := tm.tmux("kill-server")
	if tm.server == 0 {
		return
	}
	if !gone(tm.server, 5*time.Second) {
		tm.t.Logf("tmux server %d still there after kill-server (%v: %s): SIGKILL", tm.server, err, strings.TrimSpace(string(out)))
		_ = syscall.Kill(tm.server, syscall.SIGKILL)
		if !gone(tm.server, 5*time.Second) {
			tm.t.Errorf("tmux server %d survived SIGKILL", tm.server)
		}
	}
}

// gone waits until pid has exited (a zombie counts as exited: the server
// is not our child, init reaps it), for timeout at most.
func gone(pid int, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if errors.Is(err, os.ErrNotExist) {
			return true
		}
		// The state follows the command, which is in parentheses.
		if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && strings.HasPrefix(string(stat[i:]), ") Z") {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (tm *term) keys(keys ...string) {
	tm.t.Helper()
	for _, k := range keys {
		if out, err := tm.tmux("send-keys", "-t", tm.name, k); err != nil {
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
	if out, err := tm.tmux("send-keys", "-t", tm.name, "-l", s); err != nil {
		tm.t.Fatalf("send-keys -l: %v: %s", err, out)
	}
	time.Sleep(100 * time.Millisecond)
}

func (tm *term) screen() string {
	tm.t.Helper()
	out, err := tm.tmux("capture-pane", "-p", "-t", tm.name)
	if err != nil {
		tm.t.Fatalf("capture-pane: %v: %s", err, out)
	}
	return string(out)
}

// display reads tmux's view of the pane (a #{…} format).
func (tm *term) display(format string) string {
	tm.t.Helper()
	out, err := tm.tmux("display-message", "-p", "-t", tm.name, format)
	if err != nil {
		tm.t.Fatalf("display-message: %v: %s", err, out)
	}
	return strings.TrimSpace(string(out))
}

// resize makes the pane w×h, as a user resizing the terminal.
func (tm *term) resize(w, h int) {
	tm.t.Helper()
	if out, err := tm.tmux("resize-window", "-t", tm.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h)); err != nil {
		tm.t.Fatalf("resize-window: %v: %s", err, out)
	}
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
