package enginetest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// LockEngine takes the machine-wide lock that serialises everything that
// changes or compares the shared daemon's whole state (end-to-end tests,
// daemon restarts, the benchmark's seeding) across processes. Call the
// returned function to release it. Programs that seed at scale (the bench)
// must hold it while their objects exist.
func LockEngine() (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "bilge-engine-tests.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// Lock is LockEngine for a test: held until the test ends.
func Lock(t testing.TB) {
	t.Helper()
	unlock, err := LockEngine()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unlock)
}
