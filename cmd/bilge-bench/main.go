// Command bilge-bench measures bilge as a whole process against a real
// Docker daemon seeded at scale (issue 7). Run it through scripts/bench.sh,
// which starts the daemon and builds bilge:
//
//	scripts/bench.sh [flags]
//	go run ./cmd/bilge-bench -bilge ./bilge [flags]
//
// It seeds a labelled state (by default 800 images, 1,500 containers of
// which 375 run, 500 volumes, 30 networks, BuildKit cache), then measures:
//
//   - the engine's raw API calls (median of -calls calls each);
//   - bilge in a 120×40 tmux pane: time from process start to the first
//     frame with image rows and to the costly sizes (median of -runs runs,
//     each with an empty layer cache);
//   - idle cost over -idle at the default settings: bilge's CPU, dockerd's
//     CPU with bilge and over an equal baseline without it, bilge's RSS;
//   - bilge prune --dry-run with a policy file, against docker system df
//     (median of -runs runs, warm layer cache);
//   - bulk deletion of 300 stopped containers and 100 unused images with
//     bilge's worker, one call at a time, and the engine's prune endpoints.
//
// It prints one "name: value unit" line per figure (stdout, and -out),
// progress on stderr. It holds the engine lock of package enginetest while
// its objects exist, and removes everything labelled with its run IDs
// (bilge.test=bench-…) at the end, also on failure and on Ctrl-C; nothing
// else is touched. -cleanup RUNID removes what an interrupted run left.
//
// It measures the daemon DOCKER_HOST names (else /var/run/docker.sock),
// or with -engine debian|29o|29c a private daemon it starts through
// package enginetest (Debian's dockerd, or Engine 29.7.2 from the bundle
// on overlay2 or on the containerd image store): its own socket, data
// root and address pool, stopped by its PID and removed at the end, also
// on Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"bilge/internal/enginetest"
)

type config struct {
	bilge        string
	out          string
	idle         time.Duration
	runs         int
	calls        int
	images       int
	containers   int
	running      int
	volumes      int
	delCtrs      int
	delImgs      int
	parallel     int
	seedParallel int
	skip         map[string]bool
	cleanup      string
	engine       string // enginetest engine of a private daemon; "" for DOCKER_HOST's
	dockerd      int    // PID of the measured dockerd
	cli          string // the private daemon's docker CLI ("" for DOCKER_HOST's)
}

// benchEngines maps -engine to the engines of package enginetest.
var benchEngines = map[string]string{
	"debian": enginetest.EngineDebian,
	"29o":    enginetest.Engine29Overlay2,
	"29c":    enginetest.Engine29Containerd,
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == execTracedArg {
		execTraced(os.Args[2:])
		return
	}
	os.Exit(run())
}

func run() int {
	var c config
	var skip string
	flag.StringVar(&c.bilge, "bilge", "", "bilge binary to measure (default: go build it into a temporary directory)")
	flag.StringVar(&c.out, "out", "", "also write the figures to this file")
	flag.DurationVar(&c.idle, "idle", 60*time.Second, "idle measurement (and dockerd baseline) duration")
	flag.IntVar(&c.runs, "runs", 3, "bilge start-ups to take the median of")
	flag.IntVar(&c.calls, "calls", 5, "calls of each API endpoint to take the median of")
	flag.IntVar(&c.images, "images", 800, "images to seed")
	flag.IntVar(&c.containers, "containers", 1500, "containers to seed")
	flag.IntVar(&c.running, "running", -1, "of which running (default: a quarter)")
	flag.IntVar(&c.volumes, "volumes", 500, "volumes to seed")
	flag.IntVar(&c.delCtrs, "delete-containers", 300, "stopped containers in each deletion set")
	flag.IntVar(&c.delImgs, "delete-images", 100, "unused images in each deletion set")
	flag.IntVar(&c.parallel, "parallel", 4, "bilge worker's parallel deletions")
	flag.IntVar(&c.seedParallel, "seed-parallel", 12, "engine calls at once while seeding and cleaning up")
	flag.StringVar(&skip, "skip", "", "comma-separated phases to skip: api, start, idle, prune, delete")
	flag.StringVar(&c.cleanup, "cleanup", "", "only remove the objects of this earlier bench run ID (bench-…) and exit")
	var engine string
	flag.StringVar(&engine, "engine", "", "start a private daemon of this engine and measure it instead of DOCKER_HOST's: debian (Debian's dockerd, overlay2), 29o (Engine 29 bundle, overlay2), 29c (Engine 29 bundle, containerd image store)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "bilge-bench: unexpected argument %q\n", flag.Arg(0))
		return 2
	}
	if c.running < 0 {
		c.running = c.containers / 4
	}
	if engine != "" {
		if c.engine = benchEngines[engine]; c.engine == "" {
			fmt.Fprintf(os.Stderr, "bilge-bench: unknown -engine %q: want debian, 29o or 29c\n", engine)
			return 2
		}
		if c.cleanup != "" {
			fmt.Fprintln(os.Stderr, "bilge-bench: -cleanup is for DOCKER_HOST's daemon; a private daemon (-engine) is removed whole at the end")
			return 2
		}
	}
	c.skip = map[string]bool{}
	for _, p := range strings.Split(skip, ",") {
		if p = strings.TrimSpace(p); p != "" {
			if !slices.Contains([]string{"api", "start", "idle", "prune", "delete"}, p) {
				fmt.Fprintf(os.Stderr, "bilge-bench: unknown phase %q in -skip\n", p)
				return 2
			}
			c.skip[p] = true
		}
	}
	enginetest.ScaleParallel = c.seedParallel

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	// The private daemon (-engine), stopped by its PID at the end and when
	// the bench gives up on a signal.
	var daemon *enginetest.Daemon
	var daemonMu sync.Mutex
	closeDaemon := func() {
		daemonMu.Lock()
		defer daemonMu.Unlock()
		if daemon != nil {
			logf("stopping the private daemon (pid %d) and removing %s…", daemon.PID(), daemon.Dir())
			if err := daemon.Close(); err != nil {
				logf("private daemon: %v", err)
			}
			daemon = nil
		}
	}
	defer closeDaemon()
	go func() {
		<-ctx.Done()
		// Keep catching signals while cleaning up; the third one gives up.
		ch := make(chan os.Signal, 4)
		signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		n := 0
		for range ch {
			n++
			if n >= 2 {
				if c.engine != "" {
					logf("interrupted again: stopping the private daemon without finishing the cleanup")
					closeDaemon()
				} else {
					logf("interrupted again: exiting without finishing the cleanup (remove the rest with -cleanup RUNID)")
				}
				os.Exit(130)
			}
			logf("cleaning up what the bench created; interrupt twice more to abandon")
		}
	}()

	var e *enginetest.Engine
	var err error
	if c.engine != "" {
		logf("starting a private daemon: engine %s…", c.engine)
		d, err := enginetest.StartDaemon(c.engine)
		if err != nil {
			logf("%v", err)
			return 1
		}
		daemonMu.Lock()
		daemon = d
		daemonMu.Unlock()
		c.dockerd = d.PID()
		c.cli = d.CLI()
		if e, err = enginetest.ConnectHost(d.Host()); err != nil {
			logf("%v", err)
			return 1
		}
		logf("using the private daemon %s", d)
	} else {
		if e, err = enginetest.Connect(); err != nil {
			logf("%v (start a daemon with scripts/dockerd.sh)", err)
			return 1
		}
		// It seeds (and removes) hundreds of objects: say on which daemon.
		logf("using the daemon at %s (API %s; DOCKER_HOST chooses another)", e.Host(), e.APIVersion())
	}
	if c.cleanup != "" {
		if !strings.HasPrefix(c.cleanup, "bench-") {
			logf("-cleanup takes a bench run ID (bench-…), got %q", c.cleanup)
			return 2
		}
		unlock, err := lockEngine(e.Host())
		if err != nil {
			logf("%v", err)
			return 1
		}
		defer unlock()
		b := &bench{cfg: c, e: e, base: c.cleanup}
		if err := b.cleanupAll(); err != nil {
			logf("cleanup: %v", err)
			return 1
		}
		return 0
	}
	if err := preflight(&c); err != nil {
		logf("%v", err)
		return 1
	}
	if c.bilge == "" {
		dir, err := os.MkdirTemp("", "bilge-bench-bin-")
		if err != nil {
			logf("%v", err)
			return 1
		}
		defer os.RemoveAll(dir)
		c.bilge = filepath.Join(dir, "bilge")
		logf("building bilge…")
		cmd := exec.Command("go", "build", "-o", c.bilge, ".")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			logf("go build: %v", err)
			return 1
		}
	}
	if abs, err := filepath.Abs(c.bilge); err == nil {
		c.bilge = abs
	}
	if _, err := os.Stat(c.bilge); err != nil {
		logf("bilge binary: %v", err)
		return 1
	}

	unlock, err := lockEngine(e.Host())
	if err != nil {
		logf("%v", err)
		return 1
	}
	defer unlock()

	b := &bench{cfg: c, e: e, base: "bench-" + enginetest.NewRunID(), started: time.Now()}
	b.rep.group("engine")
	if daemon != nil {
		b.rep.add("engine: private daemon, %s", daemon)
	} else {
		b.rep.add("engine: the daemon at %s (API %s), dockerd pid %d", e.Host(), e.APIVersion(), c.dockerd)
	}
	tmp, err := os.MkdirTemp("", "bilge-bench-")
	if err != nil {
		logf("%v", err)
		return 1
	}
	b.tmp = tmp
	defer os.RemoveAll(tmp)

	runErr := b.run(ctx)
	b.stopAllBilge()
	logf("cleaning up run %s…", b.base)
	cleanStart := time.Now()
	cleanErr := b.cleanupAll()
	if cleanErr == nil {
		logf("cleaned up in %.1f s", time.Since(cleanStart).Seconds())
	}
	b.rep.group("bench")
	b.rep.add("bench cleanup: %.1f s", time.Since(cleanStart).Seconds())
	b.rep.add("bench total: %.1f s (%s)", time.Since(b.started).Seconds(), time.Since(b.started).Round(time.Second))
	b.rep.summary()

	b.rep.write(os.Stdout)
	if c.out != "" {
		f, err := os.Create(c.out)
		if err == nil {
			b.rep.write(f)
			err = f.Close()
		}
		if err != nil {
			logf("-out: %v", err)
			return 1
		}
	}
	switch {
	case runErr != nil && ctx.Err() != nil:
		logf("interrupted")
		return 130
	case runErr != nil:
		logf("failed: %v", runErr)
		return 1
	case cleanErr != nil:
		logf("cleanup: %v (remove the rest with: go run ./cmd/bilge-bench -cleanup %s)", cleanErr, b.base)
		return 1
	}
	return 0
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "bilge-bench %s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

// lockEngine takes the engine lock of the daemon at host, saying so when it has to
// wait.
func lockEngine(host string) (func(), error) {
	got := make(chan struct{})
	go func() {
		select {
		case <-got:
		case <-time.After(2 * time.Second):
			logf("waiting for the engine lock (another bench is using the daemon)…")
		}
	}()
	unlock, err := enginetest.LockEngine(host)
	close(got)
	return unlock, err
}

// preflight checks for tmux and finds the dockerd whose CPU the bench
// measures (already known for a private daemon).
func preflight(c *config) error {
	if _, err := exec.LookPath("tmux"); err != nil {
		return errors.New("tmux is missing: install it (apt-get install tmux)")
	}
	if c.dockerd == 0 {
		pid, err := dockerdPID()
		if err != nil {
			return err
		}
		c.dockerd = pid
	}
	return nil
}

// bench is one benchmark run.
type bench struct {
	cfg     config
	e       *enginetest.Engine
	base    string // run ID of the scale seed; deletion sets are base-dN
	runIDs  []string
	scale   *enginetest.ScaleState
	tmp     string
	started time.Time
	rep     report
	live    []*bilgeProc // started, maybe not stopped yet

	apiMedian map[string]time.Duration
}

func (b *bench) run(ctx context.Context) error {
	pctx := enginetest.WithProgress(ctx, func(msg string) { logf("%s", msg) })
	b.warnStale(ctx)

	// 1. Seed.
	b.runIDs = append(b.runIDs, b.base)
	logf("seeding run %s: %d images, %d containers (%d running), %d volumes, %d networks, build cache",
		b.base, b.cfg.images, b.cfg.containers, b.cfg.running, b.cfg.volumes, enginetest.ScaleNetworks)
	seedStart := time.Now()
	s, err := b.e.SeedScale(pctx, b.base, b.cfg.images, b.cfg.containers, b.cfg.running, b.cfg.volumes)
	b.scale = s
	seedTook := time.Since(seedStart)
	b.rep.group("seed")
	if s != nil {
		b.rep.add("seed images: %d (%d tagged, %d dangling, in %d docker-save archives; +1 BuildKit-built)", s.Tagged+s.Dangling, s.Tagged, s.Dangling, s.Archives)
		b.rep.add("seed containers: %d (%d running, %d exited, %d created)", len(s.Containers), s.Running, s.Exited, s.Created)
		b.rep.add("seed volumes: %d (%d mounted, %d holding data)", len(s.Volumes), s.VolumesMounted, s.VolumesWithData)
		b.rep.add("seed networks: %d", len(s.Networks))
		b.rep.add("seed build cache: %d records", len(s.BuildCache))
		var parts []string
		for _, st := range s.Steps {
			parts = append(parts, fmt.Sprintf("%s %.1f", st.Name, st.Took.Seconds()))
		}
		b.rep.add("seed time: %.1f s (%s)", seedTook.Seconds(), strings.Join(parts, ", "))
	}
	if err != nil {
		return err
	}
	if err := b.engineTotals(ctx); err != nil {
		return err
	}

	// 2. Raw API.
	if !b.cfg.skip["api"] {
		if err := b.apiFigures(ctx); err != nil {
			return fmt.Errorf("api: %w", err)
		}
	}
	// 3, 4. bilge start-ups and idle.
	if !b.cfg.skip["start"] || !b.cfg.skip["idle"] {
		if err := b.bilgeFigures(ctx); err != nil {
			return fmt.Errorf("bilge: %w", err)
		}
	}
	// bilge prune --dry-run against docker system df.
	if !b.cfg.skip["prune"] {
		if err := b.pruneFigures(ctx); err != nil {
			return fmt.Errorf("prune: %w", err)
		}
	}
	// 5. Deletion.
	if !b.cfg.skip["delete"] {
		if err := b.deleteFigures(pctx); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
	}
	return nil
}

// warnStale says when objects of an earlier, interrupted bench run are on
// the daemon: they are not removed (only their run's -cleanup does), but
// they inflate the figures.
func (b *bench) warnStale(ctx context.Context) {
	q := url.Values{"all": {"1"}, "filters": {`{"label":["` + enginetest.Label + `"]}`}}
	var cs []struct{ Labels map[string]string }
	if err := b.e.Do(ctx, http.MethodGet, "/containers/json", q, nil, &cs); err != nil {
		return
	}
	stale := map[string]int{}
	for _, c := range cs {
		if v := c.Labels[enginetest.Label]; strings.HasPrefix(v, "bench-") {
			stale[baseOf(v)]++
		}
	}
	for id, n := range stale {
		logf("warning: %d containers of an earlier bench run %s are on the daemon and skew the figures; remove them with: go run ./cmd/bilge-bench -cleanup %s", n, id, id)
	}
}

// baseOf is the scale run ID of a run ID (bench-xxx-d1 → bench-xxx).
func baseOf(runID string) string {
	parts := strings.SplitN(runID, "-", 3)
	if len(parts) >= 2 {
		return parts[0] + "-" + parts[1]
	}
	return runID
}

func (b *bench) engineTotals(ctx context.Context) error {
	var info struct {
		Containers, ContainersRunning, Images int
	}
	if err := b.e.Do(ctx, http.MethodGet, "/info", nil, nil, &info); err != nil {
		return err
	}
	var vs struct{ Volumes []struct{ Name string } }
	if err := b.e.Do(ctx, http.MethodGet, "/volumes", nil, nil, &vs); err != nil {
		return err
	}
	var ns []struct{ ID string }
	if err := b.e.Do(ctx, http.MethodGet, "/networks", nil, nil, &ns); err != nil {
		return err
	}
	b.rep.add("engine totals: %d images, %d containers (%d running), %d volumes, %d networks (all of the daemon's)",
		info.Images, info.Containers, info.ContainersRunning, len(vs.Volumes), len(ns))
	return nil
}

// cleanupAll removes everything labelled with the bench's run IDs: those
// it recorded, and any other of the form base-… (sets of this run).
func (b *bench) cleanupAll() error {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	ctx = enginetest.WithProgress(ctx, func(msg string) { logf("%s", msg) })
	ids := map[string]bool{}
	for _, id := range b.runIDs {
		ids[id] = true
	}
	ids[b.base] = true
	// Sweep: label values base or base-… on any kind.
	for _, path := range []string{"/containers/json?all=1", "/images/json?all=1", "/volumes", "/networks"} {
		for _, v := range labelValues(ctx, b.e, path) {
			if v == b.base || strings.HasPrefix(v, b.base+"-") {
				ids[v] = true
			}
		}
	}
	var errs []error
	for id := range ids {
		if err := b.e.CleanupScale(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// labelValues lists the values of the enginetest label on one kind.
func labelValues(ctx context.Context, e *enginetest.Engine, path string) []string {
	p, rawq, _ := strings.Cut(path, "?")
	q, _ := url.ParseQuery(rawq)
	q.Set("filters", `{"label":["`+enginetest.Label+`"]}`)
	type labelled struct{ Labels map[string]string }
	var out []string
	switch p {
	case "/volumes":
		var vs struct{ Volumes []labelled }
		if e.Do(ctx, http.MethodGet, p, q, nil, &vs) == nil {
			for _, v := range vs.Volumes {
				out = append(out, v.Labels[enginetest.Label])
			}
		}
	default:
		var ls []labelled
		if e.Do(ctx, http.MethodGet, p, q, nil, &ls) == nil {
			for _, v := range ls {
				out = append(out, v.Labels[enginetest.Label])
			}
		}
	}
	return out
}
