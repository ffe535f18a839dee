package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"bilge/dockerapi"
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
		{"unreachable socket", nil, []string{"df", "-H", "unix://" + missing}, []string{"cannot connect", missing, "is the daemon running"}},
		{"unreachable DOCKER_HOST", map[string]string{"DOCKER_HOST": "unix://" + missing}, []string{"df"}, []string{"DOCKER_HOST", missing}},
		{"refused tcp", nil, []string{"df", "--host", "tcp://127.0.0.1:1"}, []string{"cannot connect", "tcp://127.0.0.1:1"}},
		{"malformed DOCKER_HOST", map[string]string{"DOCKER_HOST": "not a url"}, []string{"df"}, []string{"DOCKER_HOST", "invalid docker host", "not a url"}},
		{"bad scheme", nil, []string{"df", "-H", "http://example:2375"}, []string{"invalid docker host", "tcp://example:2375"}},
		{"unknown context flag", nil, []string{"df", "--context", "nope"}, []string{`context "nope"`, "does not exist"}},
		{"unknown DOCKER_CONTEXT", map[string]string{"DOCKER_CONTEXT": "ghost"}, []string{"df"}, []string{`context "ghost"`, "does not exist"}},
		{"context and host", nil, []string{"df", "--context", "x", "-H", "unix:///x"}, []string{"cannot be used together"}},
		{"TLS files missing", map[string]string{"DOCKER_HOST": "tcp://127.0.0.1:2376", "DOCKER_TLS_VERIFY": "1", "DOCKER_CERT_PATH": missing}, []string{"df"}, []string{"TLS", "ca.pem", "DOCKER_CERT_PATH"}},
		{"unknown flag", nil, []string{"--frobnicate"}, []string{"frobnicate"}},
		{"unknown command", nil, []string{"rm"}, []string{`unknown command "rm"`}},
		{"bad interval", nil, []string{"--interval", "-1s", "df"}, []string{"--interval"}},
		{"interval not a duration", nil, []string{"--interval", "abc"}, []string{`--interval: "abc" is not a duration`}},
		{"interval without value", nil, []string{"--interval"}, []string{"--interval needs a value"}},
		{"parallel not a number", nil, []string{"--parallel", "four"}, []string{`--parallel: "four" is not a whole number`}},
		{"json not a bool", nil, []string{"df", "--json=maybe"}, []string{`--json: "maybe" is not true or false`}},
		{"two hosts", nil, []string{"df", "-H", "unix:///a", "-H", "unix:///b"}, []string{"only one --host"}},
		{"short flag", nil, []string{"-x"}, []string{"unknown flag -x"}},
		// The UI reports setup mistakes before it looks for a terminal
		// (tests run without one), so the user sees what is wrong first.
		{"UI: context and host", nil, []string{"--context", "x", "-H", "unix:///x"}, []string{"cannot be used together"}},
		{"UI: unknown context", nil, []string{"--context", "nope"}, []string{`context "nope"`, "does not exist"}},
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
	if code, out, _ := runArgs(t, "--help"); code != 0 || !strings.Contains(out, "bilge df") {
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
