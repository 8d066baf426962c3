package natsb

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/nats-io/nats.go"
)

// EnvURL is the environment variable that makes a program a worker when
// it calls [Main]: the NATS URL to serve on, credentials included. A
// program that starts workers of its own binary sets it in their
// environment (not on their command line, where other users could read
// the credentials).
const EnvURL = "SLUICE_NATS_WORKER"

// Main makes the program a worker if [EnvURL] is set: it connects to that
// URL, runs [Serve] with opts until SIGTERM or SIGINT (then drains) or
// until the connection closes (the server went away), and exits, with
// status 0 if serving ended cleanly and 1 with the reason on stderr if
// not. Everywhere else it returns at once. Call it first in main, and in
// TestMain for tests that start workers from the test binary:
//
//	func main() {
//		natsb.Main()
//		...
//	}
func Main(opts ...WorkerOption) {
	url := os.Getenv(EnvURL)
	if url == "" {
		return
	}
	os.Unsetenv(EnvURL)
	os.Exit(serveMain(url, opts))
}

func serveMain(url string, opts []WorkerOption) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	nc, err := nats.Connect(url, nats.Name("sluice-worker"), nats.MaxReconnects(0),
		nats.ClosedHandler(func(*nats.Conn) { stop() }))
	if err != nil {
		fmt.Fprintf(os.Stderr, "natsb: worker %d: connecting: %v\n", os.Getpid(), err)
		return 1
	}
	defer nc.Close()
	err = Serve(ctx, nc, opts...)
	if err != nil && err != nats.ErrConnectionClosed {
		fmt.Fprintf(os.Stderr, "natsb: worker %d: %v\n", os.Getpid(), err)
		return 1
	}
	return 0
}

// validToken reports whether p can be a subject token.
func validToken(p string) bool {
	return p != "" && !strings.ContainsAny(p, ".*> \t\r\n")
}
