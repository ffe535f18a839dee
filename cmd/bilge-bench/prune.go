package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// The prune phase (issue 13): bilge prune --dry-run, a whole process from
// start to its plan, against docker system df on the same state, each on
// a warm layer cache (one untimed run first), median of -runs runs.
//
// Two policies: "typical" (the README's kind of file: ages in days, so
// nothing just seeded needs its times read), and "every time" (ages of
// one second: every stopped container and every unused image is
// inspected for its stop or last-tag time, the most a policy can ask).

const typicalPolicy = `keep-labels: ["keep=true"]
keep-last: 3
rules:
  - name: dangling
    remove: dangling
  - name: old unused
    remove: images
    older: 7d
  - name: stopped
    remove: containers
    older: 1d
  - name: anonymous volumes
    remove: volumes
  - name: networks
    remove: networks
  - name: build cache
    remove: build-cache
    keep-storage: 10GB
`

const everyTimePolicy = `rules:
  - name: unused
    remove: images
    older: 1s
  - name: stopped
    remove: containers
    older: 1s
`

// dockerCLI is the docker CLI to time: the private daemon's own, else the
// one on PATH.
func (b *bench) dockerCLI() (string, error) {
	if b.cfg.cli != "" {
		return b.cfg.cli, nil
	}
	return exec.LookPath("docker")
}

// timedCmd is one command the phase times.
type timedCmd struct {
	name string
	env  []string
	argv []string
	took []time.Duration
	out  string
}

// timeRounds runs every command once untimed (warming caches), then -runs
// rounds of each in turn, so that a load that comes and goes on a shared
// machine weighs on all of them alike.
func (b *bench) timeRounds(ctx context.Context, cmds []*timedCmd) error {
	for round := 0; round <= b.cfg.runs; round++ {
		for _, c := range cmds {
			cmd := exec.CommandContext(ctx, c.argv[0], c.argv[1:]...)
			cmd.Env = append(os.Environ(), c.env...)
			start := time.Now()
			o, err := cmd.Output()
			took := time.Since(start)
			if err != nil {
				return fmt.Errorf("%s %s: %v: %s", filepath.Base(c.argv[0]), strings.Join(c.argv[1:], " "), err, o)
			}
			c.out = string(o)
			if round > 0 {
				c.took = append(c.took, took)
			}
		}
	}
	return nil
}

func (b *bench) pruneFigures(ctx context.Context) error {
	b.rep.group(fmt.Sprintf("bilge prune --dry-run (process start to plan, warm layer cache, median of %d rounds)", b.cfg.runs))
	cli, err := b.dockerCLI()
	if err != nil {
		return fmt.Errorf("no docker CLI to compare with: %w", err)
	}
	df := &timedCmd{name: "docker system df", env: []string{"DOCKER_HOST=" + b.e.Host(), "DOCKER_CONTEXT="}, argv: []string{cli, "system", "df"}}
	cmds := []*timedCmd{df}
	cache := filepath.Join(b.tmp, "prune-cache")
	for _, pol := range []struct{ name, text string }{{"typical", typicalPolicy}, {"every time", everyTimePolicy}} {
		file := filepath.Join(b.tmp, "policy-"+strings.ReplaceAll(pol.name, " ", "-")+".yaml")
		if err := os.WriteFile(file, []byte(pol.text), 0o644); err != nil {
			return err
		}
		cmds = append(cmds, &timedCmd{name: pol.name, env: []string{"XDG_CACHE_HOME=" + cache, "DOCKER_CONTEXT="},
			argv: []string{b.cfg.bilge, "prune", "--dry-run", "-H", b.e.Host(), "--policy", file}})
	}
	if err := b.timeRounds(ctx, cmds); err != nil {
		return err
	}
	dfm := median(df.took)
	b.rep.add("prune docker system df: %s s (runs %s)", secs(dfm), secsList(df.took))
	for _, c := range cmds[1:] {
		total := ""
		for _, line := range strings.Split(c.out, "\n") {
			if strings.HasPrefix(line, "Total:") {
				total = strings.TrimPrefix(line, "Total: ")
			}
		}
		d := median(c.took)
		b.rep.add("prune %s policy plan: %s", c.name, total)
		b.rep.target(d <= 2*dfm, "prune %s policy: %s s = %.2f× docker system df (runs %s; target ≤ 2×)", c.name, secs(d), d.Seconds()/dfm.Seconds(), secsList(c.took))
	}
	return nil
}
