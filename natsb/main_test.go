package natsb_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"

	"github.com/nats-io/nats.go"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/natsb"
)

// envWorker makes the test binary a worker process: the NATS URL to
// serve on. envLanes sets its instances' lanes.
const (
	envWorker = "NATSB_TEST_WORKER"
	envLanes  = "NATSB_TEST_LANES"
)

// testNC is the connection the test functions use to tell the test what
// they do (see hold): the worker's own in a worker process.
var testNC *nats.Conn

func TestMain(m *testing.M) {
	if url := os.Getenv(envWorker); url != "" {
		os.Exit(workerMain(url))
	}
	goleak.VerifyTestMain(m)
}

// workerMain is a worker process: Serve on url until SIGTERM.
func workerMain(url string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	nc, err := nats.Connect(url, nats.MaxReconnects(0), nats.ClosedHandler(func(*nats.Conn) { stop() }))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer nc.Close()
	testNC = nc
	lanes, _ := strconv.Atoi(os.Getenv(envLanes))
	if err := natsb.Serve(ctx, nc, natsb.WithWorkerLanes(max(lanes, 1))); err != nil && err != nats.ErrConnectionClosed {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
