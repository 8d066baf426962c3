package pool_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

// gated returns a task function that blocks until gate is closed or its ctx
// is done, and a channel on which every call announces its input.
func gated(gate <-chan struct{}) (fn func(context.Context, int) (int, error), started <-chan int) {
	ch := make(chan int, 1024)
	return func(ctx context.Context, x int) (int, error) {
		ch <- x
		select {
		case <-gate:
			return x, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}, ch
}

func TestSubmitNeverBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		gate := make(chan struct{})
		fn, _ := gated(gate)
		// Without stealing, so that the queues split exactly.
		p, err := pool.New(fn, pool.WithMaxWorkers(2), pool.WithMaxQueued(1), pool.WithStealing(false))
		require.NoError(t, err)

		// Both workers are blocked; if Submit waited for one, this
		// goroutine would block too and synctest would report a deadlock.
		start := time.Now()
		futs := make([]*future.Future[int], 1000)
		for i := range futs {
			futs[i] = p.Submit(ctx, i)
		}
		require.Equal(t, start, time.Now())

		synctest.Wait()
		st := p.Stats()
		require.Equal(t, uint64(1000), st.Submitted)
		require.Equal(t, 2, st.Running)
		require.Equal(t, 998, st.Queued)
		for w := range 2 {
			require.Equal(t, 1, pool.Handed(p, w), "MaxQueued 1: only the running task is handed on")
			require.Equal(t, 499, st.Workers[w].Queued)
		}
		for _, f := range futs {
			require.False(t, f.Settled())
		}

		close(gate)
		vals, err := future.All(ctx, futs...)
		require.NoError(t, err)
		for i, v := range vals {
			require.Equal(t, i, v)
		}
		require.NoError(t, p.Stop(ctx))
	})
}

func TestSubmitAfterStopFailsWithErrStopped(t *testing.T) {
	ctx := context.Background()
	p, err := pool.New(double, pool.WithMaxWorkers(2))
	require.NoError(t, err)
	require.NoError(t, p.Stop(ctx))

	_, err = p.Submit(ctx, 1).Wait()
	require.ErrorIs(t, err, pool.ErrStopped)
	_, err = p.SubmitKey(ctx, 7, 1).Wait()
	require.ErrorIs(t, err, pool.ErrStopped)
	_, err = p.Call(ctx, 1)
	require.ErrorIs(t, err, pool.ErrStopped)
	_, err = p.Map(ctx, []int{1, 2})
	require.ErrorIs(t, err, pool.ErrStopped)

	st := p.Stats()
	require.Zero(t, st.Submitted)
	require.Equal(t, uint64(5), st.Dropped)
}

func TestSubmitNilContextPanics(t *testing.T) {
	p, err := pool.New(double, pool.WithMaxWorkers(1))
	require.NoError(t, err)
	defer p.Stop(context.Background())
	var nilCtx context.Context
	require.PanicsWithValue(t, "pool: Submit with nil context", func() { p.Submit(nilCtx, 1) })
}

func TestSubmitContextReachesTheTask(t *testing.T) {
	type key struct{}
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), key{}, "v"))
	fn := func(ctx context.Context, _ int) (int, error) {
		if ctx.Value(key{}) != "v" {
			return 0, errors.New("task ctx lacks the Submit ctx's values")
		}
		<-ctx.Done() // done when the Submit ctx is
		return 0, context.Cause(ctx)
	}
	p, err := pool.New(fn, pool.WithMaxWorkers(1))
	require.NoError(t, err)
	f := p.Submit(ctx, 0)
	cancel()
	_, err = f.Wait()
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, p.Stop(context.Background()))
}

func TestCancelFutureCancelsTaskAndWorkerGoesOn(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		ctxErr := make(chan error, 1)
		ran := make(chan int, 10)
		fn := func(ctx context.Context, x int) (int, error) {
			ran <- x
			if x == 0 {
				<-ctx.Done()
				ctxErr <- ctx.Err()
				return 0, ctx.Err()
			}
			return x, nil
		}
		p, err := pool.New(fn, pool.WithMaxWorkers(1))
		require.NoError(t, err)

		running := p.Submit(ctx, 0)
		queued := p.Submit(ctx, 1)
		require.Equal(t, 0, <-ran)
		require.True(t, queued.Cancel(), "cancel a task still queued")
		require.True(t, running.Cancel(), "cancel the running task")
		require.ErrorIs(t, <-ctxErr, context.Canceled, "cancelling the future cancels the task's ctx")

		_, err = running.Wait()
		require.ErrorIs(t, err, future.ErrCancelled)
		_, err = queued.Wait()
		require.ErrorIs(t, err, future.ErrCancelled)

		v, err := p.Call(ctx, 2)
		require.NoError(t, err)
		require.Equal(t, 2, v, "the worker keeps serving")
		require.Equal(t, 2, <-ran, "the queued task was skipped, never run")

		require.NoError(t, p.Stop(ctx))
		st := p.Stats()
		require.Equal(t, uint64(2), st.Cancelled)
		require.Equal(t, uint64(1), st.Succeeded)
	})
}

func TestMaxPendingBlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		gate := make(chan struct{})
		fn, started := gated(gate)
		p, err := pool.New(fn, pool.WithMaxWorkers(1), pool.WithMaxPending(2, pool.Block))
		require.NoError(t, err)

		first := p.Submit(ctx, 1)
		p.Submit(ctx, 2)
		<-started

		third := make(chan *future.Future[int])
		go func() { third <- p.Submit(ctx, 3) }()
		synctest.Wait()
		select {
		case <-third:
			t.Fatal("Submit returned while the pool was full")
		default:
		}

		// Still full: a Submit whose ctx ends gives up with its cause.
		errLate := errors.New("too late")
		tctx, cancel := context.WithTimeoutCause(ctx, 5*time.Millisecond, errLate)
		defer cancel()
		start := time.Now()
		_, err = p.Submit(tctx, 4).Wait()
		require.ErrorIs(t, err, errLate)
		require.Equal(t, 5*time.Millisecond, time.Since(start))

		// A finished task makes room: the blocked Submit goes on.
		first.Cancel()
		f3 := <-third
		close(gate)
		v, err := f3.Wait()
		require.NoError(t, err)
		require.Equal(t, 3, v)

		require.NoError(t, p.Stop(ctx))
		st := p.Stats()
		require.Equal(t, uint64(3), st.Submitted)
		require.Equal(t, uint64(1), st.Dropped)
	})
}

func TestMaxPendingFail(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		gate := make(chan struct{})
		fn, _ := gated(gate)
		p, err := pool.New(fn, pool.WithMaxWorkers(2), pool.WithMaxPending(3, pool.Fail))
		require.NoError(t, err)

		futs := []*future.Future[int]{p.Submit(ctx, 1), p.Submit(ctx, 2), p.Submit(ctx, 3)}
		_, err = p.Submit(ctx, 4).Wait()
		require.ErrorIs(t, err, pool.ErrFull, "full: fails at once")

		close(gate)
		_, err = future.All(ctx, futs...)
		require.NoError(t, err)
		synctest.Wait() // tasks give their places back after settling
		v, err := p.Call(ctx, 5)
		require.NoError(t, err, "room again once tasks finish")
		require.Equal(t, 5, v)

		require.NoError(t, p.Stop(ctx))
		st := p.Stats()
		require.Equal(t, uint64(4), st.Submitted)
		require.Equal(t, uint64(1), st.Dropped)
	})
}

func TestSubmitKeyKeepsPerKeyOrder(t *testing.T) {
	const keys, perKey = 8, 50
	type item struct{ key, seq int }
	var mu sync.Mutex
	got := make([][]int, keys)
	workerOf := make([]map[int]bool, keys)
	for k := range workerOf {
		workerOf[k] = map[int]bool{}
	}
	record := func(w int, _ context.Context, it item) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		got[it.key] = append(got[it.key], it.seq)
		workerOf[it.key][w] = true
		return it.seq, nil
	}
	newWorker := func(_ context.Context, id int) (int, error) { return id, nil }
	p, err := pool.NewStateful(context.Background(), newWorker, record,
		pool.WithMaxWorkers(4), pool.WithMaxQueued(2), pool.WithStrategy(balance.KeyAffinity(balance.RoundRobin())))
	require.NoError(t, err)

	ctx := context.Background()
	for seq := range perKey {
		for k := range keys {
			p.SubmitKey(ctx, uint64(k), item{k, seq})
		}
	}
	require.NoError(t, p.Stop(ctx))
	for k := range keys {
		require.Len(t, got[k], perKey)
		for i, seq := range got[k] {
			require.Equal(t, i, seq, "key %d ran out of order", k)
		}
		require.Len(t, workerOf[k], 1, "key %d ran on several workers", k)
	}
}

func TestSubmitKeyWithoutKeyedStrategyIsSubmit(t *testing.T) {
	newWorker := func(_ context.Context, id int) (int, error) { return id, nil }
	whoAmI := func(w int, _ context.Context, _ int) (int, error) { return w, nil }
	p, err := pool.NewStateful(context.Background(), newWorker, whoAmI, pool.WithMaxWorkers(3), pool.WithStealing(false))
	require.NoError(t, err)
	ctx := context.Background()
	for i := range 6 {
		w, err := p.SubmitKey(ctx, 42, 0).Wait()
		require.NoError(t, err)
		require.Equal(t, i%3, w, "round robin ignores the key")
	}
	require.NoError(t, p.Stop(ctx))
}

func TestMapReturnsResultsInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// Later items finish first.
		fn := func(_ context.Context, x int) (int, error) {
			time.Sleep(time.Duration(100-x) * time.Millisecond)
			return x * 10, nil
		}
		p, err := pool.New(fn, pool.WithMaxWorkers(7))
		require.NoError(t, err)
		ins := make([]int, 100)
		for i := range ins {
			ins[i] = i
		}
		out, err := p.Map(context.Background(), ins)
		require.NoError(t, err)
		for i, v := range out {
			require.Equal(t, i*10, v)
		}

		out, err = p.Map(context.Background(), nil)
		require.NoError(t, err)
		require.Empty(t, out)
		require.NoError(t, p.Stop(context.Background()))
	})
}

func TestMapFailsOnFirstErrorAndCancelsTheRest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var cancelled atomic.Int32
		started := make(chan struct{}, 10)
		fn := func(ctx context.Context, x int) (int, error) {
			if x == 3 { // fail once all the others run
				for range 9 {
					<-started
				}
				return 0, errBoom
			}
			started <- struct{}{}
			<-ctx.Done()
			cancelled.Add(1)
			return 0, ctx.Err()
		}
		p, err := pool.New(fn, pool.WithMaxWorkers(10))
		require.NoError(t, err)
		_, err = p.Map(context.Background(), []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
		require.ErrorIs(t, err, errBoom)
		require.NoError(t, p.Stop(context.Background()))
		require.Equal(t, int32(9), cancelled.Load(), "the other tasks are cancelled")
		st := p.Stats()
		require.Equal(t, uint64(1), st.Failed)
		require.Equal(t, uint64(9), st.Cancelled)
	})
}

func TestCall(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctxErr := make(chan error, 1)
		fn := func(ctx context.Context, x int) (int, error) {
			if x < 0 {
				<-ctx.Done()
				ctxErr <- ctx.Err()
				return 0, ctx.Err()
			}
			return 2 * x, nil
		}
		p, err := pool.New(fn, pool.WithMaxWorkers(1))
		require.NoError(t, err)

		v, err := p.Call(context.Background(), 4)
		require.NoError(t, err)
		require.Equal(t, 8, v)

		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Millisecond)
		defer cancel()
		_, err = p.Call(ctx, -1)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.ErrorIs(t, <-ctxErr, context.DeadlineExceeded, "the task's ctx is done with the caller's")
		require.NoError(t, p.Stop(context.Background()))
	})
}
