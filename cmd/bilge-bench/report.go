package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// report collects the figures: one "name: value unit" line each, in
// groups, with PASS/MISS for those that have a target.
type report struct {
	groups []*group
	cur    *group
	pass   []string
	miss   []string
}

type group struct {
	name  string
	lines []string
}

func (r *report) group(name string) {
	for _, g := range r.groups {
		if g.name == name {
			r.cur = g
			return
		}
	}
	r.cur = &group{name: name}
	r.groups = append(r.groups, r.cur)
}

func (r *report) add(format string, a ...any) {
	if r.cur == nil {
		r.group("bench")
	}
	line := fmt.Sprintf(format, a...)
	r.cur.lines = append(r.cur.lines, line)
	logf("%s", line)
}

// target adds a line ending in PASS or MISS.
func (r *report) target(ok bool, format string, a ...any) {
	name, _, _ := strings.Cut(fmt.Sprintf(format, a...), ":")
	if ok {
		r.add(format+" PASS", a...)
		r.pass = append(r.pass, name)
	} else {
		r.add(format+" MISS", a...)
		r.miss = append(r.miss, name)
	}
}

func (r *report) summary() {
	r.group("targets")
	r.add("targets: %d PASS, %d MISS", len(r.pass), len(r.miss))
	if len(r.miss) > 0 {
		r.add("targets missed: %s", strings.Join(r.miss, "; "))
	}
}

func (r *report) write(w io.Writer) {
	for i, g := range r.groups {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "# %s\n", g.name)
		for _, l := range g.lines {
			fmt.Fprintln(w, l)
		}
	}
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// secs formats a duration as seconds with three significant decimals.
func secs(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s >= 10:
		return fmt.Sprintf("%.1f", s)
	case s >= 1:
		return fmt.Sprintf("%.2f", s)
	}
	return fmt.Sprintf("%.3f", s)
}

func secsList(ds []time.Duration) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = secs(d)
	}
	return strings.Join(parts, ", ")
}
