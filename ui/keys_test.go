package ui

import (
	"strings"
	"testing"
)

// TestOverviewFollowsTabs: the Overview's rows come in the tabs' order,
// and enter on row n opens tab n+1 (issue 12, item 12).
func TestOverviewFollowsTabs(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 120, 30)
	press(a, "1")
	var rows []string
	for _, l := range strings.Split(screen(a), "\n")[bodyTop+1:] {
		for _, k := range []string{"Images", "Containers", "Local Volumes", "Networks", "Build Cache"} {
			if strings.HasPrefix(strings.TrimLeft(l, " ▸"), k) {
				rows = append(rows, k)
			}
		}
	}
	want := []string{"Images", "Containers", "Local Volumes", "Networks", "Build Cache"}
	if strings.Join(rows, ",") != strings.Join(want, ",") {
		t.Fatalf("Overview rows %q, want the tabs' order %q", rows, want)
	}
	for i := range want {
		press(a, "1")
		a.ovCursor = 0
		for j := 0; j < i; j++ {
			press(a, "down")
		}
		press(a, "enter")
		if a.active != i+1 {
			t.Errorf("enter on Overview row %d (%s) opened tab %d (%s)", i, want[i], a.active+1, tabNames[a.active])
		}
	}
}
