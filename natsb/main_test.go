package natsb_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/natsb"
)

// envWorker makes the test binary a worker process: the NATS URL to
// serve on. envLanes sets its instances' lanes.
const (
	envWorker = "NATSB_TEST_WORKER"
	envLanes  = "NATSB_TEST_LANES"
	// envDurable makes it a durable worker that reconnects; envHang
	// makes it stop for good after its first delivery's result is
	// published and before it acks, telling natsb_test.beforeack.
	envDurable = "NATSB_TEST_DURABLE"
	envHang    = "NATSB_TEST_HANG"
)

// testDurable is the durable mode's configuration in every test.
var testDurable = natsb.Durable{MaxTasks: 4, AckWait: 300 * time.Millisecond, MaxDeliveries: 2}

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
	copts := []nats.Option{nats.MaxReconnects(0), nats.ClosedHandler(func(*nats.Conn) { stop() })}
	var wopts []natsb.WorkerOption
	if os.Getenv(envDurable) != "" {
		copts = append(copts, nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
		wopts = append(wopts, natsb.WithWorkerDurable(testDurable))
	}
	if os.Getenv(envHang) != "" {
		natsb.SetBeforeAck(func(delivered uint64) {
			if delivered == 1 {
				testNC.Publish("natsb_test.beforeack", nil)
				testNC.Flush()
				select {} // until killed
			}
		})
	}
	nc, err := nats.Connect(url, copts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer nc.Close()
	testNC = nc
	lanes, _ := strconv.Atoi(os.Getenv(envLanes))
	if err := natsb.Serve(ctx, nc, append(wopts, natsb.WithWorkerLanes(max(lanes, 1)))...); err != nil && err != nats.ErrConnectionClosed {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}
