package pool_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

// closer is a worker state that counts its Close calls.
type closer struct {
	id     int
	closed *atomic.Int32
	err    error
}

func (c *closer) Close() error {
	c.closed.Add(1)
	return c.err
}

func (c *closer) Echo(_ context.Context, x int) (int, error) { return x, nil }

func TestStopClosesStatefulWorkers(t *testing.T) {
	var closed atomic.Int32
	errClose := errors.New("close failed")
	p, err := pool.NewStateful(context.Background(),
		func(_ context.Context, id int) (*closer, error) {
			c := &closer{id: id, closed: &closed}
			if id == 1 {
				c.err = errClose
			}
			return c, nil
		},
		(*closer).Echo, pool.WithMaxWorkers(3))
	require.NoError(t, err)
	v, err := p.Call(context.Background(), 7)
	require.NoError(t, err)
	require.Equal(t, 7, v)
	require.Zero(t, closed.Load(), "states are closed only at stop")

	err = p.Stop(context.Background())
	require.ErrorIs(t, err, errClose)
	require.ErrorContains(t, err, "pool: closing worker 1")
	require.Equal(t, int32(3), closed.Load())

	require.ErrorIs(t, p.Stop(context.Background()), errClose, "a second Stop reports the same")
	p.Cancel()
	require.Equal(t, int32(3), closed.Load(), "each state is closed once")
}

func TestNewStatefulClosesBuiltStatesOnFailure(t *testing.T) {
	var closed atomic.Int32
	errBuild := errors.New("no GPU")
	_, err := pool.NewStateful(context.Background(),
		func(_ context.Context, id int) (*closer, error) {
			if id == 2 {
				return nil, errBuild
			}
			return &closer{id: id, closed: &closed}, nil
		},
		(*closer).Echo, pool.WithMaxWorkers(4))
	require.ErrorIs(t, err, errBuild)
	require.ErrorContains(t, err, "pool: worker 2")
	require.Equal(t, int32(2), closed.Load(), "workers 0 and 1 were built and must be closed")
}

func TestNewStatefulStopsWhenContextEnds(t *testing.T) {
	var closed atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	built := 0
	_, err := pool.NewStateful(ctx,
		func(_ context.Context, id int) (*closer, error) {
			built++
			if id == 1 {
				cancel() // the caller gives up while worker 1 is being built
			}
			return &closer{id: id, closed: &closed}, nil
		},
		(*closer).Echo, pool.WithMaxWorkers(4))
	require.ErrorIs(t, err, context.Canceled)
	require.ErrorContains(t, err, "pool: worker 2")
	require.Equal(t, 2, built, "no worker is built after ctx ends")
	require.Equal(t, int32(2), closed.Load())
}

func TestStopWakesSubmitBlockedOnFullPool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		gate := make(chan struct{})
		fn, started := gated(gate)
		p, err := pool.New(fn, pool.WithMaxWorkers(1), pool.WithMaxPending(1, pool.Block))
		require.NoError(t, err)
		first := p.Submit(ctx, 0)
		<-started
		blocked := make(chan *future.Future[int])
		go func() { blocked <- p.Submit(ctx, 1) }()
		synctest.Wait()

		stopped := make(chan error)
		go func() { stopped <- p.Stop(ctx) }()
		// The graceful stop still waits for the running task, but the
		// blocked Submit is refused at once.
		_, err = (<-blocked).Wait()
		require.ErrorIs(t, err, pool.ErrStopped)
		close(gate)
		require.NoError(t, <-stopped)
		v, err := first.Wait()
		require.NoError(t, err)
		require.Zero(t, v)
	})
}

func TestCancelledQueuedTaskFreesItsPendingSlotAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		gate := make(chan struct{})
		fn, started := gated(gate)
		p, err := pool.New(fn, pool.WithMaxWorkers(1), pool.WithMaxPending(2, pool.Fail))
		require.NoError(t, err)
		p.Submit(ctx, 0)
		<-started
		queued := p.Submit(ctx, 1)
		_, err = p.Submit(ctx, 2).Wait()
		require.ErrorIs(t, err, pool.ErrFull)

		// The queued task is still behind the running one, but cancelling
		// it gives its slot back now, not when the worker reaches it.
		require.True(t, queued.Cancel())
		third := p.Submit(ctx, 3)
		close(gate)
		v, err := third.Wait()
		require.NoError(t, err)
		require.Equal(t, 3, v)
		require.NoError(t, p.Stop(ctx))
	})
}
