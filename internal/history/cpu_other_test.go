//go:build !unix

package history

import "time"

// cpuTime is unknown here (-1): benchmarks report wall time only.
func cpuTime() time.Duration { return -1 }
