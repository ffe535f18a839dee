package e2e

import (
	"testing"

	"bilge/internal/enginetest"
)

// lock serialises whole-engine tests across test binaries.
func lock(t *testing.T) { enginetest.Lock(t) }
