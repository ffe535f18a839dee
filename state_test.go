package main

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"bilge/internal/testbin"
)

// TestMain points bilge's state, configuration and cache at a directory of
// the test binary's own for every test: nothing a test runs (a deletion
// logged, a history sample recorded, a layer cache written) can reach the
// user's real files, even in a test that forgets to set them itself.
func TestMain(m *testing.M) {
	os.Exit(isolated(m))
}

func isolated(m *testing.M) int {
	dir, err := os.MkdirTemp("", "bilge-main-test-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "bilge tests: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	for _, k := range []string{"XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"} {
		p := filepath.Join(dir, k)
		if err := os.Mkdir(p, 0o700); err != nil {
			fmt.Fprintf(os.Stderr, "bilge tests: %v\n", err)
			return 1
		}
		os.Setenv(k, p)
	}
	defer testbin.Remove()
	return m.Run()
}
