package enginetest

import (
	"os"
	"testing"
)

// TestMain runs the package's tests against a daemon of their own.
func TestMain(m *testing.M) { os.Exit(Main(m)) }
