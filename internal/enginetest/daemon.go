package enginetest

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The engines a test daemon can run (BILGE_E2E_ENGINE).
const (
	EngineDebian       = "debian"        // the system's dockerd (Debian 12: docker.io, Engine 20.10), overlay2
	Engine29Overlay2   = "29-overlay2"   // Engine 29.7.2 from the bundle, overlay2 graph driver
	Engine29Containerd = "29-containerd" // Engine 29.7.2 from the bundle, containerd image store
	EnginePodman       = "podman"        // the system's Podman (Debian 12: 4.3.1), its Docker-compatible API
)

// Engines lists the engine names StartDaemon accepts.
var Engines = []string{EngineDebian, Engine29Overlay2, Engine29Containerd, EnginePodman}

// bundleName is the Engine 29 bundle in the project's shared/engines/.
const bundleName = "docker-29.7.2-linux-amd64.tar.xz"

// EngineNone (BILGE_E2E_ENGINE=none) starts no daemon: the tests that need
// one skip, also with CI=true (make unit).
const EngineNone = "none"

// ErrEngineNone is why there is no daemon with BILGE_E2E_ENGINE=none.
var ErrEngineNone = errors.New("BILGE_E2E_ENGINE=none: no daemon is started")

// EngineFromEnv returns the engine named by BILGE_E2E_ENGINE (default
// "debian"), or ErrEngineNone, or an error for an unknown name.
func EngineFromEnv() (string, error) {
	name := os.Getenv("BILGE_E2E_ENGINE")
	if name == "" {
		return EngineDebian, nil
	}
	if name == EngineNone {
		return "", ErrEngineNone
	}
	for _, e := range Engines {
		if e == name {
			return name, nil
		}
	}
	return "", fmt.Errorf("BILGE_E2E_ENGINE=%q: want one of %s, none", name, strings.Join(Engines, ", "))
}

// Daemon is a dockerd started by the tests for themselves: its own socket,
// data root, exec root, pidfile, bridge and address pool, all under one
// temporary directory. Stop signals only its PID.
type Daemon struct {
	engine  string
	dir     string // everything of this daemon lives here
	sock    string
	dockerd string   // binary
	cli     string   // the docker CLI of the engine's generation
	path    string   // PATH for dockerd (the bundle's directory first for Engine 29)
	args    []string // dockerd's arguments, the same on Restart
	env     []string // added to the daemon's environment (Podman's private configuration)
	log     string
	slot    *poolSlot

	// tlsHost and clientTLS: the TCP+TLS listener of StartTLSDaemon.
	tlsHost   string
	clientTLS TLSFiles

	cmd     *exec.Cmd
	exited  chan struct{} // closed when cmd has been waited for
	version string        // "20.10.24+dfsg1 (API 1.41, overlay2)"
}

// ErrNoDaemon says a test daemon cannot be started on this machine (no
// dockerd, not root, no engine bundle); StartDaemon wraps it.
var ErrNoDaemon = errors.New("no test daemon")

// StartDaemon starts a private dockerd of the named engine (see Engines)
// and waits until it answers. Everything it uses is under a fresh
// temporary directory; its address pool is a /16 of 10.0.0.0/8 that no
// other test daemon on the machine holds and no route uses.
func StartDaemon(engine string) (*Daemon, error) {
	return startDaemon(engine, false)
}

func startDaemon(engine string, withTLS bool) (*Daemon, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: dockerd needs root (run the end-to-end tests as root)", ErrNoDaemon)
	}
	d := &Daemon{engine: engine, path: os.Getenv("PATH")}
	if engine == EnginePodman {
		return startPodman(d)
	}
	switch engine {
	case EngineDebian:
		p, err := exec.LookPath("dockerd")
		if err != nil {
			if _, serr := os.Stat("/usr/sbin/dockerd"); serr != nil {
				return nil, fmt.Errorf("%w: dockerd is not installed (scripts/dockerd.sh install)", ErrNoDaemon)
			}
			p = "/usr/sbin/dockerd"
		}
		d.dockerd = p
		d.cli = debianCLI
	case Engine29Overlay2, Engine29Containerd:
		dir, err := EngineBundle()
		if err != nil {
			return nil, err
		}
		d.dockerd = filepath.Join(dir, "dockerd")
		d.cli = filepath.Join(dir, "docker")
		d.path = dir + string(os.PathListSeparator) + d.path
	default:
		return nil, fmt.Errorf("unknown engine %q: want one of %s", engine, strings.Join(Engines, ", "))
	}

	dir, err := os.MkdirTemp("", "bilge-dockerd-")
	if err != nil {
		return nil, err
	}
	d.dir = dir
	d.sock = filepath.Join(dir, "docker.sock")
	d.log = filepath.Join(dir, "dockerd.log")
	cfg := map[string]any{}
	if engine == Engine29Containerd {
		cfg["features"] = map[string]bool{"containerd-snapshotter": true}
	}
	cb, _ := json.Marshal(cfg)
	if err := os.WriteFile(filepath.Join(dir, "daemon.json"), cb, 0o644); err != nil {
		d.cleanDir()
		return nil, err
	}
	d.slot, err = claimPool(dir)
	if err != nil {
		d.cleanDir()
		return nil, err
	}
	d.args = []string{
		"--config-file", filepath.Join(dir, "daemon.json"), // never /etc/docker/daemon.json
		"--data-root", filepath.Join(dir, "root"),
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"),
		"-H", "unix://" + d.sock,
		"--bridge", d.slot.bridge,
		"--default-address-pool", d.slot.pool,
		"--iptables=false", "--ip-masq=false",
		"--shutdown-timeout", "3",
	}
	if engine != EngineDebian {
		d.args = append(d.args, "--ip6tables=false")
	}
	if engine != Engine29Containerd {
		d.args = append(d.args, "--storage-driver", "overlay2")
	}
	if withTLS {
		args, err := d.setupTLS()
		if err != nil {
			d.slot.release()
			d.cleanDir()
			return nil, fmt.Errorf("TLS for the test daemon: %w", err)
		}
		d.args = append(d.args, args...)
	}
	if err := d.start(); err != nil {
		d.slot.release()
		d.cleanDir()
		return nil, err
	}
	return d, nil
}

// Host is the daemon's DOCKER_HOST (unix://…).
func (d *Daemon) Host() string { return "unix://" + d.sock }

// PID is the process ID of the running dockerd (0 when stopped).
func (d *Daemon) PID() int {
	if d.cmd == nil || d.cmd.Process == nil {
		return 0
	}
	return d.cmd.Process.Pid
}

// Engine is the engine's name (see Engines).
func (d *Daemon) Engine() string { return d.engine }

// debianCLI is the docker CLI of Debian's engine (package docker.io, CLI
// 20.10); a docker elsewhere on PATH may be of another generation.
const debianCLI = "/usr/bin/docker"

// CLI is the docker CLI of the daemon's generation, whose docker system df
// bilge's docker columns equal: the bundle's CLI 29.7.2 for Engine 29,
// Debian's CLI 20.10 for Debian's engine — never whichever docker comes
// first on PATH.
func (d *Daemon) CLI() string { return d.cli }

// PATH is the PATH the daemon runs with: for Engine 29 the bundle's
// directory comes first, so its docker CLI is the one found.
func (d *Daemon) PATH() string { return d.path }

// Dir is the directory holding everything of the daemon (its log is
// dockerd.log there).
func (d *Daemon) Dir() string { return d.dir }

// String says which daemon this is: engine, version, socket, pid.
func (d *Daemon) String() string {
	product := "Docker"
	if d.engine == EnginePodman {
		product = "Podman"
	}
	return fmt.Sprintf("engine %s: %s %s at %s, pid %d, pool %s", d.engine, product, d.version, d.Host(), d.PID(), d.slot.pool)
}

func (d *Daemon) start() error {
	lf, err := os.OpenFile(d.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer lf.Close()
	fmt.Fprintf(lf, "=== %s %s %s\n", time.Now().UTC().Format(time.RFC3339), d.dockerd, strings.Join(d.args, " "))
	cmd := exec.Command(d.dockerd, d.args...)
	cmd.Env = append(append(os.Environ(), "PATH="+d.path), d.env...)
	cmd.Stdout, cmd.Stderr = lf, lf
	// Its own session: a ^C on the terminal reaches the test process, which
	// stops the daemon itself; Pdeathsig stops it if the test process dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGTERM}
	// Pdeathsig is tied to the thread that forked: keep it alive.
	runtime.LockOSThread()
	err = cmd.Start()
	runtime.UnlockOSThread()
	if err != nil {
		return fmt.Errorf("starting %s: %w", d.dockerd, err)
	}
	d.cmd = cmd
	d.exited = make(chan struct{})
	go func() { _ = cmd.Wait(); close(d.exited) }()

	deadline := time.Now().Add(90 * time.Second)
	for {
		if v, err := d.ping(); err == nil {
			d.version = v
			return nil
		}
		select {
		case <-d.exited:
			d.cmd = nil
			return fmt.Errorf("dockerd (%s) exited while starting:\n%s", d.engine, d.logTail(30))
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = d.Stop()
			return fmt.Errorf("dockerd (%s) did not answer on %s within 90 s:\n%s", d.engine, d.sock, d.logTail(30))
		}
	}
}

// ping asks the daemon for /_ping and /version; it returns "<version> (API
// <api>, <storage>)".
func (d *Daemon) ping() (string, error) {
	cl := &http.Client{
		Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var nd net.Dialer
			return nd.DialContext(ctx, "unix", d.sock)
		}},
		Timeout: 3 * time.Second,
	}
	defer cl.CloseIdleConnections()
	get := func(p string, out any) error {
		resp, err := cl.Get("http://docker" + p)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s: %s", p, resp.Status)
		}
		return json.NewDecoder(resp.Body).Decode(out)
	}
	var v struct{ Version, APIVersion string }
	if err := get("/version", &v); err != nil {
		return "", err
	}
	var info struct {
		Driver       string
		DriverStatus [][2]string
	}
	if err := get("/info", &info); err != nil {
		return "", err
	}
	storage := info.Driver
	for _, kv := range info.DriverStatus {
		if kv[0] == "driver-type" && kv[1] == "io.containerd.snapshotter.v1" {
			storage += ", containerd image store"
		}
	}
	return fmt.Sprintf("%s (API %s, %s)", v.Version, v.APIVersion, storage), nil
}

func (d *Daemon) logTail(n int) string {
	b, _ := os.ReadFile(d.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Stop stops the daemon: SIGTERM to its PID, up to 30 s for it to exit,
// then SIGKILL to that PID. Nothing else is signalled. The daemon can be
// started again with Restart.
func (d *Daemon) Stop() error {
	if d.cmd == nil {
		return nil
	}
	p := d.cmd.Process
	_ = p.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		_ = p.Signal(syscall.SIGKILL)
		<-d.exited
	}
	d.cmd = nil
	return nil
}

// Restart stops the daemon (if it runs) and starts it again with the same
// configuration: same socket, data root, exec root and address pool.
func (d *Daemon) Restart() error {
	if err := d.Stop(); err != nil {
		return err
	}
	return d.start()
}

// Close stops the daemon, releases its address pool and bridge, and
// removes its directory (unless something is still mounted under it).
func (d *Daemon) Close() error {
	if d.engine == EnginePodman && d.cmd != nil {
		// Podman's containers outlive its service (conmon keeps them):
		// what a failed test left is removed with the service's storage.
		_ = d.PodmanCmd("rm", "--all", "--force", "--time", "0").Run()
	}
	err := d.Stop()
	d.slot.release()
	if cerr := d.cleanDir(); err == nil {
		err = cerr
	}
	return err
}

// cleanDir unmounts what the daemon left mounted under its directory (only
// there) and removes the directory; it leaves it alone if a mount stays.
func (d *Daemon) cleanDir() error {
	if d.dir == "" || !strings.HasPrefix(d.dir, os.TempDir()) {
		return nil
	}
	mounts := mountsUnder(d.dir)
	sort.Sort(sort.Reverse(sort.StringSlice(mounts))) // deepest first
	for _, m := range mounts {
		_ = syscall.Unmount(m, syscall.MNT_DETACH)
	}
	if left := mountsUnder(d.dir); len(left) > 0 {
		return fmt.Errorf("test daemon: %d mounts left under %s; not removing it", len(left), d.dir)
	}
	return os.RemoveAll(d.dir)
}

// mountsUnder lists the mount points at or below dir.
func mountsUnder(dir string) []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMount(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	return out
}

func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// ---- address pools ----

// Test daemons take 10.<n>.0.0/16 for n in [poolFirst, poolLast]: the
// address pool for their networks is the lower half, their bridge the
// first /24 of the upper half. The development daemon of scripts/dockerd.sh
// uses 10.200.0.0/16, outside this range.
const (
	poolFirst = 210
	poolLast  = 249
)

type poolSlot struct {
	n      int
	pool   string // --default-address-pool
	bridge string // the bridge interface made for the daemon
	file   string // the claim: holds the PID of the test process
}

// poolDir holds one claim file per slot in use, and the lock that
// serialises claims across processes.
func poolDir() string { return filepath.Join(os.TempDir(), "bilge-test-pools") }

// claimPool picks a free slot under a machine-wide lock: not claimed by a
// live process, and no route of the host in its /16 (another daemon's
// bridge or network, a VPN…). It creates the slot's bridge. The claim
// records the test process's PID and the daemon's directory, so that what
// a killed test process left (its bridge, its directory) is removed when
// the slot is taken again — unless its daemon still runs.
func claimPool(daemonDir string) (*poolSlot, error) {
	return claimPoolIn(daemonDir, poolFirst, poolLast)
}

// claimPoolIn is claimPool over the slots first…last.
func claimPoolIn(daemonDir string, first, last int) (*poolSlot, error) {
	dir := poolDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	unlock, err := flockFile(filepath.Join(dir, "lock"))
	if err != nil {
		return nil, err
	}
	defer unlock()
	routes := hostRoutes()
	for n := first; n <= last; n++ {
		s := &poolSlot{
			n:      n,
			pool:   fmt.Sprintf("base=10.%d.0.0/17,size=24", n),
			bridge: fmt.Sprintf("bilgetest%d", n),
			file:   filepath.Join(dir, fmt.Sprintf("slot-%d", n)),
		}
		if b, err := os.ReadFile(s.file); err == nil {
			f := strings.Fields(string(b))
			if len(f) == 0 {
				continue
			}
			if pid, err := strconv.Atoi(f[0]); err == nil && processAlive(pid) {
				continue
			}
			// Claimed by a process that is gone: its bridge and directory
			// are leftovers, unless its dockerd outlived it.
			if len(f) > 1 {
				old := &Daemon{dir: f[1]}
				if pidDockerd(filepath.Join(old.dir, "docker.pid")) {
					continue
				}
				if strings.HasPrefix(filepath.Base(old.dir), "bilge-dockerd-") {
					_ = old.cleanDir()
				}
			}
			_ = exec.Command("ip", "link", "delete", s.bridge).Run()
			_ = os.Remove(s.file)
			routes = hostRoutes()
		}
		if routeIn(routes, n) {
			continue
		}
		if err := os.WriteFile(s.file, []byte(fmt.Sprintf("%d %s\n", os.Getpid(), daemonDir)), 0o644); err != nil {
			return nil, err
		}
		if err := s.makeBridge(); err != nil {
			_ = os.Remove(s.file)
			return nil, err
		}
		return s, nil
	}
	return nil, fmt.Errorf("%w: no free address pool in 10.%d-%d.0.0/16 (all claimed under %s or routed)", ErrNoDaemon, first, last, dir)
}

// makeBridge creates the daemon's own bridge, so that it never shares
// docker0 (and its addresses) with another daemon.
func (s *poolSlot) makeBridge() error {
	_ = exec.Command("ip", "link", "delete", s.bridge).Run()
	for _, args := range [][]string{
		{"link", "add", "name", s.bridge, "type", "bridge"},
		{"addr", "add", fmt.Sprintf("10.%d.128.1/24", s.n), "dev", s.bridge},
		{"link", "set", s.bridge, "up"},
	} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			_ = exec.Command("ip", "link", "delete", s.bridge).Run()
			return fmt.Errorf("ip %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
		}
	}
	return nil
}

func (s *poolSlot) release() {
	if s == nil {
		return
	}
	_ = exec.Command("ip", "link", "delete", s.bridge).Run()
	_ = os.Remove(s.file)
}

// pidDockerd reports whether the pidfile names a live dockerd.
func pidDockerd(pidfile string) bool {
	b, err := os.ReadFile(pidfile)
	if err != nil {
		return false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || !processAlive(pid) {
		return false
	}
	comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(comm)) == "dockerd"
}

func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// hostRoutes returns the IPv4 routes of the host as (destination, mask).
func hostRoutes() [][2]uint32 {
	b, err := os.ReadFile("/proc/net/route")
	if err != nil {
		return nil
	}
	var out [][2]uint32
	for i, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if i == 0 || len(f) < 8 {
			continue
		}
		dst, err1 := strconv.ParseUint(f[1], 16, 32)
		mask, err2 := strconv.ParseUint(f[7], 16, 32)
		if err1 != nil || err2 != nil {
			continue
		}
		// /proc/net/route is in host (little-endian) byte order.
		out = append(out, [2]uint32{swap32(uint32(dst)), swap32(uint32(mask))})
	}
	return out
}

func swap32(x uint32) uint32 {
	return x>>24 | (x>>8)&0xff00 | (x<<8)&0xff0000 | x<<24
}

// routeIn reports whether a route other than the default overlaps
// 10.n.0.0/16.
func routeIn(routes [][2]uint32, n int) bool {
	lo := uint32(10)<<24 | uint32(n)<<16
	const mask16 = 0xffff0000
	for _, r := range routes {
		dst, mask := r[0], r[1]
		if mask == 0 {
			continue // the default route
		}
		m := mask & mask16 // the shorter of the two prefixes
		if dst&m == lo&m {
			return true
		}
	}
	return false
}

// flockFile takes an exclusive flock on path; the returned func releases it.
func flockFile(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// ---- the Engine 29 bundle ----

// BundlePath is the Engine 29 bundle: BILGE_ENGINE_BUNDLE, or
// shared/engines/ next to the repository (../shared/engines/ from it).
func BundlePath() string {
	if p := os.Getenv("BILGE_ENGINE_BUNDLE"); p != "" {
		return p
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	return filepath.Join(root, "..", "shared", "engines", bundleName)
}

// userCacheHome is XDG_CACHE_HOME as the test process found it: Main
// points XDG_CACHE_HOME at a directory of its own, but the unpacked engine
// bundle is worth keeping between runs.
var userCacheHome = os.Getenv("XDG_CACHE_HOME")

// EngineBundle unpacks the Engine 29 bundle once into the user's cache
// directory (keyed by the tarball's sha256) and returns the directory
// holding dockerd, containerd, runc and the docker CLI.
func EngineBundle() (string, error) {
	tarball := BundlePath()
	f, err := os.Open(tarball)
	if err != nil {
		return "", fmt.Errorf("%w: the Engine 29 bundle is missing (%v); set BILGE_ENGINE_BUNDLE to %s (see shared/engines/README.md)", ErrNoDaemon, err, bundleName)
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	if err != nil {
		return "", err
	}
	sum := hex.EncodeToString(h.Sum(nil))
	cache := userCacheHome
	if cache == "" {
		cache = filepath.Join(os.TempDir(), "bilge-cache")
	}
	root := filepath.Join(cache, "bilge-engines")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", err
	}
	dest := filepath.Join(root, sum[:16])
	bin := filepath.Join(dest, "docker-29.7.2")
	if _, err := os.Stat(filepath.Join(dest, ".complete")); err == nil {
		return bin, nil
	}
	unlock, err := flockFile(filepath.Join(root, "lock"))
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dest, ".complete")); err == nil {
		return bin, nil
	}
	_ = os.RemoveAll(dest)
	tmp, err := os.MkdirTemp(root, "unpack-")
	if err != nil {
		return "", err
	}
	if out, err := exec.Command("tar", "-xJf", tarball, "-C", tmp).CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("unpacking %s: %v: %s", tarball, err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), []byte(sum+"\n"), 0o644); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.RemoveAll(tmp)
		return "", err
	}
	if _, err := os.Stat(filepath.Join(bin, "dockerd")); err != nil {
		return "", fmt.Errorf("%s has no docker-29.7.2/dockerd: %v", tarball, err)
	}
	return bin, nil
}
