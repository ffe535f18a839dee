package main

import (
	"strings"
	"testing"
)

// TestPruneReadFailureNamesIt: disk usage is read at once with the lists;
// when either fails, bilge prune exits 1 with one line giving that
// failure (not the other call's cancellation) and deletes nothing.
func TestPruneReadFailureNamesIt(t *testing.T) {
	for _, c := range []struct{ path, message string }{
		{"/system/df", "disk usage exploded"},
		{"/images/json", "image list exploded"},
		{"/containers/json", "container list exploded"},
	} {
		t.Run(c.path, func(t *testing.T) {
			d, host := serveDemo(t, 3)
			before := demoObjects(d)
			d.FailNext("GET", c.path, 500, c.message, 1)
			code, stdout, stderr := runArgs(t, "prune", "-H", host, "--dangling", "-f")
			if code != 1 || !strings.Contains(stderr, c.message) || strings.Count(stderr, "\n") != 1 || strings.Contains(stderr, "context canceled") {
				t.Errorf("exit %d, stderr %q, stdout %q", code, stderr, stdout)
			}
			if after := demoObjects(d); len(after) != len(before) {
				t.Errorf("%d objects before, %d after: something was deleted", len(before), len(after))
			}
		})
	}
}
