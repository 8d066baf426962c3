//go:build !unix

package bench_test

import "time"

// selfCPU cannot tell the process's CPU time here.
func selfCPU() (time.Duration, bool) { return 0, false }
