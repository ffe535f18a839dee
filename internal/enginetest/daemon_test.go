package enginetest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDaemonRestart: Stop ends only the daemon's own PID; Restart brings
// it back on the same socket with the same data root (a volume made
// before is still there).
func TestDaemonRestart(t *testing.T) {
	e := Require(t)
	Lock(t)
	d := TestDaemon(t)
	if !strings.HasPrefix(d.Host(), "unix://"+os.TempDir()) || strings.Contains(d.Host(), "/var/run/docker.sock") {
		t.Fatalf("test daemon at %s, want a socket under %s", d.Host(), os.TempDir())
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run := NewRunID()
	name := "bilge-test-" + run + "-restart"
	t.Cleanup(func() { _ = e.Cleanup(context.Background(), run) })
	if err := e.doJSON(ctx, http.MethodPost, "/volumes/create", nil, map[string]any{"Name": name, "Labels": map[string]string{Label: run}}, nil); err != nil {
		t.Fatal(err)
	}

	pid := d.PID()
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	if processAlive(pid) {
		t.Fatalf("dockerd %d still runs after Stop", pid)
	}
	if _, err := ConnectHost(d.Host()); err == nil {
		t.Fatal("the daemon still answers after Stop")
	}
	if err := d.Restart(); err != nil {
		t.Fatal(err)
	}
	if d.PID() == 0 || d.PID() == pid {
		t.Errorf("pid after restart %d (before %d)", d.PID(), pid)
	}
	e2, err := ConnectHost(d.Host())
	if err != nil {
		t.Fatal(err)
	}
	if err := e2.Do(ctx, http.MethodGet, "/volumes/"+name, nil, nil, nil); err != nil {
		t.Errorf("volume made before the restart: %v", err)
	}
}

// TestRouteIn: a /16 is taken when any route overlaps it, wider or
// narrower; the default route does not count.
func TestRouteIn(t *testing.T) {
	ip := func(a, b, c, d uint32) uint32 { return a<<24 | b<<16 | c<<8 | d }
	routes := [][2]uint32{
		{0, 0}, // default
		{ip(10, 200, 0, 0), ip(255, 255, 255, 0)},
		{ip(10, 220, 0, 0), ip(255, 255, 0, 0)},
		{ip(192, 168, 0, 0), ip(255, 255, 0, 0)},
	}
	for n, want := range map[int]bool{200: true, 210: false, 220: true, 221: false} {
		if got := routeIn(routes, n); got != want {
			t.Errorf("routeIn(10.%d.0.0/16) = %v, want %v", n, got, want)
		}
	}
	// A route for all of 10/8 (a VPN) takes every slot.
	if !routeIn([][2]uint32{{ip(10, 0, 0, 0), ip(255, 0, 0, 0)}}, 230) {
		t.Error("10.0.0.0/8 does not overlap 10.230.0.0/16")
	}
	// /proc/net/route's byte order: "0080D20A" is 10.210.128.0.
	if got := swap32(0x0080D20A); got != ip(10, 210, 128, 0) {
		t.Errorf("swap32 = %#x", got)
	}
}

// TestClaimPool: a slot claimed by a live process is never taken; one
// claimed by a process that is gone is taken again, and what that process
// left (its bridge, its daemon's directory) is removed.
func TestClaimPool(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("making a bridge needs root")
	}
	TestDaemon(t) // only where test daemons can run
	const n = poolLast
	slotFile := filepath.Join(poolDir(), fmt.Sprintf("slot-%d", n))
	unlock, err := flockFile(filepath.Join(poolDir(), "lock"))
	if err != nil {
		t.Fatal(err)
	}
	_, busy := os.Stat(slotFile)
	unlock()
	if busy == nil {
		t.Skipf("slot %d is in use", n)
	}

	// Held by a live process (this one): not taken.
	mine, err := claimPoolIn(t.TempDir(), n, n)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := claimPoolIn(t.TempDir(), n, n); err == nil {
		t.Fatal("a slot held by a live process was claimed again")
	}
	mine.release()

	// Left by a process that is gone.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	left, err := os.MkdirTemp("", "bilge-dockerd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(left) })
	if err := os.WriteFile(filepath.Join(left, "dockerd.log"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	old := &poolSlot{n: n, bridge: fmt.Sprintf("bilgetest%d", n)}
	if err := old.makeBridge(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(slotFile, []byte(fmt.Sprintf("%d %s\n", dead.Process.Pid, left)), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := claimPoolIn(t.TempDir(), n, n)
	if err != nil {
		old.release()
		t.Fatalf("a slot left by a dead process: %v", err)
	}
	defer s.release()
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("the dead process's directory %s remains: %v", left, err)
	}
	if s.pool != fmt.Sprintf("base=10.%d.0.0/17,size=24", n) {
		t.Errorf("pool %s", s.pool)
	}
}
