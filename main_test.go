package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"bilge/dockerapi"
	"bilge/dockerapi/demo"
	"bilge/internal/testbin"
)

// cleanEnv points every docker setting somewhere empty so the developer's
// own configuration cannot leak into a test.
func cleanEnv(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []string{"DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH", "DOCKER_API_VERSION"} {
		t.Setenv(k, "")
	}
	t.Setenv("DOCKER_CONFIG", dir)
	return dir
}

func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// assertOneLine checks the failure is one clear line naming what matters.
func assertOneLine(t *testing.T, code int, stderr string, want ...string) {
	t.Helper()
	if code != 1 {
		t.Errorf("exit code = %d, want 1", code)
	}
	if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "bilge: ") {
		t.Errorf("want one line starting with 'bilge: ', got %q", stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q does not mention %q", stderr, w)
		}
	}
	if strings.Contains(stderr, "goroutine") || strings.Contains(stderr, "panic") {
		t.Errorf("stack trace in %q", stderr)
	}
}

func TestBadInput(t *testing.T) {
	missing := filepath.Join(os.TempDir(), "bilge-no-such-dir", "docker.sock")
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"unreachable socket", nil, []string{"df", "-H", "unix://" + missing}, []string{"cannot connect", missing, "is the daemon running", "try bilge --demo"}},
		{"unreachable DOCKER_HOST", map[string]string{"DOCKER_HOST": "unix://" + missing}, []string{"df"}, []string{"DOCKER_HOST", missing}},
		{"refused tcp", nil, []string{"df", "--host", "tcp://127.0.0.1:1"}, []string{"cannot connect", "tcp://127.0.0.1:1"}},
		{"policy with df", nil, []string{"--policy", "p.yaml", "df", "--demo"}, []string{"--policy is for the UI and bilge prune"}},
		{"malformed DOCKER_HOST", map[string]string{"DOCKER_HOST": "not a url"}, []string{"df"}, []string{"DOCKER_HOST", "invalid docker host", "not a url"}},
		{"bad scheme", nil, []string{"df", "-H", "http://example:2375"}, []string{"invalid docker host", "tcp://example:2375"}},
		{"unknown context flag", nil, []string{"df", "--context", "nope"}, []string{`context "nope"`, "does not exist"}},
		{"unknown DOCKER_CONTEXT", map[string]string{"DOCKER_CONTEXT": "ghost"}, []string{"df"}, []string{`context "ghost"`, "does not exist"}},
		{"context and host", nil, []string{"df", "--context", "x", "-H", "unix:///x"}, []string{"cannot be used together"}},
		{"TLS files missing", map[string]string{"DOCKER_HOST": "tcp://127.0.0.1:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": missing}, []string{"df"}, []string{"TLS", "ca.pem", "DOCKER_CERT_PATH"}},
		{"unknown flag", nil, []string{"--frobnicate"}, []string{"frobnicate"}},
		{"unknown command", nil, []string{"rm"}, []string{`unknown command "rm"`}},
		{"bad interval", nil, []string{"--interval", "-1s", "df"}, []string{"--interval"}},
		{"interval too short", nil, []string{"--interval", "1ns", "df"}, []string{"--interval: 1ns is too short", "at least 250ms"}},
		{"interval just too short", nil, []string{"--interval=249ms"}, []string{"--interval: 249ms is too short"}},
		{"timeout not a duration", nil, []string{"df", "--timeout", "soon"}, []string{`--timeout: "soon" is not a duration`}},
		{"timeout zero", nil, []string{"df", "--timeout", "0"}, []string{"--timeout: 0s is not a positive duration"}},
		{"timeout negative", nil, []string{"df", "--timeout=-5s"}, []string{"--timeout: -5s is not a positive duration"}},
		{"timeout is a df flag", nil, []string{"--timeout", "5s", "df"}, []string{"unknown flag --timeout"}},
		{"unresolvable DOCKER_HOST", map[string]string{"DOCKER_HOST": "garbage.invalid"}, []string{"df"}, []string{`cannot resolve host "garbage.invalid"`, "tcp://garbage.invalid:2375", "DOCKER_HOST"}},
		{"interval not a duration", nil, []string{"--interval", "abc"}, []string{`--interval: "abc" is not a duration`}},
		{"interval without value", nil, []string{"--interval"}, []string{"--interval needs a value"}},
		{"parallel not a number", nil, []string{"--parallel", "four"}, []string{`--parallel: "four" is not a whole number`}},
		{"json not a bool", nil, []string{"df", "--json=maybe"}, []string{`--json: "maybe" is not true or false`}},
		{"two hosts", nil, []string{"df", "-H", "unix:///a", "-H", "unix:///b"}, []string{"only one --host"}},
		{"short flag", nil, []string{"-x"}, []string{"unknown flag -x"}},
		{"demo-seed without demo", nil, []string{"--demo-seed", "3", "df"}, []string{"--demo-seed", "with --demo"}},
		{"df: demo-seed without demo", nil, []string{"df", "--demo-seed=3"}, []string{"--demo-seed", "with --demo"}},
		{"UI: demo-seed without demo", nil, []string{"--demo-seed", "3"}, []string{"--demo-seed", "with --demo"}},
		{"demo-seed not a number", nil, []string{"--demo", "--demo-seed", "x"}, []string{`--demo-seed: "x" is not a whole number`}},
		{"df: demo and host", nil, []string{"df", "--demo", "-H", "unix:///x"}, []string{"--demo runs its own engine"}},
		// The UI reports setup mistakes before it looks for a terminal
		// (tests run without one), so the user sees what is wrong first.
		{"UI: context and host", nil, []string{"--context", "x", "-H", "unix:///x"}, []string{"cannot be used together"}},
		{"UI: unknown context", nil, []string{"--context", "nope"}, []string{`context "nope"`, "does not exist"}},
		{"UI: missing policy file", nil, []string{"--demo", "--policy", missing + ".yaml"}, []string{missing + ".yaml: no such file"}},
		{"UI: malformed host", nil, []string{"-H", "nonsense://x"}, []string{"invalid docker host"}},
		{"UI: no terminal", nil, []string{"-H", "unix://" + missing}, []string{"needs a terminal", "bilge df"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cleanEnv(t)
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			code, _, stderr := runArgs(t, tc.args...)
			assertOneLine(t, code, stderr, tc.want...)
		})
	}
}

func TestCurrentContextFromConfig(t *testing.T) {
	dir := cleanEnv(t)
	missing := filepath.Join(t.TempDir(), "gone.sock")
	writeContext(t, dir, "work", "unix://"+missing)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"currentContext":"work"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runArgs(t, "df")
	assertOneLine(t, code, stderr, missing, `context "work"`)
}

func writeContext(t *testing.T, cfgDir, name, host string) {
	t.Helper()
	d := filepath.Join(cfgDir, "contexts", "meta", dockerapi.ContextDirName(name))
	if err := os.MkdirAll(d, 0o700); err != nil {
		t.Fatal(err)
	}
	meta := `{"Name":"` + name + `","Metadata":{},"Endpoints":{"docker":{"Host":"` + host + `","SkipTLSVerify":false}}}`
	if err := os.WriteFile(filepath.Join(d, "meta.json"), []byte(meta), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestVersionAndHelp(t *testing.T) {
	cleanEnv(t)
	if code, out, _ := runArgs(t, "--version"); code != 0 || !strings.HasPrefix(out, "bilge ") {
		t.Errorf("--version: code %d, out %q", code, out)
	}
	if code, out, _ := runArgs(t, "--help"); code != 0 || !strings.Contains(out, "bilge df") || !strings.Contains(out, "--timeout DURATION") || !strings.Contains(out, "ssh://") {
		t.Errorf("--help: code %d, out %q", code, out)
	}
}

// TestPermissionDenied runs the real binary as an unprivileged user against
// a socket only root may open.
func TestPermissionDenied(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to switch to an unprivileged user")
	}
	bin := testbin.Build(t)
	dir, err := os.MkdirTemp("", "bilge-perm-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := os.Chmod(sock, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "df", "-H", "unix://"+sock)
	cmd.Env = []string{"HOME=" + dir, "PATH=/usr/bin:/bin"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	assertOneLine(t, code, stderr.String(), "permission denied", sock, "docker group")
}

// TestIntervalMinimumAccepted: the shortest allowed --interval gets past
// validation (to the missing terminal).
func TestIntervalMinimumAccepted(t *testing.T) {
	cleanEnv(t)
	code, _, stderr := runArgs(t, "--interval", "250ms", "-H", "unix:///nonexistent.sock")
	assertOneLine(t, code, stderr, "needs a terminal")
}

// stallServer listens on a unix socket in dir. It answers /_ping and
// /version as an engine does when answerPing is set, and nothing else,
// ever: the connection stays open without a reply, as from an engine that
// hangs (or was stopped with SIGSTOP) after accepting it.
func stallServer(t *testing.T, answerPing bool) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		switch {
		case answerPing && r.URL.Path == "/_ping":
			w.Write([]byte("OK"))
			return
		case answerPing && strings.HasSuffix(r.URL.Path, "/version"):
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"Version":"20.10.24","ApiVersion":"1.41","Os":"linux","Arch":"amd64"}`))
			return
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})}
	go srv.Serve(l)
	t.Cleanup(func() {
		close(release)
		srv.Close()
	})
	return "unix://" + sock
}

// runBin runs the built binary with a generous outer deadline, so a hang
// fails the test instead of hanging it; the deadline is not what is tested.
func runBin(t *testing.T, env []string, args ...string) (int, string, string) {
	t.Helper()
	bin := testbin.Build(t)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("bilge %v did not finish: it hangs", args)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// TestDFTimeoutNamesTheCall: bilge df against an engine that stops
// answering ends within --timeout, with one line naming the engine and
// the call that did not answer.
func TestDFTimeoutNamesTheCall(t *testing.T) {
	cfg := t.TempDir()
	env := []string{"DOCKER_CONFIG=" + cfg, "XDG_CACHE_HOME=" + cfg, "DOCKER_HOST=", "DOCKER_CONTEXT="}
	t.Run("stalls after ping", func(t *testing.T) {
		host := stallServer(t, true)
		code, stdout, stderr := runBin(t, env, "df", "--timeout", "1s", "-H", host)
		assertOneLine(t, code, stderr, "engine at "+host+": GET /", "did not answer within 1s", "--timeout")
		if stdout != "" {
			t.Errorf("printed a report anyway: %q", stdout)
		}
	})
	t.Run("never answers", func(t *testing.T) {
		host := stallServer(t, false)
		code, _, stderr := runBin(t, env, "df", "--timeout", "1s", "-H", host)
		assertOneLine(t, code, stderr, "engine at "+host+": HEAD /_ping did not answer within 1s")
	})
}

// TestDFTimeoutNamesDiskUsage: the demo engine answers everything but
// system df, which it leaves hanging; the line names that call.
func TestDFTimeoutNamesDiskUsage(t *testing.T) {
	dir := cleanEnv(t)
	t.Setenv("XDG_CACHE_HOME", dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := demo.New(1, demo.WithScale(10, 5, 3))
	host, err := d.Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	d.Stall("/system/df")
	code, stdout, stderr := runArgs(t, "df", "--timeout", "1s", "-H", host)
	assertOneLine(t, code, stderr, "engine at "+host+": GET /system/df did not answer within 1s")
	if stdout != "" {
		t.Errorf("printed a report anyway: %q", stdout)
	}
	if d.Requests("GET", "/images/json") == 0 {
		t.Error("the lists were not read before system df")
	}
}

// TestMalformedDockerConfig: like the docker CLI, a docker config that is
// not JSON is one warning when the engine is named otherwise, and an
// error (one clear line) only when bilge needs it to find the context.
func TestMalformedDockerConfig(t *testing.T) {
	dir := cleanEnv(t)
	t.Setenv("XDG_CACHE_HOME", dir)
	cfg := filepath.Join(dir, "config.json")
	if err := os.WriteFile(cfg, []byte(`{"currentContext": "work",`), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := demo.New(2, demo.WithScale(5, 3, 2))
	host, err := d.Serve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()

	for _, sel := range []struct {
		name string
		env  string
		args []string
	}{
		{"DOCKER_HOST", host, []string{"df", "--json"}},
		{"--host", "", []string{"df", "--json", "-H", host}},
	} {
		t.Run(sel.name, func(t *testing.T) {
			t.Setenv("DOCKER_HOST", sel.env)
			code, stdout, stderr := runArgs(t, sel.args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.HasPrefix(stdout, "{") {
				t.Errorf("no report: %q", stdout)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "bilge: warning: ") ||
				!strings.Contains(stderr, cfg) || !strings.Contains(stderr, "not valid JSON") || !strings.Contains(stderr, sel.name) {
				t.Errorf("want one warning line naming %s and %s, got %q", cfg, sel.name, stderr)
			}
		})
	}
	t.Run("needed for the context", func(t *testing.T) {
		code, _, stderr := runArgs(t, "df")
		assertOneLine(t, code, stderr, cfg, "not valid JSON", "current docker context", "--host", "--context")
	})
	t.Run("unreadable", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads any file")
		}
		if err := os.Chmod(cfg, 0); err != nil {
			t.Fatal(err)
		}
		code, _, stderr := runArgs(t, "df")
		assertOneLine(t, code, stderr, cfg, "cannot read")
	})
}

// TestDemoLeavesNoSocket: bilge df --demo removes its socket directory
// before it exits, every time (it used to be left behind in 2 runs of 10:
// the removal raced the process exit).
func TestDemoLeavesNoSocket(t *testing.T) {
	tmp := t.TempDir()
	env := []string{"TMPDIR=" + tmp, "DOCKER_CONFIG=" + tmp, "XDG_CACHE_HOME=" + tmp}
	for i := range 10 {
		code, stdout, stderr := runBin(t, env, "df", "--demo", "--demo-seed", "1")
		if code != 0 || !strings.Contains(stdout, "Images") {
			t.Fatalf("run %d: exit %d, %q %q", i, code, stdout, stderr)
		}
		left, _ := filepath.Glob(filepath.Join(tmp, "bilge-demo-*"))
		if len(left) > 0 {
			t.Fatalf("run %d left %v behind", i, left)
		}
	}
}

// TestDFIntoClosedPipe: `bilge df --demo -v | head -1` — the reader goes
// away mid-output. bilge stops quietly with 141 (as a process killed by
// SIGPIPE), and its clean-up still runs: the demo socket is gone.
func TestDFIntoClosedPipe(t *testing.T) {
	tmp := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, testbin.Build(t), "df", "--demo", "-v")
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "DOCKER_CONFIG="+tmp, "XDG_CACHE_HOME="+tmp)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = w, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	line := make([]byte, 1)
	if _, err := r.Read(line); err != nil {
		t.Fatalf("no output: %v", err)
	}
	r.Close() // the reader goes away with nearly all of -v unread
	err = cmd.Wait()
	if ctx.Err() != nil {
		t.Fatal("bilge df hangs on a closed pipe")
	}
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != 141 {
		t.Errorf("exit: %v, want status 141", err)
	}
	if stderr.Len() > 0 {
		t.Errorf("a closed pipe is not an error to report: %q", stderr.String())
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "bilge-demo-*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
}
