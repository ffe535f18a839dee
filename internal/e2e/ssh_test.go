package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"bilge/dockerapi"
	"bilge/internal/enginetest"
	"bilge/internal/testbin"
)

// sshServer runs a private sshd on loopback that accepts a key made for the
// test, and returns a PATH under which `ssh` uses that key. Its sessions
// have the package's DOCKER_HOST, so the remote docker CLI reaches the
// test daemon, never the machine's own. In the PATH's directory's parent,
// sshd.log is sshd's log and ssh.log has a line per ssh run.
func sshServer(t *testing.T) (port int, path string) {
	t.Helper()
	sshd, err := exec.LookPath("sshd")
	if err != nil {
		sshd = "/usr/sbin/sshd"
	}
	if _, err := os.Stat(sshd); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("sshd is needed for the ssh:// test (apt-get install openssh-server): %v", err)
		}
		t.Skip("sshd not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("the ssh:// test logs in as root on loopback")
	}
	dir := t.TempDir()
	for _, k := range []string{"hostkey", "userkey"} {
		if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", filepath.Join(dir, k)).CombinedOutput(); err != nil {
			t.Fatalf("ssh-keygen: %v: %s", err, out)
		}
	}
	pub, _ := os.ReadFile(filepath.Join(dir, "userkey.pub"))
	os.WriteFile(filepath.Join(dir, "authorized_keys"), pub, 0o600)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	conf := fmt.Sprintf("Port %d\nListenAddress 127.0.0.1\nHostKey %s/hostkey\nAuthorizedKeysFile %s/authorized_keys\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nStrictModes no\nPidFile %s/sshd.pid\nUsePAM no\nSetEnv DOCKER_HOST=%s\n", port, dir, dir, dir, os.Getenv("DOCKER_HOST"))
	os.WriteFile(filepath.Join(dir, "sshd_config"), []byte(conf), 0o600)
	os.MkdirAll("/run/sshd", 0o755)
	cmd := exec.Command(sshd, "-D", "-f", filepath.Join(dir, "sshd_config"), "-E", filepath.Join(dir, "sshd.log"))
	if err := cmd.Start(); err != nil {
		t.Fatalf("sshd: %v", err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 50; i++ {
		if c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err == nil {
			c.Close()
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	clientConf := fmt.Sprintf("Host *\n  IdentityFile %s/userkey\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  LogLevel ERROR\n", dir)
	os.WriteFile(filepath.Join(dir, "ssh_config"), []byte(clientConf), 0o600)
	bin := filepath.Join(dir, "bin")
	os.MkdirAll(bin, 0o755)
	// The wrapper logs each ssh it runs, one line each, to ssh.log.
	wrapper := fmt.Sprintf("#!/bin/sh\necho \"$*\" >>%s/ssh.log\nexec /usr/bin/ssh -F %s/ssh_config \"$@\"\n", dir, dir)
	os.WriteFile(filepath.Join(bin, "ssh"), []byte(wrapper), 0o755)
	return port, bin + ":" + os.Getenv("PATH")
}

// TestSSHHost reads the same engine over ssh:// (the remote docker CLI's
// dial-stdio, as docker itself does) and over its socket: same figures.
func TestSSHHost(t *testing.T) {
	e := enginetest.Require(t)
	lock(t)
	bin := testbin.Build(t)
	port, path := sshServer(t)
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("the remote side needs the docker CLI for dial-stdio")
	}
	run := func(host string) map[string]any {
		cmd := exec.Command(bin, "df", "--json", "-H", host)
		cmd.Env = append(os.Environ(), "PATH="+path, "DOCKER_HOST=", "DOCKER_CONTEXT=")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bilge df -H %s: %v\n%s", host, err, out)
		}
		var doc map[string]any
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatalf("%v in %s", err, out)
		}
		return doc
	}
	viaSocket := run("unix://" + strings.TrimPrefix(e.Host(), "unix://"))
	viaSSH := run(fmt.Sprintf("ssh://root@127.0.0.1:%d", port))
	for _, k := range []string{"images", "containers", "volumes", "networks"} {
		a, b := viaSocket[k].(map[string]any), viaSSH[k].(map[string]any)
		if a["total"] != b["total"] || a["size"] != b["size"] {
			t.Errorf("%s over ssh %v/%v, over the socket %v/%v", k, b["total"], b["size"], a["total"], a["size"])
		}
	}

	// A refused login is one clear line naming ssh's reason.
	cmd := exec.Command(bin, "df", "-H", fmt.Sprintf("ssh://nobody@127.0.0.1:%d", port))
	cmd.Env = append(os.Environ(), "PATH="+path)
	out, err := cmd.CombinedOutput()
	if err == nil || strings.Count(string(out), "\n") != 1 || !strings.Contains(string(out), "Permission denied") {
		t.Errorf("refused ssh login: err %v, output %q", err, out)
	}

	// Many calls at once on one ssh engine: sessions of one connection,
	// all answered, one login, no ssh process left after Close.
	dir := filepath.Dir(strings.SplitN(path, ":", 2)[0])
	t.Setenv("PATH", path)
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	logins := func() int {
		b, _ := os.ReadFile(filepath.Join(dir, "sshd.log"))
		return strings.Count(string(b), "Accepted publickey")
	}
	before := logins()
	en, err := dockerapi.New(dockerapi.Endpoint{Host: fmt.Sprintf("ssh://root@127.0.0.1:%d", port), Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	g, gctx := errgroup.WithContext(ctx)
	for range 24 {
		g.Go(func() error { _, err := en.Storage(gctx); return err })
	}
	err = g.Wait()
	en.Close()
	if err != nil {
		t.Errorf("24 calls at once over ssh: %v", err)
	}
	if n := logins() - before; n != 1 {
		t.Errorf("24 calls at once over ssh: %d logins, want 1", n)
	}
	if procs := processesWith(filepath.Join(dir, "ssh_config")); len(procs) > 0 {
		t.Errorf("ssh processes left after Close: %v", procs)
	}
}
