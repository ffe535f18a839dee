package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"bilge/dockerapi"
	"bilge/dockerapi/demo"
	"bilge/internal/fleet"
)

// fleetFlag is df's --fleet: alone, every engine; --fleet a,b (or
// --fleet=a,b), those contexts.
type fleetFlag struct {
	on    bool
	names []string
	bare  bool // given without a value: the next argument may be the list
}

func (f *fleetFlag) String() string   { return strings.Join(f.names, ",") }
func (f *fleetFlag) IsBoolFlag() bool { return true }
func (f *fleetFlag) Set(v string) error {
	switch v {
	case "true":
		f.on, f.bare = true, true
		return nil
	case "false":
		*f = fleetFlag{}
		return nil
	}
	f.on, f.bare = true, false
	return f.setNames(v)
}

func (f *fleetFlag) setNames(v string) error {
	for _, n := range strings.Split(v, ",") {
		if n = strings.TrimSpace(n); n != "" {
			f.names = append(f.names, n)
		}
	}
	if len(f.names) == 0 {
		return errors.New("an empty list of contexts")
	}
	return nil
}

// parseDF parses df's flags. --fleet takes an optional value, so after
// a bare --fleet the next argument, when it is not a flag, is its list of
// contexts (bilge df --fleet a,b --json).
func parseDF(fs *flag.FlagSet, o *options, args []string) error {
	for {
		if err := fs.Parse(args); err != nil {
			return flagError(err)
		}
		args = fs.Args()
		if !o.fleet.bare || len(args) == 0 || strings.HasPrefix(args[0], "-") {
			break
		}
		o.fleet.bare = false
		if err := o.fleet.setNames(args[0]); err != nil {
			return fmt.Errorf("--fleet: %v (see bilge --help)", err)
		}
		args = args[1:]
	}
	if len(args) > 0 {
		// Leave them to df's "takes no arguments".
		return fs.Parse(append([]string{"--"}, args...))
	}
	return nil
}

// demoFleetSize is how many demo engines --demo --fleet serves.
const demoFleetSize = 3

// runFleet is bilge df --fleet: every engine of the fleet measured in
// parallel, each within --timeout (default fleet.DefaultDeadline), as one
// table or one JSON object. Some engines not answering is exit 2, with
// their reasons in the output.
func runFleet(ctx context.Context, o options, stdout, stderr io.Writer) error {
	if o.verbose && !o.json {
		return errors.New("-v lists every object of one engine: with --fleet, use --json -v, or bilge df -v --context NAME")
	}
	deadline := fleet.DefaultDeadline
	if o.timeoutSet {
		deadline = o.timeout
	}
	members, closeMembers, err := fleetMembers(ctx, o)
	if err != nil {
		return err
	}
	defer closeMembers()
	results := fleet.Measure(ctx, members, fleet.Options{Deadline: deadline}, nil)
	if ctx.Err() != nil {
		return errors.New("interrupted")
	}
	if o.json {
		err = fleet.JSON(stdout, results, o.verbose)
	} else {
		err = fleet.Text(stdout, results)
	}
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		if !r.OK() {
			failed++
		}
	}
	if failed > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("%d of %d engines did not answer (their reasons are in the output)", failed, len(results))}
	}
	return nil
}

// fleetMembers is the fleet --fleet names: the demo engines with --demo,
// else the docker contexts (and -H's engine); close ends the demo engines.
func fleetMembers(ctx context.Context, o options) (members []fleet.Member, close func(), err error) {
	if !o.demo {
		members, err = fleet.List(o.sel, o.fleet.names, nil)
		return members, func() {}, err
	}
	all, closeDemo, err := demoFleet(ctx, o.demoSeed)
	if err != nil {
		closeDemo()
		return nil, func() {}, err
	}
	if members, err = fleet.Select(all, o.fleet.names); err != nil {
		closeDemo()
		return nil, func() {}, err
	}
	return members, closeDemo, nil
}

// demoFleet serves demoFleetSize demo engines, seeds seed, seed+1, …,
// named demo-<seed>. The returned func stops them all; call it whatever
// the error.
func demoFleet(ctx context.Context, seed int64) ([]fleet.Member, func(), error) {
	n := demoFleetSize
	var engines []*demo.Engine
	stop := func() {
		for _, d := range engines {
			_ = d.Close()
		}
	}
	var members []fleet.Member
	for i := range int64(n) {
		d := demo.New(seed + i)
		engines = append(engines, d)
		host, err := d.Serve(context.WithoutCancel(ctx))
		if err != nil {
			return nil, stop, fmt.Errorf("start the demo engine: %w", err)
		}
		members = append(members, fleet.Member{
			Name:     fmt.Sprintf("demo-%d", seed+i),
			Endpoint: dockerapi.Endpoint{Host: host, Source: "demo engine"},
			Shown:    fmt.Sprintf("demo (seed %d)", seed+i),
			Demo:     true,
		})
	}
	return members, stop, nil
}

// commands are bilge's commands: after a bare --fleet, an argument that
// is one of them is the command, not a list of contexts.
var commands = []string{"df", "prune", "log", "record", "history"}

// fleetList parses the UI's flags: --fleet takes an optional value, so
// after a bare --fleet the next argument, when it is neither a flag nor a
// command, is its list of contexts (bilge --fleet a,b --read-only). It
// returns the arguments left (the command and its own).
func fleetList(fs *flag.FlagSet, o *options) ([]string, error) {
	args := fs.Args()
	for o.fleet.bare && len(args) > 0 && !strings.HasPrefix(args[0], "-") && !slices.Contains(commands, args[0]) {
		o.fleet.bare = false
		if err := o.fleet.setNames(args[0]); err != nil {
			return nil, fmt.Errorf("--fleet: %v (see bilge --help)", err)
		}
		if err := fs.Parse(args[1:]); err != nil {
			return nil, flagError(err)
		}
		args = fs.Args()
	}
	return args, nil
}
