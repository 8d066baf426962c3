package bench_test

import (
	"os"
	"testing"

	"github.com/sluice-go/sluice/proc"
)

// TestMain makes the test binary a worker process when BenchmarkProcess
// starts it as one: proc.Main serves the functions registered here, and
// the raw floor's role runs its bare loop.
func TestMain(m *testing.M) {
	proc.Main()
	if os.Getenv(rawRole) != "" {
		rawFloor()
	}
	os.Exit(m.Run())
}
