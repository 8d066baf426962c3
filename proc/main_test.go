package proc_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/proc"
)

// role is what the test binary does when a test starts it as a helper
// process rather than as a worker.
const role = "SLUICE_PROC_TEST_ROLE"

func TestMain(m *testing.M) {
	if os.Getenv(role) == "nomain" {
		os.Exit(5) // a binary that forgot proc.Main
	}
	proc.Main()
	switch os.Getenv(role) {
	case "middle":
		middle()
	case "rawfloor":
		rawFloor()
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		// Every process the tests started has been reaped.
		if kids := children(); len(kids) > 0 {
			fmt.Fprintf(os.Stderr, "proc tests: child processes left behind: %v\n", kids)
			code = 1
		}
		os.Exit(code)
	}))
}
