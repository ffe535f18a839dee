package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"bilge/internal/enginetest"
	"bilge/internal/testbin"
)

// TestDockerPlugin runs bilge through the engine's own docker CLI as a
// plugin (docker-bilge in a private config dir's cli-plugins, never the
// user's ~/.docker): the CLI lists it, `docker bilge df` prints what
// `bilge df` prints, and the engine chosen with docker's --context or -H
// is the one reached.
func TestDockerPlugin(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	enginetest.Seed(t, e)
	bin := testbin.Build(t)
	cfg := t.TempDir()
	if err := os.MkdirAll(filepath.Join(cfg, "cli-plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(cfg, "cli-plugins", "docker-bilge")); err != nil {
		t.Fatal(err)
	}
	// Without the flags, the CLI and bilge would try this socket: nothing.
	nowhere := "unix://" + filepath.Join(cfg, "nothing.sock")
	docker := func(host string, args ...string) (string, error) {
		t.Helper()
		cmd := enginetest.DockerCLI(t, args...)
		cmd.Env = append(cmd.Env, "DOCKER_CONFIG="+cfg, "DOCKER_HOST="+host, "XDG_CACHE_HOME="+cfg, "XDG_STATE_HOME="+cfg)
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return string(out), &cliError{err, stderr.String()}
		}
		return string(out), nil
	}

	help, err := docker(e.Host(), "--help")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(help, "bilge*") || !strings.Contains(help, "See where Docker's disk space went") {
		t.Errorf("docker --help does not list the plugin:\n%s", help)
	}

	cmd := exec.Command(bin, "df")
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+e.Host(), "DOCKER_CONTEXT=", "DOCKER_CONFIG="+cfg, "XDG_CACHE_HOME="+cfg)
	want, err := cmd.Output()
	if err != nil {
		t.Fatalf("bilge df: %v", err)
	}
	got, err := docker(e.Host(), "bilge", "df")
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("docker bilge df:\n%s\nbilge df:\n%s", got, want)
	}

	if _, err := docker(e.Host(), "context", "create", "bilge-e2e", "--docker", "host="+e.Host()); err != nil {
		t.Fatal(err)
	}
	// A second config directory, named with docker's --config, holds the
	// plugin and a context the first does not have.
	cfg2 := t.TempDir()
	if err := os.MkdirAll(filepath.Join(cfg2, "cli-plugins"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(cfg2, "cli-plugins", "docker-bilge")); err != nil {
		t.Fatal(err)
	}
	if _, err := docker(e.Host(), "--config", cfg2, "context", "create", "bilge-e2e-2", "--docker", "host="+e.Host()); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name    string
		args    []string
		context string
	}{
		{"--context", []string{"--context", "bilge-e2e", "bilge", "df", "--json"}, "bilge-e2e"},
		{"-c", []string{"-c", "bilge-e2e", "bilge", "df", "--json"}, "bilge-e2e"},
		{"--config", []string{"--config", cfg2, "--context", "bilge-e2e-2", "bilge", "df", "--json"}, "bilge-e2e-2"},
		{"-H", []string{"-H", e.Host(), "bilge", "df", "--json"}, ""},
		{"--host=", []string{"--host=" + e.Host(), "bilge", "df", "--json"}, ""},
	} {
		out, err := docker(nowhere, c.args...)
		if err != nil {
			t.Errorf("docker %s: %v", strings.Join(c.args, " "), err)
			continue
		}
		var doc struct {
			Engine struct{ Host, Context string }
		}
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Errorf("docker %s: not JSON: %v\n%s", strings.Join(c.args, " "), err, out)
			continue
		}
		if doc.Engine.Host != e.Host() || doc.Engine.Context != c.context {
			t.Errorf("%s: reached %s (context %q), want %s (context %q)", c.name, doc.Engine.Host, doc.Engine.Context, e.Host(), c.context)
		}
	}
	// And without them, DOCKER_HOST is what counts: nothing there.
	if out, err := docker(nowhere, "bilge", "df"); err == nil || !strings.Contains(err.Error(), "nothing.sock") {
		t.Errorf("docker bilge df with DOCKER_HOST pointing nowhere: %v\n%s", err, out)
	}
}

type cliError struct {
	err    error
	stderr string
}

func (e *cliError) Error() string { return e.err.Error() + ": " + strings.TrimSpace(e.stderr) }
