package model

import (
	"strings"
	"testing"
)

// TestFilterTables: every kind has a filter table, every is: status
// belongs to some kind, and the help and the error messages list every
// status and token from the tables the parser and matchers read.
func TestFilterTables(t *testing.T) {
	t.Parallel()
	for _, k := range Kinds {
		if filterSpecs[k] == nil {
			t.Errorf("%v has no filter table", k)
		}
	}
	help := FilterHelp()
	for v := range numIs {
		had := false
		for _, spec := range filterSpecs {
			had = had || spec.hasIs(v)
		}
		if !had {
			t.Errorf("is:%s belongs to no kind", v)
		}
		if !strings.Contains(help, "is:"+v.String()) || !strings.Contains(isHelp, "is:"+v.String()) {
			t.Errorf("is:%s is missing from the help or the is: message", v)
		}
		if got, err := ParseFilter("is:" + v.String()); err != nil || got.String() != "is:"+v.String() {
			t.Errorf("is:%s parses as %q, %v", v, got.String(), err)
		}
	}
	for _, tok := range tokens {
		if !strings.Contains(tokenHelp, tok.name+":") {
			t.Errorf("token %s: missing from %q", tok.name, tokenHelp)
		}
		for _, ex := range tok.examples {
			if !strings.Contains(help, ex) {
				t.Errorf("token %s: example %s missing from the help", tok.name, ex)
			}
			if _, err := ParseFilter(ex); err != nil {
				t.Errorf("the help's example %s does not parse: %v", ex, err)
			}
		}
	}
	// The messages as they were written by hand before the tables.
	if want := "try is:, older:, newer:, larger:, smaller:, label:"; tokenHelp != want {
		t.Errorf("tokenHelp = %q, want %q", tokenHelp, want)
	}
	if want := "use is:dangling, is:unused, is:running, is:stopped, is:anonymous, is:named, is:in-use, is:builtin, is:shared or a container state (is:paused, is:exited, is:created, is:restarting, is:dead, is:removing)"; isHelp != want {
		t.Errorf("isHelp = %q, want %q", isHelp, want)
	}
}
