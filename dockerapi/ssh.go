package dockerapi

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"os/exec"
	"strings"
	"sync"
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
// agent, known hosts, jump hosts) applies as for any ssh command.
func (t sshTarget) args() []string {
	a := []string{"-o", "ConnectTimeout=10", "-T"}
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

// sshDialer dials the engine through a new ssh process per connection (the
// HTTP client keeps connections alive, so there are few).
func sshDialer(t sshTarget) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, _, _ string) (net.Conn, error) {
		cmd := exec.Command("ssh", t.args()...)
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
