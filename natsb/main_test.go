package natsb_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/natsb"
	"github.com/sluice-go/sluice/natsb/embedded"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/remote"
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
	// envNoProgress makes a durable worker's tasks mark no progress, and
	// it tells natsb_test.redelivered when one is delivered again while
	// it runs.
	envNoProgress = "NATSB_TEST_NO_PROGRESS"
)

// testDurable is the durable mode's configuration in every test.
// A cap of 4 deliveries, not fewer: after a server restart under load
// the worker's acks can go unanswered for seconds, so a task that ran and
// acked is delivered again, and again once that ack is lost too (in CI a
// TestDurable_ServerRestart round on a cap of 2 saw one delivered a
// third time, and fail with ErrMaxDeliveries).
var testDurable = natsb.Durable{MaxTasks: 4, AckWait: 300 * time.Millisecond, MaxDeliveries: 4}

// testNC is the connection the test functions use to tell the test what
// they do (see hold): the worker's own in a worker process.
var testNC *nats.Conn

func TestMain(m *testing.M) {
	natsb.Main() // a worker process of TestMainWorker*: serves and exits
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
	if os.Getenv(envNoProgress) != "" {
		natsb.SetNoProgress(func() {
			testNC.Publish("natsb_test.redelivered", nil)
			testNC.Flush()
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

// self returns the process id of the worker that runs it and what it
// sees in natsb.EnvURL.
var self = remote.Register("natsb_test.self", func(context.Context, int) (string, error) {
	return fmt.Sprintf("%d %q", os.Getpid(), os.Getenv(natsb.EnvURL)), nil
})

// startMain starts this test binary as a worker process through
// natsb.Main, on url. Its stderr is readable once done is closed.
func startMain(t *testing.T, url string) (*worker, *bytes.Buffer) {
	t.Helper()
	bin, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(bin, "-test.run=^$")
	cmd.Env = append(os.Environ(), natsb.EnvURL+"="+url)
	stderr := new(bytes.Buffer)
	cmd.Stderr = stderr
	require.NoError(t, cmd.Start())
	w := &worker{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(w.done) }()
	t.Cleanup(w.kill)
	return w, stderr
}

// TestMainWorker: a process that calls natsb.Main with natsb.EnvURL set
// serves the functions it registered (and does not pass the URL on to
// processes it would start); on SIGTERM it drains, leaves the fleet and
// exits with status 0.
func TestMainWorker(t *testing.T) {
	c := newCluster(t)
	ctx := within(t, 30*time.Second)
	w, stderr := startMain(t, c.s.URL())
	require.NoError(t, c.d.AwaitLanes(ctx, self.Name(), 1))
	p := newPool(t, c.d, self, pool.WithMaxWorkers(1))
	v, err := p.Call(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, fmt.Sprintf("%d %q", w.cmd.Process.Pid, ""), v)
	require.NoError(t, p.Stop(ctx))

	require.NoError(t, w.cmd.Process.Signal(syscall.SIGTERM))
	<-w.done
	require.Equal(t, 0, w.cmd.ProcessState.ExitCode(), "stderr: %s", stderr)
	require.Empty(t, stderr.String())
	require.NoError(t, natsb.AwaitLanesAtMost(ctx, c.d, self.Name(), 0), "it left the fleet")
}

// TestMainWorker_ServerGone: a worker process started by natsb.Main ends,
// with status 0, when its server shuts down.
func TestMainWorker_ServerGone(t *testing.T) {
	ctx := within(t, 30*time.Second)
	s, err := embedded.Start(ctx)
	require.NoError(t, err)
	t.Cleanup(s.Shutdown)
	nc, err := nats.Connect(s.URL(), nats.MaxReconnects(0))
	require.NoError(t, err)
	defer nc.Close()
	announced, err := nc.SubscribeSync(natsb.DefaultPrefix + ".announce")
	require.NoError(t, err)
	require.NoError(t, nc.Flush())
	w, stderr := startMain(t, s.URL())
	_, err = announced.NextMsgWithContext(ctx)
	require.NoError(t, err, "the worker serves")
	s.Shutdown()
	<-w.done
	require.Equal(t, 0, w.cmd.ProcessState.ExitCode(), "stderr: %s", stderr)
}

// TestMainWorker_NoServer: a worker process started by natsb.Main with a
// URL where no server listens exits with status 1 and says why.
func TestMainWorker_NoServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	w, stderr := startMain(t, "nats://"+addr)
	<-w.done
	require.Equal(t, 1, w.cmd.ProcessState.ExitCode())
	require.Contains(t, stderr.String(), "connecting")
}
