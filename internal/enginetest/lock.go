package enginetest

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Lock serialises tests that touch the shared daemon across test binaries
// (go test runs packages in parallel): whole-engine comparisons, daemon
// restarts. It takes a file lock held until the test ends.
func Lock(t testing.TB) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "bilge-engine-tests.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	})
}
