package enginetest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

// lockPath is the lock file of the daemon at host: everything that changes
// or compares that daemon's whole state takes it.
func lockPath(host, kind string) string {
	if host == "unix:///var/run/docker.sock" && kind == "engine" {
		return filepath.Join(os.TempDir(), "bilge-engine-tests.lock") // the name older checkouts use
	}
	sum := sha256.Sum256([]byte(host))
	return filepath.Join(os.TempDir(), "bilge-"+kind+"-"+hex.EncodeToString(sum[:6])+".lock")
}

// LockEngine takes the lock that serialises everything that changes or
// compares the whole state of the daemon at host (end-to-end tests, the
// benchmark's seeding) across processes. Call the returned function to
// release it. Programs that seed at scale (the bench) must hold it while
// their objects exist.
func LockEngine(host string) (unlock func(), err error) {
	return flockFile(lockPath(host, "engine"))
}

// Lock takes the engine lock of the test process's own daemon for the
// test: held until the test ends. Whole-engine tests take it so that they
// do not overlap (e.g. with t.Parallel).
func Lock(t testing.TB) {
	t.Helper()
	d := TestDaemon(t)
	unlock, err := LockEngine(d.Host())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(unlock)
}
