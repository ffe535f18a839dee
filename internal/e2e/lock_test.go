package e2e

import (
	"os"
	"syscall"
	"testing"
)

// lock serialises tests that compare whole-engine figures across test
// binaries (go test runs packages in parallel): a file lock held until the
// test ends.
func lock(t *testing.T) {
	t.Helper()
	f, err := os.OpenFile(os.TempDir()+"/bilge-engine-tests.lock", os.O_CREATE|os.O_RDWR, 0o666)
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
