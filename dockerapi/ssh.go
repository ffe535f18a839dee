package dockerapi

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// sshTarget is an ssh:// engine address: ssh://[user@]host[:port][/path].
type sshTarget struct {
	user, host, port, socket string
}

func parseSSH(raw string) (sshTarget, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "ssh" || u.Hostname() == "" {
		return sshTarget{}, fmt.Errorf("invalid ssh host %q: expected ssh://[user@]host[:port]", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return sshTarget{}, fmt.Errorf("invalid ssh host %q: no query or fragment allowed", raw)
	}
	t := sshTarget{host: u.Hostname(), port: u.Port(), socket: u.Path}
	if u.User != nil {
		if _, hasPass := u.User.Password(); hasPass {
			return sshTarget{}, fmt.Errorf("invalid ssh host %q: put no password in the URL; use keys or ssh-agent", raw)
		}
		t.user = u.User.Username()
	}
	return t, nil
}

// args is the ssh command line that bridges to the remote engine the way
// the docker CLI does: the remote docker CLI's `system dial-stdio` relays
// the engine API over the ssh session. The user's ssh configuration (keys,
// agent, known hosts, jump hosts) applies as for any ssh command; opts
// (connection sharing) come before it and so take precedence.
func (t sshTarget) args(opts ...string) []string {
	a := append([]string{"-o", "ConnectTimeout=10", "-T"}, opts...)
	if t.user != "" {
		a = append(a, "-l", t.user)
	}
	if t.port != "" {
		a = append(a, "-p", t.port)
	}
	a = append(a, "--", t.host, "docker")
	if t.socket != "" && t.socket != "/" {
		a = append(a, "--host", "unix://"+t.socket)
	}
	return append(a, "system", "dial-stdio")
}

// sshMux shares one ssh connection among all of an engine's connections:
// OpenSSH connection multiplexing, with a master this engine starts and
// owns (ssh -N, ControlMaster=yes) on a control socket in a private
// directory, and every dial a multiplexing client of it (ControlMaster=no:
// should the master be gone, ssh connects on its own, as before). So an
// ssh engine costs one ssh connection, one login, and one long-lived ssh
// process; close ends the master and removes the directory.
type sshMux struct {
	t sshTarget

	mu     sync.Mutex
	dir    string    // private directory of the control socket
	master *exec.Cmd // nil before the first dial, and after close
	exited chan struct{}
	closed bool
}

// muxStartWait bounds the wait for the master's control socket; past it
// the dial goes on without sharing (ssh's ConnectTimeout bounds that).
const muxStartWait = 15 * time.Second

// controlPath is the master's control socket.
func (m *sshMux) controlPath() string { return filepath.Join(m.dir, "ctl") }

// runtimeDir is where the control socket's directory goes: the user's
// runtime directory when there is one, else the temporary directory.
func runtimeDir() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(d) {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return os.TempDir()
}

// ready starts the master if it does not run, and waits for its control
// socket. It returns the options of a client of it; none (a plain ssh
// connection) when no master can run here; or, when ssh itself failed
// (no such host, refused, not authorized), its reason in its own words.
func (m *sshMux) ready(ctx context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, nil
	}
	if m.master != nil {
		select {
		case <-m.exited:
			m.master = nil // it ended (the network, the server): start again
		default:
			return m.clientOpts(), nil
		}
	}
	if m.dir == "" {
		dir, err := os.MkdirTemp(runtimeDir(), "bilge-ssh-")
		if err != nil {
			return nil, nil
		}
		m.dir = dir
	}
	_ = os.Remove(m.controlPath())
	cmd := exec.Command("ssh", m.t.masterArgs(m.controlPath())...)
	var stderr strings.Builder
	cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
	if err := startOwned(cmd); err != nil {
		return nil, fmt.Errorf("cannot run ssh (needed for ssh:// hosts): %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	m.master, m.exited = cmd, exited
	deadline := time.NewTimer(muxStartWait)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, err := os.Stat(m.controlPath()); err == nil {
			return m.clientOpts(), nil
		}
		select {
		case <-exited:
			m.master = nil
			if msg := strings.TrimSpace(stderr.String()); msg != "" {
				return nil, fmt.Errorf("ssh %s: %s", m.t.host, lastLine(msg))
			}
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-deadline.C:
			return nil, nil
		case <-tick.C:
		}
	}
}

func (m *sshMux) clientOpts() []string {
	return []string{"-o", "ControlMaster=no", "-o", "ControlPath=" + m.controlPath()}
}

// masterArgs is the master's command line: a connection, no command.
func (t sshTarget) masterArgs(control string) []string {
	a := []string{"-o", "ConnectTimeout=10", "-o", "ControlMaster=yes", "-o", "ControlPersist=no", "-o", "ControlPath=" + control, "-N", "-T"}
	if t.user != "" {
		a = append(a, "-l", t.user)
	}
	if t.port != "" {
		a = append(a, "-p", t.port)
	}
	return append(a, "--", t.host)
}

// close ends the master (SIGTERM to the process it started, which ends
// its clients' sessions with it) and removes the control directory.
func (m *sshMux) close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	if m.master != nil {
		_ = m.master.Process.Signal(syscall.SIGTERM)
		select {
		case <-m.exited:
		case <-time.After(5 * time.Second):
			_ = m.master.Process.Kill()
			<-m.exited
		}
		m.master = nil
	}
	if m.dir != "" {
		_ = os.RemoveAll(m.dir)
		m.dir = ""
	}
}

// dialer dials the engine through a new ssh client process per connection
// (the HTTP client keeps connections alive, so there are few), each a
// client of the shared master.
func (m *sshMux) dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	t := m.t
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		opts, err := m.ready(ctx)
		if err != nil {
			return nil, err
		}
		cmd := exec.Command("ssh", t.args(opts...)...)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			return nil, err
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			return nil, err
		}
		var stderr strings.Builder
		cmd.Stderr = &limitedWriter{w: &stderr, n: 4096}
		if err := cmd.Start(); err != nil {
			return nil, fmt.Errorf("cannot run ssh (needed for ssh:// hosts): %w", err)
		}
		return &cmdConn{cmd: cmd, in: stdin, out: stdout, stderr: &stderr, target: t}, nil
	}
}

type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n <= 0 {
		return len(p), nil
	}
	q := p
	if len(q) > l.n {
		q = q[:l.n]
	}
	l.n -= len(q)
	l.w.Write(q)
	return len(p), nil
}

// cmdConn is a net.Conn over an ssh process's stdin and stdout.
type cmdConn struct {
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    io.ReadCloser
	stderr *strings.Builder
	target sshTarget
	once   sync.Once
}

func (c *cmdConn) Read(p []byte) (int, error) {
	n, err := c.out.Read(p)
	if err == io.EOF && n == 0 {
		// ssh ended: say why, in its own words.
		c.cmd.Wait()
		if msg := strings.TrimSpace(c.stderr.String()); msg != "" {
			return 0, fmt.Errorf("ssh %s: %s", c.target.host, lastLine(msg))
		}
	}
	return n, err
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

func (c *cmdConn) Write(p []byte) (int, error) { return c.in.Write(p) }

func (c *cmdConn) Close() error {
	c.once.Do(func() {
		c.in.Close()
		c.out.Close()
		if c.cmd.Process != nil {
			c.cmd.Process.Kill()
		}
		go c.cmd.Wait()
	})
	return nil
}

type sshAddr string

func (a sshAddr) Network() string { return "ssh" }
func (a sshAddr) String() string  { return string(a) }

func (c *cmdConn) LocalAddr() net.Addr              { return sshAddr("local") }
func (c *cmdConn) RemoteAddr() net.Addr             { return sshAddr(c.target.host) }
func (c *cmdConn) SetDeadline(time.Time) error      { return nil }
func (c *cmdConn) SetReadDeadline(time.Time) error  { return nil }
func (c *cmdConn) SetWriteDeadline(time.Time) error { return nil }
