package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"bilge/dockerapi"
	"bilge/internal/enginetest"
	"bilge/internal/testbin"
)

// TestFleet measures a fleet of two private daemons — the package's own,
// seeded, and a second one this test starts — plus a context whose socket
// does not exist, through the contexts of a private docker config:
// bilge df --fleet --json gives each live engine the very figures its own
// bilge df --json --context gives, the dead one an error, and exits 2.
func TestFleet(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	engine, err := enginetest.EngineFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	second, err := enginetest.StartDaemon(engine)
	if err != nil {
		t.Fatalf("a second daemon: %v", err)
	}
	t.Cleanup(func() {
		if err := second.Close(); err != nil {
			t.Errorf("stop the second daemon: %v", err)
		}
	})
	enginetest.Seed(t, e)
	// The second engine holds one volume of its own: the two differ.
	e2, err := enginetest.ConnectHost(second.Host())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e2.Do(ctx, "POST", "/volumes/create", nil, strings.NewReader(`{"Name":"bilge-fleet-e2e"}`), nil); err != nil {
		t.Fatal(err)
	}

	config := t.TempDir()
	missing := filepath.Join(t.TempDir(), "gone.sock")
	hosts := map[string]string{"one": e.Host(), "two": second.Host(), "dead": "unix://" + missing}
	live := []string{"one", "two"}
	// Engine one again, over ssh through a private sshd, when this
	// machine can run one (as TestSSHHost).
	path, sshConfig := os.Getenv("PATH"), ""
	if canSSH() {
		port, p := sshServer(t)
		path, sshConfig = p, filepath.Join(filepath.Dir(strings.SplitN(p, ":", 2)[0]), "ssh_config")
		hosts["viassh"] = fmt.Sprintf("ssh://root@127.0.0.1:%d", port)
		live = append(live, "viassh")
	} else {
		t.Log("no ssh engine: sshd, root or the docker CLI is missing")
	}
	for name, host := range hosts {
		d := filepath.Join(config, "contexts", "meta", dockerapi.ContextDirName(name))
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		meta, _ := json.Marshal(map[string]any{"Name": name, "Endpoints": map[string]any{"docker": map[string]any{"Host": host}}})
		if err := os.WriteFile(filepath.Join(d, "meta.json"), meta, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	bin := testbin.Build(t)
	run := func(args ...string) ([]byte, int) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+config, "PATH="+path)
		out, err := cmd.Output()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
			t.Logf("bilge %v: stderr %s", args, ee.Stderr)
		} else if err != nil {
			t.Fatal(err)
		}
		return out, code
	}

	// The default context is the package's DOCKER_HOST (engine one again):
	// the fleet names its three.
	subset := strings.Join(append(slices.Clone(live), "dead"), ",")
	out, code := run("df", "--fleet", subset, "--json")
	if code != 2 {
		t.Errorf("exit %d, want 2 (one engine did not answer)", code)
	}
	if sshConfig != "" {
		// The ssh processes ended with bilge.
		if procs := processesWith(sshConfig); len(procs) > 0 {
			t.Errorf("ssh processes left after bilge df --fleet: %v", procs)
		}
	}
	var fleetDoc map[string]json.RawMessage
	if err := json.Unmarshal(out, &fleetDoc); err != nil || len(fleetDoc) != len(live)+1 {
		t.Fatalf("bilge df --fleet --json: %v, %d engines:\n%s", err, len(fleetDoc), out)
	}
	var dead struct{ Endpoint, Error string }
	if err := json.Unmarshal(fleetDoc["dead"], &dead); err != nil || dead.Endpoint != hosts["dead"] ||
		!strings.Contains(dead.Error, "cannot connect to the Docker engine at "+hosts["dead"]) {
		t.Errorf("the dead engine: %+v, %v", dead, err)
	}
	wantStorage := "overlay2"
	if e.ContainerdStore() {
		wantStorage = "containerd"
	}
	kindNames := []string{"images", "containers", "volumes", "networks", "buildCache"}
	for _, name := range live {
		var head struct {
			Endpoint, Storage, Error string
			Engine                   struct{ Host, Context string }
		}
		if err := json.Unmarshal(fleetDoc[name], &head); err != nil || head.Error != "" {
			t.Fatalf("%s: %v %s", name, err, fleetDoc[name])
		}
		if head.Endpoint != hosts[name] || head.Engine.Host != hosts[name] || head.Engine.Context != name || head.Storage != wantStorage {
			t.Errorf("%s: endpoint %q host %q context %q storage %q, want %s, storage %s", name, head.Endpoint, head.Engine.Host, head.Engine.Context, head.Storage, hosts[name], wantStorage)
		}
		inFleet := dfKinds(t, fleetDoc[name])
		own, code := run("df", "--json", "--context", name)
		if code != 0 {
			t.Fatalf("bilge df --json --context %s: exit %d", name, code)
		}
		alone := dfKinds(t, own)
		for _, k := range kindNames {
			a, b := inFleet[k], alone[k]
			if a.Total != b.Total || a.Active != b.Active || str(a.Size) != str(b.Size) || str(a.Reclaimable) != str(b.Reclaimable) ||
				str(a.ReclaimableExact) != str(b.ReclaimableExact) || str(a.HeldByBuildCache) != str(b.HeldByBuildCache) {
				t.Errorf("%s %s: in the fleet %+v (size %s exact %s), alone %+v (size %s exact %s)", name, k, a, str(a.Size), str(a.ReclaimableExact), b, str(b.Size), str(b.ReclaimableExact))
			}
		}
		if k := inFleet["images"]; name == "one" && (k.Total == 0 || k.ReclaimableExact == nil) {
			t.Errorf("engine one lists %d images, exact %s: not the seeded engine", k.Total, str(k.ReclaimableExact))
		}
		if k := inFleet["volumes"]; name == "two" && k.Total != 1 {
			t.Errorf("engine two lists %d volumes, want its one", k.Total)
		}
	}

	// The table: a row per engine that answered, their total, then the
	// dead one with its reason.
	out, code = run("df", "--fleet", "one,two,dead")
	lines := strings.Split(string(out), "\n")
	if code != 2 || len(lines) < 5 || !strings.HasPrefix(lines[1], "one ") || !strings.HasPrefix(lines[2], "two ") ||
		!strings.HasPrefix(lines[3], "TOTAL ") || !strings.Contains(lines[3], "2 of 3 engines") ||
		!strings.HasPrefix(lines[4], "dead ") || !strings.Contains(lines[4], "unreachable") || !strings.Contains(lines[1], " "+wantStorage+" ") {
		t.Errorf("exit %d, table:\n%s", code, out)
	}
}

func str(n *int64) string {
	if n == nil {
		return "null"
	}
	return strconv.FormatInt(*n, 10)
}

// canSSH reports whether sshServer can run here: root, sshd and the
// docker CLI (the remote side's dial-stdio).
func canSSH() bool {
	if os.Geteuid() != 0 {
		return false
	}
	if _, err := exec.LookPath("docker"); err != nil {
		return false
	}
	if _, err := exec.LookPath("sshd"); err == nil {
		return true
	}
	_, err := os.Stat("/usr/sbin/sshd")
	return err == nil
}

// processesWith lists the live processes whose command line contains s
// (reading /proc only; nothing is signalled).
func processesWith(s string) []string {
	var out []string
	dirs, _ := os.ReadDir("/proc")
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", d.Name(), "cmdline"))
		if err != nil || len(b) == 0 {
			continue
		}
		if cmd := strings.ReplaceAll(string(b), "\x00", " "); strings.Contains(cmd, s) {
			out = append(out, d.Name()+": "+cmd)
		}
	}
	return out
}
