package ui

import (
	"errors"
	"fmt"
	"testing"

	"bilge/model"
)

// busyError is the engine's refusal of a second disk-usage scan as the
// engine layer returns it: its own words, and errors.Is finds
// model.ErrDiskUsageBusy.
type busyError struct{}

func (busyError) Error() string        { return "Error response from daemon: the engine is busy scanning" }
func (busyError) Is(target error) bool { return target == model.ErrDiskUsageBusy }

// TestDiskUsageBusyIsTyped: the UI tells a refused second scan by its type,
// not by its words: a busy engine is asked again shortly and shows no
// error; an ordinary failure that happens to say "already running" is an
// error.
func TestDiskUsageBusyIsTyped(t *testing.T) {
	t.Parallel()
	a, _ := newLoaded(t, 160, 45)
	a.dfRunning, a.lastErr = true, ""
	_, cmd := a.Update(diskUsageMsg{err: fmt.Errorf("disk usage: %w", busyError{})})
	if !a.dfHeld || cmd == nil || a.lastErr != "" {
		t.Errorf("busy engine: held %v, retry %v, error %q; want held, a retry, no error", a.dfHeld, cmd != nil, a.lastErr)
	}

	b, _ := newLoaded(t, 160, 45)
	b.dfRunning, b.lastErr = true, ""
	b.Update(diskUsageMsg{err: errors.New("disk usage: container abc is already running")})
	if b.dfHeld || b.lastErr == "" {
		t.Errorf("ordinary error: held %v, error %q; want not held, the error shown", b.dfHeld, b.lastErr)
	}
}
