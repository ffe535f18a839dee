// Command bilge shows where Docker's disk space went and reclaims it.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"bilge/dockerapi"
	"bilge/dockerapi/demo"
	"bilge/internal/deletionlog"
	"bilge/internal/fleet"
	"bilge/internal/policy"
	"bilge/internal/report"
	"bilge/model"
	"bilge/ui"
)

// version is stamped at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `bilge — see where Docker's disk space went, and pump it out.

Usage:
  bilge [flags]              open the full-screen UI
  bilge --fleet [CONTEXT,...] [flags]
                             the UI over every docker context's engine (or those
                             named): the Engines view, enter opens an engine's tabs
  bilge df [--json] [-v] [--timeout DURATION]
                             print disk usage (like docker system df) and exit
  bilge df --fleet [CONTEXT,...] [--json] [--timeout DURATION]
                             the same for every docker context's engine (or those
                             named) in one table; exit 2 when some did not answer
  bilge prune [--policy FILE | --dangling --unused --older AGE ...] [--dry-run] [-f] [--json]
                             delete what a retention policy selects (bilge prune --help)
  bilge prune --fleet [CONTEXT,...] [--policy FILE ...] [--dry-run] [-f] [--json]
                             the same on every docker context's engine (or those named):
                             a plan per engine, one question, run in parallel
  bilge log [--json] [--since AGE] [--engine NAME]
                             show what bilge deleted (the deletions log)
  bilge record [--timeout DURATION]
                             record one sample of the disk usage in the history, quietly
                             (for cron: */30 * * * * bilge record)
  bilge history [--since AGE] [--engine NAME|ID] [--json]
                             show how each kind and repository grew, and the clean-ups
  bilge history --retention ALL,HOURLY,DAILY
                             set how long the history keeps samples (default 2d,60d,2y)

Flags:
  -H, --host URL           engine to use (unix://, tcp://, ssh://[user@]host[:port]);
                           default: DOCKER_HOST, the docker context, the local socket
      --context NAME       docker context to use (cannot be combined with --host)
      --read-only          browse only: no marking or deleting
      --policy FILE        the retention policy the presets menu (p) offers
                           (default $XDG_CONFIG_HOME/bilge/policy.yaml when it exists)
      --interval DURATION  ping period for connection state and data age (default 2s, at least 250ms)
      --parallel N         deletions run at once (default 4)
      --fleet [A,B,...]    the Engines view: the default context, every docker context
                           and the -H engine, measured in parallel; A,B,... a subset;
                           with --demo, three demo engines
      --demo               run against the built-in demo engine (nothing real touched)
      --demo-seed N        which demo host to generate (default 0; only with --demo)
      --version            print the version and exit
  -h, --help               show this help

df flags:
      --json               print one JSON object (bytes as integers)
  -v                       list every object of every kind
      --timeout DURATION   give up when the engine has not answered everything by then,
                           naming the call it waits for (default 60s)
      --fleet [A,B,...]    every engine: the default context, every docker context and
                           the -H engine, in parallel, each within --timeout (default 10s
                           here); A,B,... names a subset; with --demo, three demo engines

log flags:
      --json               print the entries as one JSON array (the engine's exact text)
      --since AGE          only deletions within AGE (7d, 12h, 30m)
      --engine NAME        only deletions from the engine with this docker context,
                           name, ID (docker info) or host (--context and --host
                           before log choose the same way)

record flags:
      --timeout DURATION   as for df (default 60s); record prints nothing and exits 0,
                           or prints one line and exits 1

history flags:
      --since AGE          the window to show (default 30d; 12h, 2w, 1y)
      --engine NAME|ID     the engine whose history to show (default: the only one
                           recorded, else the one -H/--context/DOCKER_HOST selects)
      --json               print one JSON object (bytes as integers)
      --retention A,H,D    keep every sample for A, the newest of each hour for H,
                           of each day for D (e.g. 2d,60d,2y), and exit

Every object bilge deletes is logged in $XDG_STATE_HOME/bilge/deletions.jsonl
(default ~/.local/state/bilge/deletions.jsonl). bilge df, bilge prune and
bilge record keep a history of the disk usage in $XDG_STATE_HOME/bilge/history.db.

As a docker CLI plugin (make install-plugin): docker [--context NAME | -H URL] bilge …

Environment: DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CONFIG, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH, DOCKER_API_VERSION, XDG_STATE_HOME, NO_COLOR.
`

// options are the parsed command line.
type options struct {
	sel      dockerapi.Selection
	readOnly bool
	interval time.Duration
	parallel int
	demo     bool
	demoSeed int64
	seedSet  bool // --demo-seed was given
	version  bool
	help     bool
	// df
	json    bool
	verbose bool
	timeout time.Duration
	// fleet is df's --fleet.
	fleet fleetFlag
	// timeoutSet: --timeout was given (--fleet's default differs).
	timeoutSet bool
	// policyPath is the UI's --policy.
	policyPath string
}

// minInterval keeps --interval from turning the ping into a busy loop.
const minInterval = 250 * time.Millisecond

// defaultDFTimeout bounds all of bilge df: a hung engine (or one stopped
// with SIGSTOP) must not leave a script waiting for ever.
const defaultDFTimeout = 60 * time.Second

func main() {
	ctx, stop := notifySignals()
	var code int
	if invokedAsPlugin(os.Args[0]) {
		code = runPlugin(ctx, os.Args[1:], os.Stdout, os.Stderr)
	} else {
		code = run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	}
	stop()
	os.Exit(code)
}

// signalError is the cause of the context when a signal ends bilge.
type signalError struct{ sig syscall.Signal }

func (e signalError) Error() string { return "terminated by " + signalName(e.sig) }

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGHUP:
		return "SIGHUP"
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// notifySignals returns a context cancelled, with a signalError as its
// cause, by the first SIGINT, SIGTERM or SIGHUP (the terminal closed): the
// UI then restores the terminal and says what a clean-up left. A second
// signal gets the default action.
func notifySignals() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	// A closed stdout (bilge df | head) is a write error to return, not a
	// signal that kills bilge before its deferred clean-up runs. Notify,
	// not Ignore: an ignored signal would stay ignored in the ssh that an
	// ssh:// host starts.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGPIPE)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			sig, _ := s.(syscall.Signal)
			cancel(signalError{sig})
		case <-done:
		}
	}()
	return ctx, func() {
		close(done)
		signal.Stop(ch)
		cancel(nil)
	}
}

// exitError is an error with its own exit code.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fail := func(err error) int {
		fmt.Fprintf(stderr, "bilge: %v\n", err)
		if ee := (*exitError)(nil); errors.As(err, &ee) {
			return ee.code
		}
		return 1
	}
	var o options
	global := newFlagSet("bilge", &o, false)
	if err := global.Parse(args); err != nil {
		return fail(flagError(err))
	}
	if o.help {
		fmt.Fprint(stdout, usage)
		return 0
	}
	if o.version {
		fmt.Fprintf(stdout, "bilge %s\n", version)
		return 0
	}
	if o.interval < minInterval {
		return fail(fmt.Errorf("--interval: %s is too short: give at least %s (see bilge --help)", o.interval, minInterval))
	}
	if o.parallel < 1 || o.parallel > 64 {
		return fail(fmt.Errorf("--parallel must be between 1 and 64, got %d", o.parallel))
	}
	rest, err := fleetList(global, &o)
	if err != nil {
		return fail(err)
	}
	if len(rest) == 0 {
		if err := demoFlags(o); err != nil {
			return fail(err)
		}
		start := runUI
		if o.fleet.on {
			start = runFleetUI
		}
		if err := start(ctx, o, stderr); err != nil {
			return fail(err)
		}
		return 0
	}
	switch rest[0] {
	case "df":
		sub := newFlagSet("bilge df", &o, true)
		sub.Var(&o.fleet, "fleet", "")
		if err := parseDF(sub, &o, rest[1:]); err != nil {
			return fail(err)
		}
		if o.help {
			fmt.Fprint(stdout, usage)
			return 0
		}
		if o.policyPath != "" {
			return fail(errors.New("--policy is for the UI and bilge prune: bilge df shows disk usage, which no policy changes"))
		}
		if sub.NArg() > 0 {
			return fail(fmt.Errorf("df takes no arguments, got %q", sub.Arg(0)))
		}
		if err := demoFlags(o); err != nil {
			return fail(err)
		}
		if o.timeout <= 0 {
			return fail(fmt.Errorf("--timeout: %s is not a positive duration (see bilge --help)", o.timeout))
		}
		dfRun := runDF
		if o.fleet.on {
			dfRun = runFleet
		}
		if err := dfRun(ctx, o, stdout, stderr); err != nil {
			if errors.Is(err, syscall.EPIPE) {
				// The reader went away (bilge df | head): stop quietly,
				// as a process killed by SIGPIPE would, but through the
				// deferred clean-up (the demo engine's socket).
				return 128 + int(syscall.SIGPIPE)
			}
			return fail(err)
		}
		return 0
	case "prune":
		if err := runPruneCommand(ctx, o, rest[1:], stdout, stderr); err != nil {
			return fail(err)
		}
		return 0
	case "log":
		if err := runLog(rest[1:], stdout, stderr, o); err != nil {
			if errors.Is(err, errHelp) {
				fmt.Fprint(stdout, usage)
				return 0
			}
			return fail(err)
		}
		return 0
	case "record":
		if err := runRecord(ctx, o, rest[1:], stdout, stderr); err != nil {
			if errors.Is(err, errHelp) {
				fmt.Fprint(stdout, usage)
				return 0
			}
			return fail(err)
		}
		return 0
	case "history":
		if err := runHistory(ctx, o, rest[1:], stdout, stderr); err != nil {
			if errors.Is(err, errHelp) {
				fmt.Fprint(stdout, usage)
				return 0
			}
			if errors.Is(err, syscall.EPIPE) {
				return 128 + int(syscall.SIGPIPE)
			}
			return fail(err)
		}
		return 0
	default:
		return fail(fmt.Errorf("unknown command %q: the commands are df, prune, log, record and history (see bilge --help)", rest[0]))
	}
}

var errHelp = errors.New("help")

// runLog is bilge log: the deletions log as a table, or JSON.
func runLog(args []string, stdout, stderr io.Writer, o options) error {
	if o.demo || o.seedSet {
		return errors.New("log reads bilge's own log and talks to no engine: --demo does not apply")
	}
	fs := flag.NewFlagSet("bilge log", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		asJSON, help bool
		since        time.Duration
		engine       string
	)
	fs.BoolVar(&asJSON, "json", false, "")
	fs.BoolVar(&help, "help", false, "")
	fs.BoolVar(&help, "h", false, "")
	fs.Func("since", "", func(v string) (err error) {
		since, err = model.ParseAge(v)
		if err == nil && since <= 0 {
			err = errors.New("not positive")
		}
		return err
	})
	fs.StringVar(&engine, "engine", "", "")
	if err := fs.Parse(args); err != nil {
		return flagError(err)
	}
	if help {
		return errHelp
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("log takes no arguments, got %q", fs.Arg(0))
	}
	if o.sel.Context != "" && o.sel.Host != "" {
		return errors.New("--context and --host cannot be used together: pick one")
	}
	if engine == "" {
		// bilge --context X log (and docker --context X bilge log): the
		// entries of that engine, as --engine X.
		engine = o.sel.Context + o.sel.Host
	}
	path, err := deletionlog.DefaultPath()
	if err != nil {
		return err
	}
	all, bad, err := deletionlog.Read(path)
	if err != nil {
		return err
	}
	if bad > 0 {
		// A torn last line (a crash mid-write) or someone's edit: the
		// rest is still worth showing.
		what := fmt.Sprintf("%d lines that are not deletions", bad)
		if bad == 1 {
			what = "1 line that is not a deletion"
		}
		fmt.Fprintf(stderr, "bilge: warning: %s: skipped %s\n", path, what)
	}
	var from time.Time
	if since > 0 {
		from = time.Now().Add(-since)
	}
	entries := deletionlog.Select(all, from, engine)
	if asJSON {
		if entries == nil {
			entries = []deletionlog.Entry{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(entries)
	}
	if len(entries) == 0 {
		what := "nothing deleted is logged yet"
		if len(all) > 0 {
			what = fmt.Sprintf("none of the %d logged deletions match", len(all))
		}
		_, err := fmt.Fprintf(stdout, "%s in %s: every object bilge deletes (in the UI, or by bilge prune) is logged there\n", what, path)
		return err
	}
	return deletionlog.Table(stdout, entries, time.Local)
}

// demoFlags checks the demo flags once every flag is read (before or
// after df): --demo-seed alone would otherwise silently use the real
// engine.
func demoFlags(o options) error {
	switch {
	case o.demo && (o.sel.Host != "" || o.sel.Context != ""):
		return errors.New("--demo runs its own engine: it cannot be combined with --host or --context")
	case o.seedSet && !o.demo:
		return errors.New("--demo-seed picks the demo engine's host: give it with --demo (see bilge --help)")
	}
	return nil
}

func newFlagSet(name string, o *options, df bool) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var((*hostFlag)(&o.sel.Host), "host", "")
	fs.Var((*hostFlag)(&o.sel.Host), "H", "")
	fs.StringVar(&o.sel.Context, "context", o.sel.Context, "")
	fs.BoolVar(&o.help, "help", false, "")
	fs.BoolVar(&o.help, "h", false, "")
	fs.BoolVar(&o.demo, "demo", o.demo, "")
	fs.Func("demo-seed", "", func(v string) error {
		n, err := strconv.ParseInt(v, 0, 64)
		o.demoSeed, o.seedSet = n, true
		return err
	})
	if df {
		fs.BoolVar(&o.json, "json", false, "")
		fs.BoolVar(&o.verbose, "v", false, "")
		fs.BoolVar(&o.verbose, "verbose", false, "")
		fs.Func("timeout", "", func(v string) (err error) {
			o.timeout, err = time.ParseDuration(v)
			o.timeoutSet = true
			return err
		})
		o.timeout = defaultDFTimeout
		return fs
	}
	fs.BoolVar(&o.readOnly, "read-only", false, "")
	fs.DurationVar(&o.interval, "interval", 2*time.Second, "")
	fs.IntVar(&o.parallel, "parallel", dockerapi.DefaultParallel, "")
	fs.BoolVar(&o.version, "version", false, "")
	fs.StringVar(&o.policyPath, "policy", "", "")
	fs.Var(&o.fleet, "fleet", "")
	return fs
}

// hostFlag is --host/-H: given twice it is an error, as in the docker CLI,
// rather than the last one silently winning.
type hostFlag string

func (h *hostFlag) String() string { return string(*h) }
func (h *hostFlag) Set(v string) error {
	if *h != "" {
		return errors.New("give only one --host (-H)")
	}
	if v == "" {
		return errors.New("empty host")
	}
	*h = hostFlag(v)
	return nil
}

// flagError words the flag package's errors the way the help spells flags
// (--name), and says what a bad value should look like.
func flagError(err error) error {
	msg := err.Error()
	dash := func(name string) string {
		if len(name) == 1 {
			return "-" + name
		}
		return "--" + name
	}
	var val, name string
	n, _ := fmt.Sscanf(msg, "invalid value %q for flag -%s", &val, &name)
	if n != 2 {
		n, _ = fmt.Sscanf(msg, "invalid boolean value %q for -%s", &val, &name)
	}
	if n == 2 {
		name = strings.TrimSuffix(name, ":")
		want := "a valid value"
		switch name {
		case "interval":
			want = "a duration such as 2s, 500ms or 1m"
		case "since":
			want = "an age such as 7d, 12h or 30m"
		case "timeout":
			want = "a duration such as 60s, 5m or 1h"
		case "parallel", "demo-seed":
			want = "a whole number"
		case "fleet":
			if _, reason, ok := strings.Cut(msg, ": "); ok {
				return fmt.Errorf("--fleet: %s: give docker contexts such as a,b (see bilge --help)", reason)
			}
		case "read-only", "demo", "json", "v", "verbose", "version", "help", "h":
			want = "true or false"
		case "host", "H":
			// hostFlag's own reason says what is wrong.
			if _, reason, ok := strings.Cut(msg, ": "); ok {
				return fmt.Errorf("%s: %s (see bilge --help)", dash(name), reason)
			}
		}
		return fmt.Errorf("%s: %q is not %s (see bilge --help)", dash(name), val, want)
	}
	for p, say := range map[string]string{"flag provided but not defined: -": "unknown flag %s", "flag needs an argument: -": "%s needs a value"} {
		if rest, ok := strings.CutPrefix(msg, p); ok {
			return fmt.Errorf(say+" (see bilge --help)", dash(rest))
		}
	}
	return fmt.Errorf("%v (see bilge --help)", err)
}

// open builds the client for the engine the options name, without talking
// to it: the built-in demo engine, served in-process on a private socket so
// the real client code runs, or a real one. release closes both, the demo
// engine's socket included, on every way out: call it (defer) whatever
// happens next. A docker config that could not be read but did not matter
// is one warning line on stderr.
func open(ctx context.Context, o options, stderr io.Writer) (e *dockerapi.Engine, release func(), err error) {
	sel := o.sel
	var d *demo.Engine
	if o.demo {
		// BILGE_DEMO_FAULTS (undocumented) injects faults, for tests.
		faults, err := demo.ParseFaults(os.Getenv("BILGE_DEMO_FAULTS"))
		if err != nil {
			return nil, nil, fmt.Errorf("BILGE_DEMO_FAULTS: %w", err)
		}
		d = demo.New(o.demoSeed, demo.WithLiveEvents(), faults)
		// The demo engine stands for an engine of its own: a signal to
		// bilge does not stop it (release does), so what is in flight
		// when bilge is told to go stays in flight, as it would on a real
		// engine, and the exit report says so.
		host, err := d.Serve(context.WithoutCancel(ctx))
		if err != nil {
			return nil, nil, fmt.Errorf("start the demo engine: %w", err)
		}
		sel = dockerapi.Selection{Host: host}
	}
	closeDemo := func() {
		if d != nil {
			_ = d.Close()
		}
	}
	e, err = dockerapi.Open(sel)
	if err != nil {
		closeDemo()
		return nil, nil, err
	}
	if w := e.Endpoint().Warning; w != "" && !o.demo {
		fmt.Fprintf(stderr, "bilge: warning: %s\n", w)
	}
	if o.demo {
		e.UseLayerCache(dockerapi.MemoryLayerCache())
	}
	return e, func() { e.Close(); closeDemo() }, nil
}

// ping checks the engine answers, within a bound, so a dead host fails
// with one line instead of a blank screen.
func ping(ctx context.Context, e *dockerapi.Engine) error {
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	return e.Ping(cctx)
}

func runUI(ctx context.Context, o options, stderr io.Writer) error {
	// Setup mistakes first, then the terminal, then the network: each
	// error names the first thing that is wrong.
	var pol ui.Options
	if err := uiPolicy(&pol, o.policyPath, os.Getenv); err != nil {
		return err
	}
	e, closeEngine, err := open(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer closeEngine()
	if !term.IsTerminal(os.Stdin.Fd()) || !term.IsTerminal(os.Stdout.Fd()) {
		return errors.New("the UI needs a terminal (stdin and stdout); for scripts use `bilge df` or `bilge df --json`")
	}
	if err := ping(ctx, e); err != nil {
		return err
	}
	title := engineTitle(e.Endpoint())
	if o.demo {
		title = fmt.Sprintf("demo engine (seed %d)", o.demoSeed)
	}
	uo := ui.Options{Interval: o.interval, ReadOnly: o.readOnly, Title: title, Parallel: o.parallel}
	uo.Policy, uo.PolicyPath, uo.PolicyErr = pol.Policy, pol.PolicyPath, pol.PolicyErr
	if !o.demo && !o.readOnly {
		// The demo engine's deletions are make-believe: not logged.
		if rec, err := recorder(e); err != nil {
			fmt.Fprintf(stderr, "bilge: warning: %v: deletions will not be logged\n", err)
		} else {
			uo.Recorder = uiRecorder{rec}
		}
	}
	hist, closeHistory := uiHistory(ctx, o, e, stderr)
	defer closeHistory()
	uo.History = hist
	trace, err := openTrace()
	if err != nil {
		return err
	}
	if trace != nil {
		defer trace.Close()
		uo.Trace = trace
	}
	app := ui.New(ctx, e, uo)
	_, err = tea.NewProgram(app, tea.WithContext(ctx), tea.WithFPS(fps())).Run()
	if c, ok := app.HistoryLeft(); ok {
		// A clean-up the UI had no time to record (it ended first).
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		if err := hist.AddCleanup(hctx, c); err != nil {
			fmt.Fprintf(stderr, "bilge: warning: the clean-up is not in the history: %v\n", err)
		}
		cancel()
	}
	// The terminal is restored: say what a clean-up that did not finish
	// left behind.
	if w := app.LogWarning(); w != "" {
		fmt.Fprintf(stderr, "bilge: warning: %s\n", w)
	}
	return uiExit(ctx, app.ExitReport(), err)
}

// uiExit is how the UI (one engine or the fleet) ends once the terminal is
// restored: report, when not "", says what a clean-up left undone (exit
// 1, or 128+N when signal N ended it); a signal alone is a normal way to
// leave; err is the program's own error.
func uiExit(ctx context.Context, report string, err error) error {
	if report != "" {
		code, msg := 1, report
		var sig signalError
		if errors.As(context.Cause(ctx), &sig) {
			code, msg = 128+int(sig.sig), sig.Error()+": "+report
		}
		return &exitError{code: code, msg: msg}
	}
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return nil // interrupted by a signal: a normal way to leave
	}
	return err
}

// openTrace opens BILGE_TRACE's file for the UI's milestones (for
// scripts/bench.sh; undocumented for users): nil when it is not set.
func openTrace() (*os.File, error) {
	path := os.Getenv("BILGE_TRACE")
	if path == "" {
		return nil, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("BILGE_TRACE: %w", err)
	}
	return f, nil
}

// engineTitle names an engine in the UI's header: its context and
// address, or its address.
func engineTitle(ep dockerapi.Endpoint) string {
	if ep.Context != "" {
		return "context " + ep.Context + " (" + ep.Host + ")"
	}
	return ep.Host
}

// uiPolicy gives the UI the retention policy: --policy FILE, else the
// default file when it exists. A file that does not parse still lets the
// UI start (its row in the presets menu says why); --policy naming a file
// that is not there is an error, as in bilge prune.
func uiPolicy(uo *ui.Options, path string, getenv func(string) string) error {
	given := path != ""
	if !given {
		var err error
		if path, err = policy.DefaultPath(getenv); err != nil {
			return nil // no default place: no policy
		}
		if _, err := os.Stat(path); err != nil {
			return nil
		}
	}
	if given {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			_, err := policy.Load(path) // its one line names the file
			return err
		}
	}
	uo.PolicyPath = path
	if home := getenv("HOME"); home != "" && strings.HasPrefix(path, home+"/") {
		uo.PolicyPath = "~" + strings.TrimPrefix(path, home)
	}
	p, err := policy.Load(path)
	var pe *policy.Error
	switch {
	case err == nil:
		uo.Policy = &p
	case errors.As(err, &pe):
		// The row names the file already.
		if pe.Line > 0 {
			uo.PolicyErr = fmt.Sprintf("line %d: ", pe.Line)
		}
		if pe.Key != "" {
			uo.PolicyErr += pe.Key + ": "
		}
		uo.PolicyErr += pe.Msg
	default:
		uo.PolicyErr = err.Error()
	}
	return nil
}

// recorder is the deletions log's recorder for the engine: named by the
// address used and, once something is deleted, by the engine's own
// identity (/info).
func recorder(e *dockerapi.Engine) (*deletionlog.Recorder, error) {
	path, err := deletionlog.DefaultPath()
	if err != nil {
		return nil, err
	}
	ep := e.Endpoint()
	return &deletionlog.Recorder{Log: deletionlog.Open(path), Engine: deletionlog.Engine{Host: ep.Host, Context: ep.Context},
		Identify: func() (string, string, error) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			d, err := e.Daemon(ctx)
			if d.Orig != nil {
				d = *d.Orig // the log keeps the engine's exact bytes
			}
			return d.ID, d.Name, err
		}}, nil
}

// uiRecorder gives the UI the deletions log's recorder.
type uiRecorder struct{ *deletionlog.Recorder }

func (r uiRecorder) Begin(plan model.Plan, snap *model.Snapshot, ix *model.ReclaimIndex) ui.RecordedRun {
	return r.Recorder.Begin(plan, snap, ix)
}

// runDF prints the disk usage. All of it is bounded by --timeout: an
// engine that stops answering ends it with one line naming the call that
// did not answer.
func runDF(ctx context.Context, o options, stdout, stderr io.Writer) error {
	e, closeEngine, err := open(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer closeEngine()
	dctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	snap, ix, err := measure(dctx, e)
	if err != nil {
		return measureError(ctx, dctx, e, err, o.timeout, "df")
	}
	at := time.Now()
	if err := printDF(stdout, o, snap, ix, at); err != nil {
		return err
	}
	// Every full measurement is a sample of the history; a problem with
	// it is one warning line and changes nothing of df's output or exit.
	if rec := newSampleRecorder(o, e, stderr); rec != nil {
		rec.sample(dctx, snap, ix, at)
		rec.close()
	}
	return nil
}

// printDF prints bilge df's table or JSON document.
func printDF(stdout io.Writer, o options, snap *model.Snapshot, ix *model.ReclaimIndex, at time.Time) error {
	if o.json {
		return report.JSON(stdout, snap, ix, o.verbose)
	}
	return report.Text(stdout, snap, ix, o.verbose, at)
}

// measure checks the engine answers and reads everything bilge df prints.
// Layer data makes reclaim exact; without it (an engine refusing inspect)
// the docker figures still print and exact ones stay null.
func measure(ctx context.Context, e *dockerapi.Engine) (*model.Snapshot, *model.ReclaimIndex, error) {
	return fleet.MeasureEngine(ctx, e)
}

// fps caps redraws. Bubble Tea wakes up every frame even when nothing
// changed: at its default 60 that alone costs 1.7% of a core idle; 20
// frames a second keeps keys snappy (≤50 ms) at 0.6%.
func fps() int {
	if n, err := strconv.Atoi(os.Getenv("BILGE_FPS")); err == nil && n > 0 {
		return n
	}
	return 20
}
