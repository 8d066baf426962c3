package natsb_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/natsb"
	"github.com/sluice-go/sluice/natsb/embedded"
)

// cluster is an embedded server, a connection of the test's own (also
// testNC for in-process workers) and a dispatcher with system events.
type cluster struct {
	s  *embedded.Server
	nc *nats.Conn
	d  *natsb.Dispatcher
}

func newCluster(t *testing.T, opts ...embedded.Option) *cluster {
	t.Helper()
	ctx := context.Background()
	s, err := embedded.Start(ctx, opts...)
	require.NoError(t, err)
	t.Cleanup(s.Shutdown)
	nc, err := nats.Connect(s.URL())
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	sys, err := nats.Connect(s.SystemURL())
	require.NoError(t, err)
	t.Cleanup(sys.Close)
	d, err := natsb.NewDispatcher(ctx, nc, natsb.WithSystemEvents(sys))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, d.Close()) })
	testNC = nc
	return &cluster{s: s, nc: nc, d: d}
}

// inProc is a worker in this process, on a connection of its own.
type inProc struct {
	nc     *nats.Conn
	cancel context.CancelFunc
	done   chan struct{}
	err    error // Serve's, once done is closed
}

func (c *cluster) inProc(t *testing.T, opts ...natsb.WorkerOption) *inProc {
	t.Helper()
	nc, err := nats.Connect(c.s.URL(), nats.MaxReconnects(0))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	w := &inProc{nc: nc, cancel: cancel, done: make(chan struct{})}
	go func() { w.err = natsb.Serve(ctx, nc, opts...); close(w.done) }()
	t.Cleanup(func() { w.stop() })
	return w
}

// stop drains the worker and returns Serve's error.
func (w *inProc) stop() error {
	w.cancel()
	<-w.done
	w.nc.Close()
	return w.err
}

// kill closes the worker's connection abruptly, as a crash would.
func (w *inProc) kill() error {
	w.nc.Close()
	return w.stop()
}

// worker is a worker process: this test binary again.
type worker struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func (c *cluster) startWorker(t *testing.T, lanes int, env ...string) *worker {
	t.Helper()
	self, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), envWorker+"="+c.s.URL(), envLanes+"="+strconv.Itoa(lanes))
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = os.Stderr
	require.NoError(t, cmd.Start())
	w := &worker{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(w.done) }()
	t.Cleanup(func() {
		w.cmd.Process.Kill()
		<-w.done
	})
	return w
}

func (w *worker) kill() {
	w.cmd.Process.Kill()
	<-w.done
}

// within returns a ctx for one test step.
func within(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// starts subscribes to the hold tasks' "natsb_test.started" and returns
// a function that waits, under ctx, for the next one: its task id and
// the process id it runs in.
func (c *cluster) starts(t *testing.T, ctx context.Context) func() (id, pid int) {
	t.Helper()
	started, err := c.nc.SubscribeSync("natsb_test.started")
	require.NoError(t, err)
	require.NoError(t, c.nc.Flush())
	return func() (id, pid int) {
		t.Helper()
		m, err := started.NextMsgWithContext(ctx)
		require.NoError(t, err)
		_, err = fmt.Sscan(string(m.Data), &id, &pid)
		require.NoError(t, err)
		return id, pid
	}
}
