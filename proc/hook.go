package proc

import (
	"context"
	"fmt"
	"os"

	"github.com/sluice-go/sluice/remote"
)

// EnvWorker is the environment variable that [Start] sets in a worker
// process, and that [Main] looks for. Its value is the protocol version.
// Main removes it, so that programs the worker starts are not workers.
const EnvWorker = "SLUICE_PROC_WORKER"

// The worker's end of its pipes: requests in on fd 3, responses out on
// fd 4 (ExtraFiles 0 and 1). Its stdout and stderr stay its own.
const (
	requestFD  = 3
	responseFD = 4
)

// Main makes the program a worker if [Start] started it: it serves the
// functions registered with package remote on the pipes Start made, and
// exits when the parent closes them (or dies); exit status 0 if serving
// ended cleanly, 1 if not, with the reason on stderr. In a program that
// was not started as a worker, Main returns at once. Call it first in
// main, and in TestMain for tests that start workers from the test
// binary, before anything that should not run in a worker:
//
//	func main() {
//		proc.Main()
//		...
//	}
func Main() {
	if os.Getenv(EnvWorker) == "" {
		return
	}
	os.Exit(serveWorker())
}

func serveWorker() int {
	version := os.Getenv(EnvWorker)
	os.Unsetenv(EnvWorker)
	if version != fmt.Sprint(remote.Version) {
		fmt.Fprintf(os.Stderr, "proc: worker %d: %s=%q, but this binary speaks version %d\n", os.Getpid(), EnvWorker, version, remote.Version)
		return 1
	}
	// Programs this worker starts must not hold the pipes open, or the
	// parent would not see the worker's end.
	closeOnExec(requestFD)
	closeOnExec(responseFD)
	nonBlocking(requestFD)
	nonBlocking(responseFD)
	req := os.NewFile(requestFD, "sluice-requests")
	resp := os.NewFile(responseFD, "sluice-responses")
	err := remote.Serve(context.Background(), req, resp)
	resp.Close()
	req.Close()
	if err != nil {
		fmt.Fprintf(os.Stderr, "proc: worker %d: %v\n", os.Getpid(), err)
		return 1
	}
	return 0
}
