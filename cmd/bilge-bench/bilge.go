package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// execTracedArg makes bilge-bench a wrapper: "bilge-bench __exec-traced
// TRACE BILGE ARGS…" appends "start <unix ns> <pid>" to TRACE and execs
// BILGE in the same process, so the start time is the process's own and
// the pid is bilge's.
const execTracedArg = "__exec-traced"

func execTraced(args []string) {
	if len(args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: bilge-bench "+execTracedArg+" TRACE BILGE [ARGS…]")
		os.Exit(2)
	}
	now := time.Now()
	f, err := os.OpenFile(args[0], os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err == nil {
		_, err = fmt.Fprintf(f, "start %d %d\n", now.UnixNano(), os.Getpid())
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err == nil {
		err = syscall.Exec(args[1], args[1:], os.Environ())
	}
	fmt.Fprintln(os.Stderr, "bilge-bench:", err)
	time.Sleep(5 * time.Second) // leave the message readable in the pane
	os.Exit(127)
}

// bilgeProc is bilge running in its own tmux server.
type bilgeProc struct {
	n       int
	sock    string // tmux -L name
	conf    string
	trace   string
	cache   string // XDG_CACHE_HOME
	socket  string // path of the tmux server's socket
	pid     int
	start   time.Time
	stopped bool
}

// tmux runs one tmux command against this run's own server only, with a
// deadline, and without what a surrounding tmux (the user's) sets in the
// environment.
func (p *bilgeProc) tmux(args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "tmux", append([]string{"-L", p.sock, "-f", p.conf}, args...)...)
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "TMUX" && k != "TMUX_PANE" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("tmux %s: no answer within 15s (%v)", args[0], err)
	}
	return out, err
}

// launch starts bilge (default settings) in a detached 120×40 tmux pane
// with an empty layer cache, and waits for its start line.
func (b *bench) launch(ctx context.Context, n int) (*bilgeProc, error) {
	dir := filepath.Join(b.tmp, fmt.Sprintf("run%d", n))
	if err := os.MkdirAll(filepath.Join(dir, "cache"), 0o700); err != nil {
		return nil, err
	}
	p := &bilgeProc{
		n:     n,
		sock:  fmt.Sprintf("bilge-bench-%d-%d", os.Getpid(), n),
		conf:  filepath.Join(dir, "tmux.conf"),
		trace: filepath.Join(dir, "trace"),
		cache: filepath.Join(dir, "cache"),
	}
	conf := "set -g status off\nset -g remain-on-exit on\nset -g default-terminal tmux-256color\n"
	if err := os.WriteFile(p.conf, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	b.live = append(b.live, p)
	out, err := p.tmux("new-session", "-d", "-s", "bench", "-x", "120", "-y", "40",
		"-e", "BILGE_TRACE="+p.trace, "-e", "XDG_CACHE_HOME="+p.cache,
		"--", exe, execTracedArg, p.trace, b.cfg.bilge, "-H", b.e.Host())
	if err != nil {
		return p, fmt.Errorf("tmux new-session: %v: %s", err, strings.TrimSpace(string(out)))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := readTrace(p.trace); m["start"].pid != 0 {
			p.pid, p.start = m["start"].pid, m["start"].at
			out, err := p.tmux("display-message", "-p", "-t", "bench", "#{socket_path} #{pane_width}x#{pane_height}")
			if err != nil {
				return p, fmt.Errorf("tmux display-message: %v: %s", err, strings.TrimSpace(string(out)))
			}
			sock, size, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
			p.socket = sock
			if size != "120x40" {
				return p, fmt.Errorf("tmux pane is %s, want 120x40", size)
			}
			return p, nil
		}
		if time.Now().After(deadline) {
			return p, fmt.Errorf("bilge did not start in 10 s; pane:\n%s", p.pane())
		}
		if err := sleep(ctx, 5*time.Millisecond); err != nil {
			return p, err
		}
	}
}

type milestone struct {
	at  time.Time
	pid int
}

// readTrace parses a trace file: "start <ns> <pid>", "rows <ns>", "sized <ns>".
func readTrace(path string) map[string]milestone {
	out := map[string]milestone{}
	f, err := os.Open(path)
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 {
			continue
		}
		ns, err := strconv.ParseInt(fs[1], 10, 64)
		if err != nil {
			continue
		}
		m := milestone{at: time.Unix(0, ns)}
		if len(fs) > 2 {
			m.pid, _ = strconv.Atoi(fs[2])
		}
		if _, seen := out[fs[0]]; !seen {
			out[fs[0]] = m
		}
	}
	return out
}

// waitFor waits for a milestone of bilge's trace and returns its time
// since the process started.
func (b *bench) waitFor(ctx context.Context, p *bilgeProc, what string, timeout time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(timeout)
	for {
		if m, ok := readTrace(p.trace)[what]; ok {
			return m.at.Sub(p.start), nil
		}
		if !alive(p.pid) {
			return 0, fmt.Errorf("bilge exited before %q; pane:\n%s", what, p.pane())
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no %q milestone in %s; pane:\n%s", what, timeout, p.pane())
		}
		if err := sleep(ctx, 10*time.Millisecond); err != nil {
			return 0, err
		}
	}
}

// imagesRow is the Overview's Images row once the image list is in: a
// count in TOTAL, not the pending mark.
var imagesRow = regexp.MustCompile(`(?m)^\W*Images\s+\d+\s`)

// waitScreen polls the tmux pane until it shows a frame for which ok holds
// and returns the time since the process started: what the user sees,
// with the terminal's own latency (tmux) included.
func (b *bench) waitScreen(ctx context.Context, p *bilgeProc, ok func(string) bool, timeout time.Duration) (time.Duration, error) {
	deadline := time.Now().Add(timeout)
	for {
		out, err := p.tmux("capture-pane", "-p", "-t", "bench")
		now := time.Now()
		if err == nil && ok(string(out)) {
			return now.Sub(p.start), nil
		}
		if !alive(p.pid) {
			return 0, fmt.Errorf("bilge exited before its first rows; pane:\n%s", p.pane())
		}
		if now.After(deadline) {
			return 0, fmt.Errorf("no image rows on screen in %s; pane:\n%s", timeout, p.pane())
		}
		if err := sleep(ctx, 2*time.Millisecond); err != nil {
			return 0, err
		}
	}
}

func (p *bilgeProc) pane() string {
	out, err := p.tmux("capture-pane", "-p", "-t", "bench")
	if err != nil {
		return "(no pane: " + err.Error() + ")"
	}
	return strings.TrimRight(string(out), "\n ")
}

// quit asks bilge to quit (q), then terminates it by pid if it lingers,
// and stops its tmux server.
func (b *bench) quit(p *bilgeProc) {
	if p.stopped {
		return
	}
	p.stopped = true
	if p.pid != 0 && alive(p.pid) {
		_, _ = p.tmux("send-keys", "-t", "bench", "q")
		waitGone(p.pid, 5*time.Second)
		if alive(p.pid) {
			_ = syscall.Kill(p.pid, syscall.SIGTERM)
			waitGone(p.pid, 3*time.Second)
		}
		if alive(p.pid) {
			_ = syscall.Kill(p.pid, syscall.SIGKILL)
			waitGone(p.pid, 3*time.Second)
		}
	}
	_, _ = p.tmux("kill-server")
	if p.socket != "" {
		_ = os.Remove(p.socket)
	}
}

func (b *bench) stopAllBilge() {
	for _, p := range b.live {
		b.quit(p)
	}
}

func waitGone(pid int, d time.Duration) {
	deadline := time.Now().Add(d)
	for alive(pid) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// bilgeFigures starts bilge -runs times (start-up figures), the last time
// also measuring it idle, after a dockerd baseline without bilge.
func (b *bench) bilgeFigures(ctx context.Context) error {
	runs := b.cfg.runs
	if b.cfg.skip["start"] {
		runs = 1
	}
	dpid := b.cfg.dockerd
	var rows, screen, lists, sized []time.Duration
	var idle *idleFigures
	for r := 1; r <= runs; r++ {
		doIdle := r == runs && !b.cfg.skip["idle"]
		var baseline float64
		if doIdle {
			if err := sleep(ctx, 3*time.Second); err != nil {
				return err
			}
			logf("dockerd baseline without bilge: %s…", b.cfg.idle)
			m, err := startCPU(dpid)
			if err != nil {
				return err
			}
			if err := sleep(ctx, b.cfg.idle); err != nil {
				return err
			}
			pct, _, err := m.percent()
			if err != nil {
				return err
			}
			baseline = pct[0]
		}
		logf("bilge run %d/%d…", r, runs)
		p, err := b.launch(ctx, r)
		if err != nil {
			return err
		}
		sc, err := b.waitScreen(ctx, p, imagesRow.MatchString, 2*time.Minute)
		if err != nil {
			return err
		}
		rw, err := b.waitFor(ctx, p, "rows", 2*time.Minute)
		if err != nil {
			return err
		}
		ls, err := b.waitFor(ctx, p, "lists", 2*time.Minute)
		if err != nil {
			return err
		}
		sz, err := b.waitFor(ctx, p, "sized", 5*time.Minute)
		if err != nil {
			return err
		}
		rows, screen, lists, sized = append(rows, rw), append(screen, sc), append(lists, ls), append(sized, sz)
		logf("bilge run %d: first rows on screen %s s (in the model %s s), every list %s s, sized %s s", r, secs(sc), secs(rw), secs(ls), secs(sz))
		if doIdle {
			idle, err = b.idle(ctx, p, dpid, baseline)
			if err != nil {
				return err
			}
		}
		b.quit(p)
		if r < runs {
			if err := sleep(ctx, 2*time.Second); err != nil {
				return err
			}
		}
	}

	if !b.cfg.skip["start"] {
		b.rep.group(fmt.Sprintf("bilge start-up (median of %d runs, empty layer cache, tmux pane 120×40)", runs))
		sc, ls, sz := median(screen), median(lists), median(sized)
		if name, slow := b.slowestList(); slow > 0 {
			ratio := float64(sc) / float64(slow)
			b.rep.target(ratio <= 1.5, "bilge first rows: %s s on screen (%.1f× slowest list call %s s %s, target ≤1.5×)", secs(sc), ratio, secs(slow), name)
			b.rep.add("bilge every list in: %s s (%.1f× slowest list call)", secs(ls), float64(ls)/float64(slow))
		} else {
			b.rep.add("bilge first rows: %s s on screen", secs(sc))
		}
		if df := b.apiMedian["/system/df"]; df > 0 {
			b.rep.add("bilge sized: %s s (%.1f× /system/df %s s)", secs(sz), float64(sz)/float64(df), secs(df))
		} else {
			b.rep.add("bilge sized: %s s", secs(sz))
		}
		b.rep.add("bilge runs: first rows on screen %s s (in the model %s s); every list %s s; sized %s s", secsList(screen), secsList(rows), secsList(lists), secsList(sized))
	}
	if idle != nil {
		b.rep.group(fmt.Sprintf("bilge idle (%s at default settings, after start-up settled)", b.cfg.idle))
		b.rep.target(idle.bilge <= 1, "bilge idle cpu: %.2f %% of a core (target ≤1%%)", idle.bilge)
		caused := idle.dockerdWith - idle.dockerdWithout
		b.rep.target(caused <= 2, "dockerd cpu caused by bilge: %.2f %% of a core (with %.2f, without %.2f; target ≤2%%)", caused, idle.dockerdWith, idle.dockerdWithout)
		b.rep.target(idle.rss <= 60<<20, "bilge rss: %.1f MiB (peak %.1f MiB; target ≤60)", mib(idle.rss), mib(idle.hwm))
		b.rep.add("bilge settle: %s s from start to quiet (%d image layer sets cached)", secs(idle.settle), idle.cached)
	}
	return nil
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }

type idleFigures struct {
	bilge, dockerdWith, dockerdWithout float64
	rss, hwm                           int64
	settle                             time.Duration
	cached                             int
}

// idle waits until bilge is quiet (start-up work done: lists, disk usage,
// the layer fill), then measures it and dockerd over -idle.
func (b *bench) idle(ctx context.Context, p *bilgeProc, dpid int, baseline float64) (*idleFigures, error) {
	logf("waiting for bilge to settle…")
	quiet := 0
	deadline := time.Now().Add(3 * time.Minute)
	for quiet < 3 && time.Now().Before(deadline) {
		m, err := startCPU(p.pid)
		if err != nil {
			return nil, err
		}
		if err := sleep(ctx, time.Second); err != nil {
			return nil, err
		}
		pct, _, err := m.percent()
		if err != nil {
			return nil, err
		}
		if pct[0] < 3 {
			quiet++
		} else {
			quiet = 0
		}
	}
	f := &idleFigures{settle: time.Since(p.start), dockerdWithout: baseline}
	if ents, err := os.ReadDir(filepath.Join(p.cache, "bilge", "layers")); err == nil {
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".json") {
				f.cached++
			}
		}
	}
	logf("bilge idle: measuring %s…", b.cfg.idle)
	m, err := startCPU(p.pid, dpid)
	if err != nil {
		return nil, err
	}
	if err := sleep(ctx, b.cfg.idle); err != nil {
		return nil, err
	}
	pct, _, err := m.percent()
	if err != nil {
		return nil, err
	}
	f.bilge, f.dockerdWith = pct[0], pct[1]
	f.rss, f.hwm, err = memory(p.pid)
	if err != nil {
		return nil, err
	}
	if !alive(p.pid) {
		return nil, fmt.Errorf("bilge exited while idle; pane:\n%s", p.pane())
	}
	return f, nil
}
