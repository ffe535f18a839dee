package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"bilge/internal/enginetest"
	"bilge/internal/testbin"
)

// TestFleet measures a fleet through the contexts of a private docker
// config: the package's own seeded daemon ("one"), a second daemon on its
// own socket ("two"), a third over TCP with TLS verified both ways
// ("tls", certificates made by the test), engine one again over ssh
// through a private sshd ("viassh", when this machine can run one), the
// TLS daemon with a CA that did not sign its certificate ("badca") and a
// context whose socket does not exist ("dead"). bilge df --fleet --json
// gives each live engine the very figures its own bilge df --json
// --context gives, the two others their reasons, and exits 2; an ssh
// engine costs one ssh connection and leaves no ssh process; bilge prune
// --fleet on two of them deletes what it planned there and nothing
// anywhere else.
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
	third, err := enginetest.StartTLSDaemon(engine)
	if err != nil {
		t.Fatalf("a daemon on TCP with TLS: %v", err)
	}
	t.Cleanup(func() {
		if err := third.Close(); err != nil {
			t.Errorf("stop the TLS daemon: %v", err)
		}
	})
	enginetest.Seed(t, e)
	e2, err := enginetest.ConnectHost(second.Host())
	if err != nil {
		t.Fatal(err)
	}
	e3, err := enginetest.ConnectHost(third.Host())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Each engine holds a volume of its own, named for the prune below:
	// the engines differ, and engine one's must stay.
	volume := func(en *enginetest.Engine, name string) {
		t.Helper()
		if err := en.Do(ctx, "POST", "/volumes/create", nil, strings.NewReader(`{"Name":"`+name+`"}`), nil); err != nil {
			t.Fatal(err)
		}
	}
	volume(e2, "bilge-fleet-e2e")
	volume(e3, "bilge-fleet-tls")
	volume(e, "bilge-fleet-one")
	t.Cleanup(func() {
		_ = e.Do(context.Background(), "DELETE", "/volumes/bilge-fleet-one", nil, nil, nil)
	})

	config := t.TempDir()
	missing := filepath.Join(t.TempDir(), "gone.sock")
	hosts := map[string]string{"one": e.Host(), "two": second.Host(), "tls": third.TLSHost(), "badca": third.TLSHost(), "dead": "unix://" + missing}
	live := []string{"one", "two", "tls"}
	client := third.ClientTLS()
	otherCA, err := enginetest.OtherCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	material := map[string]*enginetest.TLSFiles{"tls": &client, "badca": {CA: otherCA, Cert: client.Cert, Key: client.Key}}
	// Engine one again, over ssh through a private sshd, when this
	// machine can run one (as TestSSHHost).
	path, sshDir := os.Getenv("PATH"), ""
	if canSSH() {
		port, p := sshServer(t)
		path, sshDir = p, filepath.Dir(strings.SplitN(p, ":", 2)[0])
		hosts["viassh"] = fmt.Sprintf("ssh://root@127.0.0.1:%d", port)
		live = append(live, "viassh")
	} else {
		t.Log("no ssh engine: sshd, root or the docker CLI is missing")
	}
	for name, host := range hosts {
		if err := enginetest.WriteContext(config, name, host, material[name]); err != nil {
			t.Fatal(err)
		}
	}
	bin := testbin.Build(t)
	runtime := t.TempDir() // where bilge puts its ssh control sockets
	run := func(args ...string) ([]byte, int) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "DOCKER_CONFIG="+config, "PATH="+path, "XDG_RUNTIME_DIR="+runtime)
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
	// sshCost runs bilge and counts what its ssh engines cost: the ssh
	// processes it started, the masters among them, and the logins sshd
	// accepted; no ssh process may outlive it.
	sshCost := func(args ...string) ([]byte, int, [3]int) {
		t.Helper()
		count := func() [3]int {
			runs, _ := os.ReadFile(filepath.Join(sshDir, "ssh.log"))
			logins, _ := os.ReadFile(filepath.Join(sshDir, "sshd.log"))
			return [3]int{strings.Count(string(runs), "\n"), strings.Count(string(runs), "ControlMaster=yes"), strings.Count(string(logins), "Accepted publickey")}
		}
		before := count()
		out, code := run(args...)
		if sshDir == "" {
			return out, code, [3]int{}
		}
		after := count()
		if procs := processesWith(filepath.Join(sshDir, "ssh_config")); len(procs) > 0 {
			t.Errorf("ssh processes left after bilge %v: %v", args, procs)
		}
		if left, _ := os.ReadDir(runtime); len(left) > 0 {
			t.Errorf("control directories left after bilge %v: %v", args, left)
		}
		return out, code, [3]int{after[0] - before[0], after[1] - before[1], after[2] - before[2]}
	}

	// The default context is the package's DOCKER_HOST (engine one again):
	// the fleet names its own.
	subset := strings.Join(append(slices.Clone(live), "dead", "badca"), ",")
	start := time.Now()
	out, code, cost := sshCost("df", "--fleet", subset, "--json")
	t.Logf("bilge df --fleet (%d engines) took %s; ssh: %d processes, %d masters, %d logins", len(live)+2, time.Since(start).Round(time.Millisecond), cost[0], cost[1], cost[2])
	if code != 2 {
		t.Errorf("exit %d, want 2 (two engines did not answer)", code)
	}
	if sshDir != "" && (cost[1] != 1 || cost[2] != 1) {
		t.Errorf("the ssh engine cost %d masters and %d logins, want one of each", cost[1], cost[2])
	}
	var fleetDoc map[string]json.RawMessage
	if err := json.Unmarshal(out, &fleetDoc); err != nil || len(fleetDoc) != len(live)+2 {
		t.Fatalf("bilge df --fleet --json: %v, %d engines:\n%s", err, len(fleetDoc), out)
	}
	var dead, badca struct{ Endpoint, Error string }
	if err := json.Unmarshal(fleetDoc["dead"], &dead); err != nil || dead.Endpoint != hosts["dead"] ||
		!strings.Contains(dead.Error, "cannot connect to the Docker engine at "+hosts["dead"]) {
		t.Errorf("the dead engine: %+v, %v", dead, err)
	}
	if err := json.Unmarshal(fleetDoc["badca"], &badca); err != nil || badca.Endpoint != hosts["badca"] ||
		!strings.Contains(badca.Error, "TLS failure talking to the Docker engine at "+hosts["badca"]) || !strings.Contains(badca.Error, "certificate") {
		t.Errorf("the engine whose certificate the context's CA did not sign: %+v, %v", badca, err)
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
		own, code, cost := sshCost("df", "--json", "--context", name)
		if code != 0 {
			t.Fatalf("bilge df --json --context %s: exit %d", name, code)
		}
		if name == "viassh" {
			t.Logf("bilge df over ssh: %d ssh processes, %d masters, %d logins", cost[0], cost[1], cost[2])
			if cost[1] != 1 || cost[2] != 1 {
				t.Errorf("bilge df over ssh cost %d masters and %d logins, want one of each", cost[1], cost[2])
			}
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
		if k := inFleet["volumes"]; (name == "two" || name == "tls") && k.Total != 1 {
			t.Errorf("engine %s lists %d volumes, want its one", name, k.Total)
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

	// bilge prune --fleet on two and tls: the policy's volumes there go;
	// engine one, whose volume the policy names too, is not touched.
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("rules:\n  - name: fleet volumes\n    remove: volumes\n    match: [\"bilge-fleet-*\"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	engines := map[string]*enginetest.Engine{"one": e, "two": e2, "tls": e3}
	before := map[string]map[string]bool{}
	for n, en := range engines {
		before[n] = objects(t, en)
	}
	out, code = run("prune", "--fleet", "two,tls", "--policy", policy, "-f", "--json")
	var pruneDoc map[string]struct {
		Endpoint, Error string
		Items           []struct{ Kind, ID string }
		Outcomes        []struct{ Kind, ID, Status string }
	}
	if err := json.Unmarshal(out, &pruneDoc); err != nil || code != 0 || len(pruneDoc) != 2 {
		t.Fatalf("bilge prune --fleet: exit %d, %v:\n%s", code, err, out)
	}
	for n, want := range map[string]string{"two": "bilge-fleet-e2e", "tls": "bilge-fleet-tls"} {
		d := pruneDoc[n]
		if d.Error != "" || len(d.Items) != 1 || d.Items[0].Kind != "volume" || d.Items[0].ID != want ||
			len(d.Outcomes) != 1 || d.Outcomes[0].Status != "deleted" {
			t.Errorf("%s: planned %+v, outcomes %+v, error %q; want volume %s deleted", n, d.Items, d.Outcomes, d.Error, want)
		}
		after := objects(t, engines[n])
		wantAfter := maps.Clone(before[n])
		delete(wantAfter, "volume "+want)
		if !maps.Equal(after, wantAfter) {
			t.Errorf("%s: objects before %v, after %v: only volume %s should have gone", n, keys(before[n]), keys(after), want)
		}
	}
	if after := objects(t, e); !maps.Equal(after, before["one"]) || !after["volume bilge-fleet-one"] {
		t.Errorf("engine one, not in the fleet pruned, changed: before %v, after %v", keys(before["one"]), keys(after))
	}
}

// objects are the engine's containers, images, volumes and networks, as
// "kind id".
func objects(t *testing.T, en *enginetest.Engine) map[string]bool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m := map[string]bool{}
	var ids []struct{ ID string }
	for kind, p := range map[string]string{"container": "/containers/json?all=1", "image": "/images/json?all=1", "network": "/networks"} {
		path, q, _ := strings.Cut(p, "?")
		query, _ := url.ParseQuery(q)
		ids = nil
		if err := en.Do(ctx, "GET", path, query, nil, &ids); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, o := range ids {
			m[kind+" "+o.ID] = true
		}
	}
	var vols struct{ Volumes []struct{ Name string } }
	if err := en.Do(ctx, "GET", "/volumes", nil, nil, &vols); err != nil {
		t.Fatal(err)
	}
	for _, v := range vols.Volumes {
		m["volume "+v.Name] = true
	}
	return m
}

func keys(m map[string]bool) []string {
	return slices.Sorted(maps.Keys(m))
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
