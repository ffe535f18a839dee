// Package testbin builds the bilge binary once per test process, for tests
// that run it as a user would.
package testbin

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

var (
	once sync.Once
	path string
	err  error
	out  []byte
)

// Build returns the path of a freshly built bilge binary.
func Build(t testing.TB) string {
	t.Helper()
	once.Do(func() {
		dir, derr := os.MkdirTemp("", "bilge-bin-")
		if derr != nil {
			err = derr
			return
		}
		path = filepath.Join(dir, "bilge")
		_, file, _, _ := runtime.Caller(0)
		root := filepath.Join(filepath.Dir(file), "..", "..")
		cmd := exec.Command("go", "build", "-o", path, ".")
		cmd.Dir = root
		out, err = cmd.CombinedOutput()
	})
	if err != nil {
		t.Fatalf("build bilge: %v\n%s", err, out)
	}
	return path
}

// Remove deletes the binary Build made, if any: call it from TestMain once
// the tests have run, so no test process leaves a binary behind.
func Remove() {
	if path != "" {
		_ = os.RemoveAll(filepath.Dir(path))
	}
}
