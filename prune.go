package main

import (
	"bilge/internal/deletionlog"
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"golang.org/x/sync/errgroup"

	"bilge/dockerapi"
	"bilge/internal/policy"
	"bilge/model"
)

// bilge prune: a retention policy (or one-off flags) evaluated against one
// snapshot, printed as a plan with exact bytes, and — on a yes, or -f —
// deleted by the same worker as the UI.

const pruneUsage = `Usage:
  bilge prune [--policy FILE | one-off flags] [--dry-run] [-f] [--json] [-v]
  bilge prune --fleet [CONTEXT,...] [--policy FILE | one-off flags] [...]

Evaluates the retention policy (default $XDG_CONFIG_HOME/bilge/policy.yaml;
see "Policies" in the README) or the one-off flags, prints what it would
delete — grouped by kind, each line with the rule that selected it and the
exact bytes — and what stays held; then asks [y/N] on a terminal.

  --policy FILE        the policy file
  --dry-run            print the plan, delete nothing
  -f, --force          delete without asking (what cron needs)
  --json               print one JSON object (plan, outcomes, measured)
  -v                   list every held object, not just their count
  --parallel N         deletions at once (default 4)
  --timeout DURATION   bound on reading the engine's state (default 60s;
                       with --fleet, each engine's, default 10s)
  --fleet [A,B,...]    every docker context's engine (or those named):
                       a plan per engine, read in parallel; one question
                       naming the engines and totals; each engine's plan
                       run in parallel, logged and recorded as its own

One-off flags (instead of a policy file):
  --dangling           dangling images
  --unused             unused images (all of them, or narrowed by:)
  --older AGE          images not used for AGE (7d, 168h)
  --match PATTERN      images with a reference matching ('myapp:*'); repeatable
  --label K[=V]        images carrying the label; repeatable
  --keep-last N        keep the newest N images of each repository
  --max-size SIZE      delete unused images, least recently used first,
                       until Docker's total is at most SIZE (20GB)
  --min-free SIZE      ... until the data root's filesystem has SIZE free

A run that deletes is logged (bilge log) and recorded in the history
(bilge history) as a clean-up, with a sample before and one after.

Exit status: 0 all went (or a dry run), 1 error (nothing deleted), 2 some
deletions failed (with --fleet: or some engines did not answer).
`

// pruneOptions are bilge prune's own flags.
type pruneOptions struct {
	policyPath          string
	dryRun, force, json bool
	verbose             bool
	dangling, unused    bool
	older               string
	matches, labels     []string
	keepLast            int
	maxSize, minFree    string
	oneOff              bool // a one-off flag was given
}

// listFlag is a repeatable string flag.
type listFlag struct {
	list *[]string
	set  *bool
}

func (l listFlag) String() string { return "" }
func (l listFlag) Set(v string) error {
	*l.list = append(*l.list, v)
	*l.set = true
	return nil
}

func pruneFlagSet(o *options, po *pruneOptions) *flag.FlagSet {
	fs := newFlagSet("bilge prune", o, true)
	fs.IntVar(&o.parallel, "parallel", o.parallel, "")
	fs.StringVar(&po.policyPath, "policy", "", "")
	fs.BoolVar(&po.dryRun, "dry-run", false, "")
	fs.BoolVar(&po.force, "f", false, "")
	fs.BoolVar(&po.force, "force", false, "")
	oneOff := func(name string, p *bool) {
		fs.BoolFunc(name, "", func(v string) error {
			if v != "true" {
				return fmt.Errorf("takes no value")
			}
			*p, po.oneOff = true, true
			return nil
		})
	}
	oneOff("dangling", &po.dangling)
	oneOff("unused", &po.unused)
	str := func(name string, p *string) {
		fs.Func(name, "", func(v string) error { *p, po.oneOff = v, true; return nil })
	}
	str("older", &po.older)
	str("max-size", &po.maxSize)
	str("min-free", &po.minFree)
	fs.Var(listFlag{&po.matches, &po.oneOff}, "match", "")
	fs.Var(listFlag{&po.labels, &po.oneOff}, "label", "")
	fs.Func("keep-last", "", func(v string) error {
		_, err := fmt.Sscan(v, &po.keepLast)
		if err != nil || po.keepLast < 0 || fmt.Sprint(po.keepLast) != v {
			return errors.New("want a whole number")
		}
		po.oneOff = true
		return nil
	})
	return fs
}

// runPruneCommand parses bilge prune's arguments and runs it.
func runPruneCommand(ctx context.Context, o options, args []string, stdout, stderr io.Writer) error {
	var po pruneOptions
	fs := pruneFlagSet(&o, &po)
	fs.Var(&o.fleet, "fleet", "")
	if err := parseDF(fs, &o, args); err != nil {
		return err
	}
	po.verbose = o.verbose
	if po.policyPath == "" {
		po.policyPath = o.policyPath // bilge --policy FILE prune
	}
	po.json = o.json
	switch {
	case o.help:
		fmt.Fprint(stdout, pruneUsage)
		return nil
	case fs.NArg() > 0:
		return fmt.Errorf("prune takes no arguments, got %q (see bilge prune --help)", fs.Arg(0))
	case o.timeout <= 0:
		return fmt.Errorf("--timeout: %s is not a positive duration (see bilge prune --help)", o.timeout)
	case o.parallel < 1 || o.parallel > 64:
		return fmt.Errorf("--parallel must be between 1 and 64, got %d", o.parallel)
	case po.dryRun && po.force:
		return errors.New("--dry-run never deletes and -f deletes without asking: give one of them")
	}
	if err := demoFlags(o); err != nil {
		return err
	}
	pol, source, err := loadPolicy(po)
	if err != nil {
		return err
	}
	if o.fleet.on {
		return runPruneFleet(ctx, o, po, pol, source, stdout, stderr)
	}
	return runPrune(ctx, o, po, pol, source, stdout, stderr)
}

// loadPolicy is the policy the flags give, and how to name it.
func loadPolicy(po pruneOptions) (model.Policy, string, error) {
	if po.oneOff {
		if po.policyPath != "" {
			return model.Policy{}, "", errors.New("give --policy or one-off flags (--dangling, --unused, …), not both")
		}
		p, err := flagPolicy(po)
		return p, "one-off flags", err
	}
	path := po.policyPath
	if path == "" {
		var err error
		if path, err = policy.DefaultPath(os.Getenv); err != nil {
			return model.Policy{}, "", err
		}
	}
	p, err := policy.Load(path)
	return p, path, err
}

// flagPolicy is the policy the one-off flags describe: --dangling a
// dangling-images rule; any of --unused, --older, --match, --label,
// --keep-last one unused-images rule (the flags narrow it; --keep-last
// protects); --max-size and --min-free budgets.
func flagPolicy(po pruneOptions) (model.Policy, error) {
	var p model.Policy
	var older time.Duration
	if po.older != "" {
		d, err := model.ParseAge(po.older)
		if err != nil {
			return p, fmt.Errorf("--older: %q is not a duration: use a number with s, m, h, d, w or y, e.g. 7d or 168h", po.older)
		}
		older = d
	}
	var matches []model.Pattern
	for _, m := range po.matches {
		pat, err := model.ParsePattern(m)
		if err != nil {
			return p, fmt.Errorf("--match: %v", err)
		}
		matches = append(matches, pat)
	}
	var labels []model.LabelMatch
	for _, l := range po.labels {
		lm, err := model.ParseLabelMatch(l)
		if err != nil {
			return p, fmt.Errorf("--label: %v", err)
		}
		labels = append(labels, lm)
	}
	size := func(flag, v string) (int64, error) {
		if v == "" {
			return 0, nil
		}
		n, err := model.ParseSize(v)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("--%s: %q is not a size: use a number with B, kB, MB, GB or TB, e.g. 20GB", flag, v)
		}
		return n, nil
	}
	var err error
	if p.MaxSize, err = size("max-size", po.maxSize); err != nil {
		return p, err
	}
	if p.MinFree, err = size("min-free", po.minFree); err != nil {
		return p, err
	}
	p.Keep.Last = po.keepLast
	if po.dangling {
		p.Rules = append(p.Rules, model.Rule{Kind: model.RuleDangling, Older: older, Labels: labels})
	}
	if po.unused || (!po.dangling && (older > 0 || len(matches) > 0 || len(labels) > 0 || po.keepLast > 0)) {
		p.Rules = append(p.Rules, model.Rule{Kind: model.RuleImages, Match: matches, Labels: labels, Older: older})
	}
	if po.dangling && len(matches) > 0 {
		return p, errors.New("--match names tagged images: dangling ones have no reference (use --unused --match)")
	}
	return p, nil
}

// runPrune reads the engine's state, evaluates, prints, asks, deletes.
func runPrune(ctx context.Context, o options, po pruneOptions, pol model.Policy, source string, stdout, stderr io.Writer) error {
	e, closeEngine, err := open(ctx, o, stderr)
	if err != nil {
		return err
	}
	defer closeEngine()
	now := time.Now()
	snap, ix, free, err := pruneState(ctx, o, e, pol, now)
	if err != nil {
		return err
	}
	pp := pol.EvaluateFree(snap, ix, now, free)
	out := pruneOutput{source: source, snap: snap, pp: pp, verbose: po.verbose, dryRun: po.dryRun}
	if !po.json {
		out.printPlan(stdout)
	}
	if po.dryRun || len(pp.Items) == 0 {
		return out.finish(stdout, po.json)
	}
	if !po.force {
		if err := confirm(stdout, stderr, po.json, len(pp.Items)); err != nil {
			return err
		}
	}
	var run *deletionlog.Run
	if !o.demo { // the demo engine's deletions are make-believe: not logged
		rec, err := recorder(e)
		if err != nil {
			fmt.Fprintf(stderr, "bilge: warning: %v: deletions will not be logged\n", err)
		} else {
			rec.Rules = pp.Rules()
			run = rec.Begin(pp.Plan, snap, ix)
		}
	}
	// The history gets a sample before and after, and the clean-up
	// between (not for the demo engine: make-believe).
	hist := newSampleRecorder(o, e, stderr)
	defer hist.close()
	hist.sample(ctx, snap, ix, now)
	if err := deletePlan(ctx, e, o.parallel, &out, run, stdout, po.json); err != nil {
		return err
	}
	if run != nil {
		if err := run.Err(); err != nil {
			fmt.Fprintf(stderr, "bilge: warning: deletions not logged: %v\n", err)
		}
	}
	recordCleanup(ctx, o, e, hist, &out, source)
	if err := out.finish(stdout, po.json); err != nil {
		return err
	}
	if n := out.notDeleted(); n > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("%d of %d deletions did not go (see above)", n, len(pp.Items))}
	}
	return nil
}

// pruneState reads what the policy is evaluated against, within
// --timeout: the lists, disk usage and layers (as bilge df), the times the
// policy weighs, and the data root's free space when min-free asks.
func pruneState(ctx context.Context, o options, e *dockerapi.Engine, pol model.Policy, now time.Time) (*model.Snapshot, *model.ReclaimIndex, int64, error) {
	dctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	timedOut := func(err error) error {
		if ctx.Err() != nil {
			return errors.New("interrupted: nothing deleted")
		}
		if errors.Is(dctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("engine at %s: did not answer within %s (the --timeout of bilge prune): nothing deleted", e.Endpoint().Host, dockerapi.ShortDuration(o.timeout))
		}
		return err
	}
	snap, ix, err := pruneSnapshot(dctx, e, pol, now)
	if err != nil {
		return nil, nil, 0, timedOut(err)
	}
	free := int64(model.Unknown)
	if pol.MinFree > 0 && !o.demo {
		free = dataRootFree(dctx, e)
	}
	return snap, ix, free, nil
}

// pruneSnapshot reads what bilge df reads, plus the times the policy
// weighs: disk usage (the engine's slowest call, which needs nothing
// else) at once with the lists, then the layers and the times (each needs
// only the lists); a failure of any of them ends it, so nothing is
// planned on figures bilge could not read.
func pruneSnapshot(ctx context.Context, e *dockerapi.Engine, pol model.Policy, now time.Time) (*model.Snapshot, *model.ReclaimIndex, error) {
	if err := ping(ctx, e); err != nil {
		return nil, nil, err
	}
	var du *model.DiskUsage
	var layers map[string]model.ImageLayers
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { du, err = e.DiskUsage(gctx); return err })
	snap, err := e.Lists(gctx, nil)
	if err != nil {
		if werr := g.Wait(); werr != nil {
			return nil, nil, werr // disk usage failed first: the lists were cancelled
		}
		return nil, nil, err
	}
	ctrs, imgs := pol.NeedsTimes(snap, now)
	g.Go(func() (err error) { layers, err = e.LayersOf(gctx, snap); return err })
	// The times are written into the snapshot's containers and images
	// (Finished, Started, LastTagged), fields the others do not touch.
	g.Go(func() error { return e.FillContainerTimes(gctx, snap, ctrs) })
	g.Go(func() error { return e.FillImageTagTimes(gctx, snap, imgs) })
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	snap.ApplyDiskUsage(du)
	// An image deleted since the list has no layers: it is not in the
	// plan's figures' way (they say "at least" if it were).
	snap.ApplyLayers(layers)
	return snap, model.NewReclaimIndex(snap), nil
}

// dataRootFree is the free space on the filesystem of the engine's data
// root, when bilge can see it: a local engine (unix socket) whose data
// root is a directory here. Unknown otherwise.
func dataRootFree(ctx context.Context, e *dockerapi.Engine) int64 {
	if !strings.HasPrefix(e.Endpoint().Host, "unix://") {
		return model.Unknown
	}
	root, err := e.DataRoot(ctx)
	if err != nil || root == "" {
		return model.Unknown
	}
	n, ok := freeSpace(root)
	if !ok {
		return model.Unknown
	}
	return n
}

// stdin and stdinTerminal are replaced in tests.
var (
	stdin         io.Reader = os.Stdin
	stdinTerminal           = func() bool { return term.IsTerminal(os.Stdin.Fd()) }
)

// confirm asks [y/N] on a terminal; without one (cron) it refuses: -f is
// how a script says yes.
func confirm(stdout, stderr io.Writer, asJSON bool, n int) error {
	return confirmQuestion(stdout, stderr, asJSON, fmt.Sprintf("Delete these %d objects? [y/N] ", n))
}

// confirmQuestion asks question on a terminal, as confirm.
func confirmQuestion(stdout, stderr io.Writer, asJSON bool, question string) error {
	if !stdinTerminal() {
		return errors.New("not deleting: no terminal to ask on; give -f (--force) to delete, or --dry-run to only print the plan")
	}
	w := stdout
	if asJSON {
		w = stderr
	}
	fmt.Fprint(w, question)
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		return errors.New("not deleting: no answer")
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return nil
	}
	return errors.New("not deleting: not confirmed")
}

// deletePlan measures disk usage, runs the plan through the worker (by
// ID, never forced), prints each outcome as it comes, and measures again.
// With run, each deletion is recorded in the deletions log as it comes.
func deletePlan(ctx context.Context, e *dockerapi.Engine, parallel int, out *pruneOutput, run *deletionlog.Run, stdout io.Writer, asJSON bool) error {
	before, err := e.DiskUsage(ctx)
	if err != nil {
		return fmt.Errorf("measuring disk usage before deleting (nothing deleted): %w", err)
	}
	out.before = before.Totals()
	rules := out.pp.Rules()
	if !asJSON {
		fmt.Fprintln(stdout)
	}
	outcomes := startDeletion(ctx, e, out.pp.Plan, parallel)
	if run != nil {
		outcomes = run.Watch(outcomes)
	}
	for oc := range outcomes {
		if oc.Status == model.Started {
			continue
		}
		rule := rules[model.PlanKey{Kind: oc.Item.Kind, ID: oc.Item.ID}]
		out.outcomes = append(out.outcomes, ruledOutcome{oc, rule})
		if !asJSON {
			printOutcome(stdout, oc, rule)
		}
	}
	after, err := e.DiskUsage(context.WithoutCancel(ctx))
	if err != nil {
		out.measureErr = "measuring disk usage after deleting: " + err.Error()
		return nil
	}
	out.after = after.Totals()
	return nil
}

// startDeletion runs the plan with the UI's worker. Outcomes name the plan
// item; PolicyPlan.Rules gives the rule of each.
func startDeletion(ctx context.Context, e *dockerapi.Engine, plan model.Plan, parallel int) <-chan model.Outcome {
	return e.Delete(ctx, plan, parallel)
}

// ruledOutcome is an outcome with the rule that put its item in the plan.
type ruledOutcome struct {
	model.Outcome
	Rule string
}

// recordCleanup records what a prune run deleted in the history: the
// clean-up (by the rules that chose what went; freed as measured before →
// after, else as predicted) and a sample after it.
func recordCleanup(ctx context.Context, o options, e *dockerapi.Engine, hist *sampleRecorder, out *pruneOutput, source string) {
	if hist == nil || hist.failed {
		return
	}
	var rules []string
	objects := 0
	for _, oc := range out.outcomes {
		if oc.Status == model.Deleted {
			objects++
			rules = append(rules, oc.Rule)
		}
	}
	if objects == 0 {
		return
	}
	c := model.Cleanup{Time: time.Now(), By: cleanupBy(source, rules), Objects: objects, PerKind: map[model.Kind]int64{}}
	if out.before != nil && out.after != nil {
		c.Freed = sum(out.before) - sum(out.after)
		for _, k := range measuredKinds {
			c.PerKind[k] = out.before[k] - out.after[k]
		}
	} else {
		r := out.pp.Reclaim
		c.Freed = r.Total
		c.PerKind[model.KindImage] = r.Images - r.HeldByBuildCache
		c.PerKind[model.KindContainer] = r.Containers
		c.PerKind[model.KindVolume] = r.Volumes
		c.PerKind[model.KindBuildCache] = r.BuildCache
	}
	hist.cleanup(context.WithoutCancel(ctx), c)
	if ctx.Err() != nil {
		return // interrupted: no minute-long measurement on the way out
	}
	// The sample after: a full measurement again, as bilge df's.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.timeout)
	defer cancel()
	snap, ix, err := measure(dctx, e)
	if err != nil {
		hist.warn(fmt.Errorf("measuring after the clean-up: %w", err))
		return
	}
	hist.sample(dctx, snap, ix, time.Now())
}
