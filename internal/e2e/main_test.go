package e2e

import (
	"os"
	"testing"

	"bilge/internal/enginetest"
)

// TestMain runs the package against a daemon of its own (see
// enginetest.Main): never the user's.
func TestMain(m *testing.M) { os.Exit(enginetest.Main(m)) }
