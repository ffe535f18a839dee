package main

import "testing"

// bilge --fleet reports what is wrong with its list before it looks for a
// terminal (tests run without one); a list given as the next argument,
// flags after it, parses as with df.
func TestFleetUIBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"unknown context", []string{"--fleet", "default,prod"}, []string{`--fleet: there is no docker context "prod" (the contexts are default, x)`}},
		{"unknown context, = form", []string{"--fleet=prod", "--read-only"}, []string{`there is no docker context "prod"`}},
		{"empty list", []string{"--fleet="}, []string{"--fleet: an empty list of contexts"}},
		{"unknown demo engine", []string{"--demo", "--fleet", "demo-7"}, []string{`there is no docker context "demo-7" (the contexts are demo-0, demo-1, demo-2)`}},
		{"demo and host", []string{"--demo", "--fleet", "-H", "unix:///x"}, []string{"--demo runs its own engine"}},
		{"flags after the list", []string{"--fleet", "x", "--read-only", "--interval", "1s"}, []string{"needs a terminal", "bilge df --fleet"}},
		{"a flag after the list that is wrong", []string{"--fleet", "x", "--interval", "soon"}, []string{`--interval: "soon" is not a duration`}},
		{"every engine", []string{"--fleet"}, []string{"needs a terminal", "bilge df --fleet"}},
		{"a second argument", []string{"--fleet", "x", "y"}, []string{`unknown command "y"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			config := cleanEnv(t)
			writeContext(t, config, "x", "unix:///nonexistent/x.sock")
			code, _, stderr := runArgs(t, tc.args...)
			assertOneLine(t, code, stderr, tc.want...)
		})
	}
}
