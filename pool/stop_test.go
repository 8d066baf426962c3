package pool_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

func TestStopDrainsQueuedWork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		gate := make(chan struct{})
		fn, _ := gated(gate)
		p, err := pool.New(fn, pool.WithMaxWorkers(2), pool.WithMaxQueued(1))
		require.NoError(t, err)
		futs := make([]*future.Future[int], 20)
		for i := range futs {
			futs[i] = p.Submit(ctx, i)
		}

		stopped := make(chan error, 1)
		go func() { stopped <- p.Stop(ctx) }()
		synctest.Wait()
		select {
		case err := <-stopped:
			t.Fatalf("Stop returned %v with work still queued", err)
		default:
		}
		_, err = p.Submit(ctx, 99).Wait()
		require.ErrorIs(t, err, pool.ErrStopped, "a stopping pool takes no more work")

		close(gate)
		require.NoError(t, <-stopped)
		for i, f := range futs {
			v, err, ok := f.TryResult()
			require.True(t, ok, "Stop returned before task %d settled", i)
			require.NoError(t, err)
			require.Equal(t, i, v)
		}
		require.Equal(t, 0, p.Alive())
	})
}

func TestStopWithEndingContextCancelsTheRest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		ctxErr := make(chan error, 2)
		ran := make(chan int, 2)
		fn := func(ctx context.Context, x int) (int, error) {
			ran <- x
			<-ctx.Done() // ignores everything but its ctx
			ctxErr <- ctx.Err()
			return 0, ctx.Err()
		}
		p, err := pool.New(fn, pool.WithMaxWorkers(2), pool.WithMaxQueued(2))
		require.NoError(t, err)
		futs := make([]*future.Future[int], 10)
		for i := range futs {
			futs[i] = p.Submit(ctx, i)
		}
		synctest.Wait()

		sctx, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		start := time.Now()
		err = p.Stop(sctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, 10*time.Millisecond, time.Since(start), "Stop waits until its ctx ends, then cancels")

		for range 2 {
			require.ErrorIs(t, <-ctxErr, context.Canceled, "running tasks' contexts are cancelled")
		}
		running := map[int]bool{<-ran: true, <-ran: true}
		for i, f := range futs {
			_, err, ok := f.TryResult()
			require.True(t, ok, "task %d pending after Stop", i)
			require.ErrorIs(t, err, context.Canceled, "task %d", i)
			if running[i] { // the two that ran
				require.ErrorIs(t, err, future.ErrCancelled)
				require.NotErrorIs(t, err, pool.ErrStopped)
			} else {
				require.ErrorIs(t, err, pool.ErrStopped, "task %d", i)
			}
		}
		st := p.Stats()
		require.Equal(t, uint64(10), st.Cancelled)
		require.Equal(t, 0, p.Alive())
	})
}

func TestStopWithContextEndedAfterDrainReturnsNil(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p, err := pool.New(double, pool.WithMaxWorkers(2))
	require.NoError(t, err)
	v, err := p.Call(ctx, 1)
	require.NoError(t, err)
	require.Equal(t, 2, v)
	require.NoError(t, p.Stop(ctx))
	cancel()
	require.NoError(t, p.Stop(context.Background()), "Stop again is harmless")
}

func TestCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		gate := make(chan struct{})
		defer close(gate)
		fn, started := gated(gate)
		p, err := pool.New(fn, pool.WithMaxWorkers(1), pool.WithMaxQueued(1))
		require.NoError(t, err)
		running := p.Submit(ctx, 0)
		queued := p.Submit(ctx, 1)
		<-started

		p.Cancel()
		_, err = running.Wait()
		require.ErrorIs(t, err, future.ErrCancelled)
		_, err = queued.Wait()
		require.ErrorIs(t, err, pool.ErrStopped)
		require.ErrorIs(t, err, context.Canceled)
		require.Equal(t, 0, p.Alive(), "Cancel returns once the workers have exited")

		_, err = p.Submit(ctx, 2).Wait()
		require.ErrorIs(t, err, pool.ErrStopped)
		p.Cancel() // again: nothing to do
		require.NoError(t, p.Stop(ctx))
	})
}

func TestCancelDuringStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		gate := make(chan struct{})
		defer close(gate)
		fn, _ := gated(gate)
		p, err := pool.New(fn, pool.WithMaxWorkers(2))
		require.NoError(t, err)
		futs := []*future.Future[int]{p.Submit(ctx, 0), p.Submit(ctx, 1), p.Submit(ctx, 2)}

		stopped := make(chan error, 1)
		go func() { stopped <- p.Stop(ctx) }()
		synctest.Wait()
		p.Cancel()
		require.NoError(t, <-stopped, "the draining Stop sees the workers exit")
		for _, f := range futs {
			_, err := f.Wait()
			require.ErrorIs(t, err, context.Canceled)
		}
	})
}

func TestCancelReleasesBlockedSubmit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		gate := make(chan struct{})
		defer close(gate)
		fn, _ := gated(gate)
		p, err := pool.New(fn, pool.WithMaxWorkers(1), pool.WithMaxPending(1, pool.Block))
		require.NoError(t, err)
		first := p.Submit(ctx, 0)
		blocked := make(chan *future.Future[int])
		go func() { blocked <- p.Submit(ctx, 1) }()
		synctest.Wait()

		p.Cancel()
		_, err = (<-blocked).Wait()
		require.ErrorIs(t, err, pool.ErrStopped)
		_, err = first.Wait()
		require.ErrorIs(t, err, context.Canceled)
	})
}

func TestStopOnDemandPool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p, err := pool.New(double, pool.WithMaxWorkers(4), pool.WithOnDemand(time.Hour))
		require.NoError(t, err)
		_, err = p.Map(ctx, []int{1, 2, 3, 4, 5})
		require.NoError(t, err)
		synctest.Wait()
		require.Positive(t, p.Alive())
		start := time.Now()
		require.NoError(t, p.Stop(ctx), "lingering workers end at once on Stop")
		require.Equal(t, start, time.Now())
		require.Equal(t, 0, p.Alive())
	})
}

func TestStopReturnsCauseOfContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		errShutdown := errors.New("shutting down")
		gate := make(chan struct{})
		defer close(gate)
		fn, started := gated(gate)
		p, err := pool.New(fn, pool.WithMaxWorkers(1))
		require.NoError(t, err)
		f := p.Submit(context.Background(), 0)
		<-started
		ctx, cancel := context.WithCancelCause(context.Background())
		cancel(errShutdown)
		require.ErrorIs(t, p.Stop(ctx), errShutdown)
		_, err = f.Wait()
		require.ErrorIs(t, err, future.ErrCancelled)
	})
}

func TestStopNilContextPanicsAndLeavesPoolRunning(t *testing.T) {
	p, err := pool.New(double, pool.WithMaxWorkers(1))
	require.NoError(t, err)
	var nilCtx context.Context
	require.PanicsWithValue(t, "pool: Stop with nil context", func() { _ = p.Stop(nilCtx) })
	v, err := p.Call(context.Background(), 2)
	require.NoError(t, err, "a refused Stop leaves the pool running")
	require.Equal(t, 4, v)
	require.NoError(t, p.Stop(context.Background()))
}

// TestCancelCallbackReadsStats: a running task's future is cancelled by
// Cancel, and its callback, which runs then, may call into the pool
// (Stats reads every worker's queue) without deadlocking the stop. Real
// time, so that -race sees the locks as they are.
func TestCancelCallbackReadsStats(t *testing.T) {
	ctx := context.Background()
	started := make(chan struct{})
	p, err := pool.New(func(ctx context.Context, _ int) (int, error) {
		close(started)
		<-ctx.Done()
		return 0, ctx.Err()
	}, pool.WithMaxWorkers(2))
	require.NoError(t, err)
	f := p.Submit(ctx, 1)
	seen := make(chan pool.Stats, 1)
	f.OnSettled(func(int, error) { seen <- p.Stats() })
	<-started
	p.Cancel()
	_, err = f.Await(ctx)
	require.ErrorIs(t, err, future.ErrCancelled)
	require.Equal(t, uint64(1), (<-seen).Submitted)
}
