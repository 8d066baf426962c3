package natsb_test

import (
	"context"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/natsb"
	"github.com/sluice-go/sluice/pool"
)

// sizes is the Resizer Follow gets: it resizes p and tells the test each
// size it set.
type sizes struct {
	p  *pool.Pool[int, int]
	ch chan int
}

func (s sizes) Resize(ctx context.Context, n int) error {
	err := s.p.Resize(ctx, n)
	if err == nil {
		s.ch <- n
	}
	return err
}

// live counts the workers a pool has now (not retired).
func live(p *pool.Pool[int, int]) int {
	n := 0
	for _, w := range p.Stats().Workers {
		if !w.Retired {
			n++
		}
	}
	return n
}

// TestFollow: a pool that follows the fleet grows when a worker process
// joins, and its new workers run tasks there; it shrinks when one leaves
// (drained by SIGTERM), and its tasks then run on the one that remains.
// Follow ends with its ctx's cause.
func TestFollow(t *testing.T) {
	c := newCluster(t)
	ctx := within(t, 30*time.Second)
	next := c.starts(t, ctx)
	rsCh := make(chan int, 8)
	release := func(id int) { require.NoError(t, c.nc.Publish("natsb_test.release."+strconv.Itoa(id), nil)) }
	size := func() int {
		t.Helper()
		select {
		case n := <-rsCh:
			return n
		case <-ctx.Done():
			t.Fatal("waiting for Follow to resize the pool")
		}
		return 0
	}

	a := c.startWorker(t, 2)
	require.NoError(t, c.d.AwaitLanes(ctx, hold.Name(), 2))
	p := newPool(t, c.d, hold, pool.WithMaxWorkers(1))
	rs := sizes{p, rsCh}
	fctx, stopFollow := context.WithCancel(ctx)
	defer stopFollow()
	followed := make(chan error, 1)
	go func() { followed <- natsb.Follow(fctx, c.d, hold.Name(), 1, rs) }()
	require.Equal(t, 2, size(), "the lanes of the one process")

	// Two tasks run on a's two lanes.
	futs := []*future.Future[int]{p.Submit(ctx, 1), p.Submit(ctx, 2)}
	for range 2 {
		_, pid := next()
		require.Equal(t, a.cmd.Process.Pid, pid)
	}
	// b joins: two workers more, and they take the next two tasks.
	b := c.startWorker(t, 2)
	require.Equal(t, 4, size(), "the lanes of both processes")
	futs = append(futs, p.Submit(ctx, 3), p.Submit(ctx, 4))
	for range 2 {
		id, pid := next()
		require.Equal(t, b.cmd.Process.Pid, pid, "task %d runs on the process that joined", id)
	}
	for id := 1; id <= 4; id++ {
		release(id)
	}
	for i, f := range futs {
		v, err := f.Await(ctx)
		require.NoError(t, err)
		if i < 2 {
			require.Equal(t, a.cmd.Process.Pid, v)
		} else {
			require.Equal(t, b.cmd.Process.Pid, v)
		}
	}

	// a leaves: the pool retires two workers, and runs on b.
	require.NoError(t, a.cmd.Process.Signal(syscall.SIGTERM))
	<-a.done
	require.Equal(t, 0, a.cmd.ProcessState.ExitCode(), "a drained and exited")
	require.Equal(t, 2, size(), "the lanes of the process that remains")
	require.Equal(t, 2, live(p))
	futs = []*future.Future[int]{p.Submit(ctx, 5), p.Submit(ctx, 6)}
	for range 2 {
		id, pid := next()
		require.Equal(t, b.cmd.Process.Pid, pid, "task %d", id)
		release(id)
	}
	for _, f := range futs {
		v, err := f.Await(ctx)
		require.NoError(t, err)
		require.Equal(t, b.cmd.Process.Pid, v)
	}

	stopFollow()
	require.ErrorIs(t, <-followed, context.Canceled)
	require.NoError(t, p.Stop(ctx))
	require.Empty(t, rsCh, "no resize but those the fleet asked for")
}

// TestFollow_Ends: Follow refuses less than one lane per worker, and
// returns ErrClosed when its dispatcher closes.
func TestFollow_Ends(t *testing.T) {
	c := newCluster(t)
	c.inProc(t)
	ctx := within(t, 20*time.Second)
	p := newPool(t, c.d, square, pool.WithMaxWorkers(1))
	require.ErrorContains(t, natsb.Follow(ctx, c.d, square.Name(), 0, p), "0 lanes per worker")

	nc, err := nats.Connect(c.s.URL())
	require.NoError(t, err)
	defer nc.Close()
	d, err := natsb.NewDispatcher(ctx, nc)
	require.NoError(t, err)
	ch := make(chan int, 1)
	followed := make(chan error, 1)
	// A name no instance serves: the fleet has no lanes for it, whatever d
	// has heard of c's instance by the time Follow first looks (once, a
	// fresh d had heard of it, and Follow sized the pool to its 2 lanes).
	go func() { followed <- natsb.Follow(ctx, d, "natsb-test.unserved", 1, sizes{p, ch}) }()
	require.Equal(t, 1, <-ch, "no lanes: at least one worker")
	require.NoError(t, d.Close())
	require.ErrorIs(t, <-followed, natsb.ErrClosed)
	require.NoError(t, p.Stop(ctx))
}
