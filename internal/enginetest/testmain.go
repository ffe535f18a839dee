package enginetest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"bilge/internal/testbin"
)

// The daemon of this test process, started by Main.
var (
	mainMu     sync.Mutex
	mainDaemon *Daemon
	mainErr    error // why there is none
	mainRan    bool
)

// Main runs a test package against a daemon of its own. Call it from the
// package's TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(enginetest.Main(m)) }
//
// It starts a private dockerd of the engine BILGE_E2E_ENGINE names (see
// StartDaemon), exports its socket as DOCKER_HOST for the whole package
// (the bilge binaries the tests run inherit it; an inherited DOCKER_HOST
// or docker context is never used), puts the engine's directory first on
// PATH for Engine 29 (so `docker` is its CLI), prints one line saying
// which daemon the package uses, runs the tests and stops that daemon by
// its PID. When no daemon can be started, Require skips (fails with
// CI=true) and DOCKER_HOST points at a socket that does not exist.
//
// When BILGE_TEST_REPORT names a file, the line is appended to it too
// (make test prints it: go test hides a passing package's output).
func Main(m *testing.M) int {
	for _, k := range []string{"DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH"} {
		os.Unsetenv(k)
	}
	pkg := filepath.Base(os.Args[0])
	pkg = strings.TrimSuffix(pkg, ".test")

	// bilge's state, configuration and cache (the deletions log, the
	// history database, the layer cache) go to a directory of this test
	// process, removed when it ends: the bilge binaries the tests run
	// inherit it, so no test writes the user's real files.
	state, err := isolateXDG()
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", pkg, err)
		return 1
	}
	defer os.RemoveAll(state)

	mainMu.Lock()
	mainRan = true
	engine, err := EngineFromEnv()
	var d *Daemon
	if err == nil {
		d, err = StartDaemon(engine)
	}
	mainDaemon, mainErr = d, err
	mainMu.Unlock()

	var line string
	if d != nil {
		os.Setenv("DOCKER_HOST", d.Host())
		os.Setenv("PATH", d.PATH())
		line = fmt.Sprintf("%s: tests use their own daemon, %s", pkg, d)
	} else {
		// Never the inherited DOCKER_HOST, never /var/run/docker.sock.
		os.Setenv("DOCKER_HOST", "unix://"+filepath.Join(os.TempDir(), "bilge-no-test-daemon", "docker.sock"))
		line = fmt.Sprintf("%s: no test daemon (%v): tests that need one skip (fail with CI=true)", pkg, err)
	}
	fmt.Println(line)
	report(line)

	// Stop the daemon on ^C, SIGTERM or SIGHUP too, then exit 1.
	var closeOnce sync.Once
	stop := func() {
		closeOnce.Do(func() {
			if d == nil {
				return
			}
			if err := d.Close(); err != nil {
				fmt.Fprintf(os.Stderr, "%s: stopping the test daemon: %v\n", pkg, err)
			}
		})
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "%s: %v: stopping the test daemon\n", pkg, s)
		stop()
		os.Exit(1)
	}()

	code := m.Run()
	testbin.Remove()
	stop() // waits for a stop the signal began
	signal.Stop(sig)
	return code
}

// TestDaemon returns the daemon Main started for this test process, or
// skips the test (fails with CI=true) when there is none.
func TestDaemon(t testing.TB) *Daemon {
	t.Helper()
	mainMu.Lock()
	d, err, ran := mainDaemon, mainErr, mainRan
	mainMu.Unlock()
	if !ran {
		t.Fatal("enginetest: this package has no TestMain calling enginetest.Main: it would have no daemon of its own")
	}
	if d == nil {
		skipOrFail(t, err)
	}
	skipDockerOnly(t, d.engine)
	return d
}

// skipDockerOnly skips, on Podman, a test not written for it (its name
// does not say Podman). Explicit, in one place: the Docker tests assert
// Docker's own figures and words (BuildKit build cache, layer sizes as
// the files' bytes, network IDs in container lists, image names without
// localhost/, the engine's refusal texts). The TestPodman* tests state
// Podman's reference for each instead.
func skipDockerOnly(t testing.TB, engine string) {
	t.Helper()
	if engine == EnginePodman && !strings.Contains(t.Name(), "Podman") {
		t.Skip("Docker-only test skipped on podman: it asserts Docker's figures and words (BuildKit build cache, layer sizes as file bytes, container networks by ID, unqualified image names); the TestPodman* tests cover Podman")
	}
}

// DockerCLI returns a docker command of the CLI of the test daemon's
// generation (Daemon.CLI) talking to that daemon alone: DOCKER_HOST is its
// socket, and no context, API version or configuration of the user's
// applies. It skips the test when that CLI is not installed (fails with
// CI=true).
func DockerCLI(t testing.TB, args ...string) *exec.Cmd {
	t.Helper()
	d := TestDaemon(t)
	if _, err := os.Stat(d.CLI()); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the docker CLI of %s is not installed: %v", d.Engine(), err)
		}
		t.Skipf("skipping: the docker CLI of %s is not installed: %v (CI=true makes this a failure)", d.Engine(), err)
	}
	cmd := exec.Command(d.CLI(), args...)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DOCKER_") {
			env = append(env, kv)
		}
	}
	cmd.Env = append(env, "DOCKER_HOST="+d.Host(), "DOCKER_CONFIG="+filepath.Join(d.Dir(), "cli-config"))
	return cmd
}

// skipOrFail ends a test that has no daemon: a skip when the machine
// cannot run one (fails with CI=true) or none was asked for, a failure
// when one should have started.
func skipOrFail(t testing.TB, err error) {
	t.Helper()
	switch {
	case errors.Is(err, ErrEngineNone):
		t.Skipf("skipping: %v", err)
	case errors.Is(err, ErrNoDaemon) && os.Getenv("CI") != "true":
		t.Skipf("skipping: %v (CI=true makes this a failure)", err)
	}
	t.Fatalf("no test daemon: %v", err)
}

// KnownGap skips the test on the named engines only, for a figure of
// bilge's that is known to be wrong there; issue names the issue and the
// exact reason ("issue 11: …"). On every other engine the test runs.
func KnownGap(t testing.TB, issue string, engines ...string) {
	t.Helper()
	mainMu.Lock()
	d := mainDaemon
	mainMu.Unlock()
	if d == nil || !strings.HasPrefix(issue, "issue ") || len(engines) == 0 {
		if d == nil {
			return
		}
		t.Fatalf("enginetest.KnownGap: want an issue (\"issue N: reason\") and engines, got %q %v", issue, engines)
	}
	for _, e := range engines {
		if e == d.engine {
			t.Skipf("known gap on %s: %s", e, issue)
		}
	}
}

// StartTestDaemon starts a daemon of its own for one test (for a package
// without Main whose single test needs one) and stops it when the test
// ends. It skips the test when no daemon can be started (fails with
// CI=true).
func StartTestDaemon(t testing.TB) *Daemon {
	t.Helper()
	engine, err := EngineFromEnv()
	if err == nil {
		skipDockerOnly(t, engine)
	}
	var d *Daemon
	if err == nil {
		d, err = StartDaemon(engine)
	}
	if err != nil {
		skipOrFail(t, err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("stopping the test daemon: %v", err)
		}
	})
	t.Logf("test daemon: %s", d)
	report(fmt.Sprintf("%s: %s has its own daemon, %s", filepath.Base(os.Args[0]), t.Name(), d))
	return d
}

// report appends line to the file BILGE_TEST_REPORT names, if any.
func report(line string) {
	f := os.Getenv("BILGE_TEST_REPORT")
	if f == "" {
		return
	}
	if rf, err := os.OpenFile(f, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644); err == nil {
		fmt.Fprintln(rf, line)
		rf.Close()
	}
}

// isolateXDG points XDG_STATE_HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME at
// subdirectories of a new temporary directory, which it returns.
func isolateXDG() (string, error) {
	dir, err := os.MkdirTemp("", "bilge-test-xdg-")
	if err != nil {
		return "", err
	}
	for _, k := range []string{"XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"} {
		p := filepath.Join(dir, k)
		if err := os.Mkdir(p, 0o700); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
		os.Setenv(k, p)
	}
	return dir, nil
}
