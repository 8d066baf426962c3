package natsb_test

import (
	"errors"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/natsb"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/stage"
)

// TestLost_MissedHeartbeats: a worker process stopped by SIGSTOP keeps
// its connection, so the server sends no disconnect event; it stops
// heartbeating and answering. Its tasks in flight fail with
// stage.ErrWorkerLost, seen by its missed heartbeats (the pool has no
// timeout and the calls' ctx is far longer), and the pool's next task
// runs on a process that joins. The stopped process is continued and
// killed at cleanup.
func TestLost_MissedHeartbeats(t *testing.T) {
	c := newCluster(t)
	ctx := within(t, 30*time.Second)
	next := c.starts(t, ctx)

	w := c.startWorker(t, 2)
	t.Cleanup(func() { w.cmd.Process.Signal(syscall.SIGCONT) }) // before startWorker's kill
	require.NoError(t, c.d.AwaitLanes(ctx, hold.Name(), 2))
	p := newPool(t, c.d, hold, pool.WithMaxWorkers(2))
	futs := []*future.Future[int]{p.Submit(ctx, 1), p.Submit(ctx, 2)}
	for range 2 {
		_, pid := next()
		require.Equal(t, w.cmd.Process.Pid, pid)
	}
	require.NoError(t, w.cmd.Process.Signal(syscall.SIGSTOP))
	for i, f := range futs {
		_, err := f.Await(ctx)
		require.ErrorIs(t, err, stage.ErrWorkerLost, "task %d", i+1)
		lost, ok := errors.AsType[*natsb.LostError](err)
		require.True(t, ok, "%v", err)
		require.Equal(t, "missed heartbeats", lost.How, "task %d", i+1)
	}
	require.NoError(t, natsb.AwaitLanesAtMost(ctx, c.d, hold.Name(), 0), "the stopped process is out of the fleet")

	w2 := c.startWorker(t, 1)
	f := p.Submit(ctx, 3)
	id, pid := next()
	require.Equal(t, 3, id)
	require.Equal(t, w2.cmd.Process.Pid, pid, "the next task runs on the process that joined")
	require.NoError(t, c.nc.Publish("natsb_test.release."+strconv.Itoa(id), nil))
	v, err := f.Await(ctx)
	require.NoError(t, err)
	require.Equal(t, w2.cmd.Process.Pid, v)
	require.NoError(t, p.Stop(ctx))
}
