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

// timeCmd runs a command once untimed (warming caches), then -runs times,
// and returns the median wall time and the last output.
func (b *bench) timeCmd(ctx context.Context, env []string, name string, args ...string) (time.Duration, []time.Duration, string, error) {
	var ds []time.Duration
	var out []byte
	for i := 0; i <= b.cfg.runs; i++ {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Env = append(os.Environ(), env...)
		start := time.Now()
		o, err := cmd.Output()
		took := time.Since(start)
		if err != nil {
			return 0, nil, "", fmt.Errorf("%s %s: %v: %s", filepath.Base(name), strings.Join(args, " "), err, o)
		}
		out = o
		if i > 0 {
			ds = append(ds, took)
		}
	}
	return median(ds), ds, string(out), nil
}

func (b *bench) pruneFigures(ctx context.Context) error {
	b.rep.group(fmt.Sprintf("bilge prune --dry-run (process start to plan, warm layer cache, median of %d)", b.cfg.runs))
	cli, err := b.dockerCLI()
	if err != nil {
		return fmt.Errorf("no docker CLI to compare with: %w", err)
	}
	df, dfs, _, err := b.timeCmd(ctx, []string{"DOCKER_HOST=" + b.e.Host(), "DOCKER_CONTEXT="}, cli, "system", "df")
	if err != nil {
		return err
	}
	b.rep.add("prune docker system df: %s s (runs %s)", secs(df), secsList(dfs))
	cache := filepath.Join(b.tmp, "prune-cache")
	for _, pol := range []struct{ name, text string }{{"typical", typicalPolicy}, {"every time", everyTimePolicy}} {
		file := filepath.Join(b.tmp, "policy-"+strings.ReplaceAll(pol.name, " ", "-")+".yaml")
		if err := os.WriteFile(file, []byte(pol.text), 0o644); err != nil {
			return err
		}
		env := []string{"XDG_CACHE_HOME=" + cache, "DOCKER_CONTEXT="}
		d, ds, out, err := b.timeCmd(ctx, env, b.cfg.bilge, "prune", "--dry-run", "-H", b.e.Host(), "--policy", file)
		if err != nil {
			return err
		}
		total := ""
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, "Total:") {
				total = strings.TrimPrefix(line, "Total: ")
			}
		}
		b.rep.add("prune %s policy plan: %s", pol.name, total)
		b.rep.target(d <= 2*df, "prune %s policy: %s s = %.2f× docker system df (runs %s; target ≤ 2×)", pol.name, secs(d), d.Seconds()/df.Seconds(), secsList(ds))
	}
	return nil
}
