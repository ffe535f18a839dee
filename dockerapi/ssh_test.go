package dockerapi

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// fakeSSH puts an ssh on PATH that logs its arguments, one line per run,
// to the returned file. A master (ControlMaster=yes) creates its control
// socket's path and waits, or, with fail, says why it cannot log in and
// exits 255; any other run echoes its input (a dial-stdio stand-in).
func fakeSSH(t *testing.T, fail bool) (log string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("a shell script stands in for ssh")
	}
	dir := t.TempDir()
	log = filepath.Join(dir, "ssh.log")
	master := `for a in "$@"; do case "$a" in ControlPath=*) ctl="${a#ControlPath=}";; esac; done; : >"$ctl"; exec sleep 600`
	if fail {
		master = `echo "root@example: Permission denied (publickey)." >&2; exit 255`
	}
	script := "#!/bin/sh\necho \"$*\" >>" + log + "\ncase \"$*\" in *ControlMaster=yes*) " + master + ";; esac\nexec cat\n"
	if err := os.WriteFile(filepath.Join(dir, "ssh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	return log
}

func runs(t *testing.T, log string) []string {
	t.Helper()
	b, _ := os.ReadFile(log)
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

// TestSSHMuxSharesOneMaster: every dial of an ssh engine is a client of
// one master, which Close ends, removing its control directory.
func TestSSHMuxSharesOneMaster(t *testing.T) {
	log := fakeSSH(t, false)
	m := &sshMux{t: sshTarget{user: "ops", host: "build", port: "2222"}}
	dial := m.dialer()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range 3 {
		c, err := dial(ctx, "tcp", "x")
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		echo(t, c)
	}
	lines := runs(t, log)
	if len(lines) != 4 {
		t.Fatalf("%d ssh runs, want a master and 3 clients:\n%s", len(lines), strings.Join(lines, "\n"))
	}
	ctl := m.controlPath()
	if !strings.Contains(lines[0], "ControlMaster=yes") || !strings.Contains(lines[0], "-N") || !strings.HasSuffix(lines[0], "-l ops -p 2222 -- build") {
		t.Errorf("master: %s", lines[0])
	}
	for _, l := range lines[1:] {
		if !strings.Contains(l, "ControlMaster=no -o ControlPath="+ctl) || !strings.HasSuffix(l, "-- build docker system dial-stdio") {
			t.Errorf("client: %s", l)
		}
	}
	if !strings.HasPrefix(ctl, os.Getenv("XDG_RUNTIME_DIR")) {
		t.Errorf("control socket %s is not in the runtime directory", ctl)
	}
	exited := m.exited
	m.close()
	select {
	case <-exited:
	default:
		t.Error("the master runs after close")
	}
	if _, err := os.Stat(filepath.Dir(ctl)); !os.IsNotExist(err) {
		t.Errorf("control directory after close: %v", err)
	}
	// Closed: a dial goes on as a plain ssh (no master started again).
	c, err := dial(ctx, "tcp", "x")
	if err != nil {
		t.Fatal(err)
	}
	echo(t, c)
	if l := runs(t, log); len(l) != 5 || strings.Contains(l[4], "Control") {
		t.Errorf("dial after close: %v", l)
	}
}

// echo checks the connection is the fake client's stdio (it echoes), so
// the client has logged its run, and closes it.
func echo(t *testing.T, c net.Conn) {
	t.Helper()
	defer c.Close()
	if _, err := c.Write([]byte("ping\n")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(c, buf); err != nil || string(buf) != "ping\n" {
		t.Fatalf("read %q, %v", buf, err)
	}
}

// TestSSHMuxMasterFails: a master that cannot log in fails the dial with
// ssh's own reason.
func TestSSHMuxMasterFails(t *testing.T) {
	log := fakeSSH(t, true)
	m := &sshMux{t: sshTarget{host: "example"}}
	defer m.close()
	_, err := m.dialer()(context.Background(), "tcp", "x")
	if err == nil || err.Error() != "ssh example: root@example: Permission denied (publickey)." {
		t.Errorf("dial: %v", err)
	}
	if l := runs(t, log); len(l) != 1 {
		t.Errorf("ssh runs: %v", l)
	}
}
