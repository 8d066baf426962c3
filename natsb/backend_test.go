package natsb_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/natsb"
	"github.com/sluice-go/sluice/natsb/embedded"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/remote"
	"github.com/sluice-go/sluice/stage"
)

func newPool[In, Out any](t *testing.T, d *natsb.Dispatcher, f remote.Func[In, Out], opts ...pool.Option) *pool.Pool[In, Out] {
	t.Helper()
	b, err := natsb.NewBackend(d, f)
	require.NoError(t, err)
	p, err := pool.NewOn(within(t, 10*time.Second), b, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { p.Cancel() })
	return p
}

// TestPool: results, errors that keep errors.Is and panics across the
// wire, over two instances and every worker of a pool.
func TestPool(t *testing.T) {
	c := newCluster(t)
	c.inProc(t, natsb.WithInstances(2), natsb.WithWorkerLanes(2))
	ctx := within(t, 20*time.Second)
	p := newPool(t, c.d, square, pool.WithMaxWorkers(4))
	futs := make([]*future.Future[int], 200)
	for i := range futs {
		futs[i] = p.Submit(ctx, i)
	}
	for i, f := range futs {
		v, err := f.Await(ctx)
		require.NoError(t, err)
		require.Equal(t, i*i, v)
	}
	require.NoError(t, p.Stop(ctx))

	pf := newPool(t, c.d, fail, pool.WithMaxWorkers(1))
	_, err := pf.Call(ctx, "sentinel")
	require.ErrorIs(t, err, errSentinel)
	require.EqualError(t, err, "doing it: natsb_test: the sentinel")
	_, err = pf.Call(ctx, "panic")
	pe, ok := errors.AsType[*future.PanicError](err)
	require.True(t, ok, "%v", err)
	require.Equal(t, "boom", pe.Value)
	require.Contains(t, string(pe.Stack), "funcs_test.go")
	require.NoError(t, pf.Stop(ctx))
}

// TestStateful: each pool worker has its own state on the instance, and
// a worker that ends (a resize) loses it.
func TestStateful(t *testing.T) {
	c := newCluster(t)
	c.inProc(t)
	ctx := within(t, 20*time.Second)
	p := newPool(t, c.d, add, pool.WithMaxWorkers(1))
	for range 3 {
		_, err := p.Call(ctx, 1)
		require.NoError(t, err)
	}
	v, err := p.Call(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, [2]int{0, 4}, v, "one state for worker 0, kept between calls")
	require.NoError(t, p.Resize(ctx, 2))
	require.NoError(t, p.Resize(ctx, 1)) // worker 1 ends: its state is closed
	require.NoError(t, p.Stop(ctx))
}

// TestTooLarge: a request over the server's max_payload fails that call
// with a clear error; a result over it too; the pool goes on.
func TestTooLarge(t *testing.T) {
	c := newCluster(t, embedded.WithMaxPayload(4096))
	c.inProc(t)
	ctx := within(t, 20*time.Second)
	p := newPool(t, c.d, echo, pool.WithMaxWorkers(1))
	_, err := p.Call(ctx, make([]byte, 8192))
	require.ErrorIs(t, err, natsb.ErrTooLarge)
	require.ErrorIs(t, err, remote.ErrFrameTooLarge)
	require.ErrorContains(t, err, "max_payload of 4096")
	v, err := p.Call(ctx, []byte("small"))
	require.NoError(t, err)
	require.Equal(t, "small", string(v))
	require.NoError(t, p.Stop(ctx))
}

// TestUnknownName: an instance refuses a name its program did not
// register, and a dispatcher told not to wait fails a call for a name no
// instance announced.
func TestUnknownName(t *testing.T) {
	c := newCluster(t)
	w := c.inProc(t)
	ctx := within(t, 20*time.Second)
	require.NoError(t, c.d.AwaitLanes(ctx, square.Name(), 1))
	b, err := natsb.NewBackend(c.d, square)
	require.NoError(t, err)
	require.NoError(t, b.Start(ctx, 0))
	// The instance is bound; now ask it, as that backend, for a name it
	// never registered, through the wire.
	_, err = b.Run(ctx, 0, 3)
	require.NoError(t, err)
	require.NoError(t, b.Close())
	require.NoError(t, w.stop())

	nc2 := c.nc
	d2, err := natsb.NewDispatcher(ctx, nc2, natsb.WithoutWaiting(), natsb.WithPrefix("other"))
	require.NoError(t, err)
	defer d2.Close()
	b2, err := natsb.NewBackend(d2, square)
	require.NoError(t, err)
	_, err = b2.Run(ctx, 0, 3)
	require.ErrorIs(t, err, natsb.ErrNoWorker)
}

// TestDrain: a worker that stops finishes its tasks in flight, and the
// pool's next tasks go to the instance that remains.
func TestDrain(t *testing.T) {
	c := newCluster(t)
	w1 := c.inProc(t, natsb.WithWorkerLanes(1))
	ctx := within(t, 20*time.Second)
	started, err := c.nc.SubscribeSync("natsb_test.started")
	require.NoError(t, err)
	p := newPool(t, c.d, hold, pool.WithMaxWorkers(1))
	f := p.Submit(ctx, 1)
	_, err = started.NextMsgWithContext(ctx)
	require.NoError(t, err)
	stopped := make(chan error, 1)
	go func() { stopped <- w1.stop() }()
	c.inProc(t, natsb.WithWorkerLanes(1))
	require.NoError(t, c.nc.Publish("natsb_test.release.1", nil))
	_, err = f.Await(ctx)
	require.NoError(t, err, "a task in flight on a draining worker completes")
	require.NoError(t, <-stopped)
	require.NoError(t, c.d.AwaitLanes(ctx, hold.Name(), 1))
	f = p.Submit(ctx, 2)
	_, err = started.NextMsgWithContext(ctx)
	require.NoError(t, err)
	require.NoError(t, c.nc.Publish("natsb_test.release.2", nil))
	_, err = f.Await(ctx)
	require.NoError(t, err)
	require.NoError(t, p.Stop(ctx))
}

// TestKillInProcess: a worker whose connection breaks fails the tasks in
// flight on it with stage.ErrWorkerLost.
func TestKillInProcess(t *testing.T) {
	c := newCluster(t)
	w := c.inProc(t)
	ctx := within(t, 20*time.Second)
	started, err := c.nc.SubscribeSync("natsb_test.started")
	require.NoError(t, err)
	p := newPool(t, c.d, hold, pool.WithMaxWorkers(1))
	f := p.Submit(ctx, 1)
	_, err = started.NextMsgWithContext(ctx)
	require.NoError(t, err)
	w.kill()
	_, err = f.Await(ctx)
	require.ErrorIs(t, err, stage.ErrWorkerLost)
	lost, ok := errors.AsType[*natsb.LostError](err)
	require.True(t, ok)
	require.True(t, strings.Contains(lost.How, "disconnect") || strings.Contains(lost.How, "heartbeat"), lost.How)
}

// TestDrain_Overlapping: a worker that stops with eight tasks in flight,
// released together (their answers batched), sends every answer before
// it is gone.
func TestDrain_Overlapping(t *testing.T) {
	c := newCluster(t)
	w := c.inProc(t, natsb.WithWorkerLanes(8))
	ctx := within(t, 20*time.Second)
	started, err := c.nc.SubscribeSync("natsb_test.started")
	require.NoError(t, err)
	require.NoError(t, c.nc.Flush())
	p := newPool(t, c.d, hold, pool.WithMaxWorkers(8))
	futs := make([]*future.Future[int], 8)
	for i := range futs {
		futs[i] = p.Submit(ctx, i)
	}
	for range futs {
		_, err = started.NextMsgWithContext(ctx)
		require.NoError(t, err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- w.stop() }()
	for i := range futs {
		require.NoError(t, c.nc.Publish("natsb_test.release."+strconv.Itoa(i), nil))
	}
	for i, f := range futs {
		_, err := f.Await(ctx)
		require.NoError(t, err, "task %d", i)
	}
	require.NoError(t, <-stopped)
	require.NoError(t, p.Stop(ctx))
}
