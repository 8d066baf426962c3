package pool_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

// tally is a stateful worker that counts the tasks it ran: it shows whether
// a worker went on with the same W.
type tally struct{ n int }

func newTally(context.Context, int) (*tally, error) { return &tally{}, nil }

// step counts the task, then does what x says: -1 panics, -2 panics with
// errBoom, -3 calls runtime.Goexit.
func (w *tally) step(_ context.Context, x int) (int, error) {
	w.n++
	switch x {
	case -1:
		panic("bad input")
	case -2:
		panic(errBoom)
	case -3:
		runtime.Goexit()
	}
	return w.n, nil
}

func TestPanicSettlesWithPanicErrorAndWorkerKeepsItsState(t *testing.T) {
	ctx := context.Background()
	p, err := pool.NewStateful(ctx, newTally, (*tally).step, pool.WithMaxWorkers(1))
	require.NoError(t, err)

	v, err := p.Call(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, 1, v)

	_, err = p.Call(ctx, -1)
	pe, ok := errors.AsType[*future.PanicError](err)
	require.True(t, ok, "want a *future.PanicError, got %v", err)
	require.Equal(t, "bad input", pe.Value)
	require.Contains(t, string(pe.Stack), "(*tally).step", "the stack shows where it panicked")

	_, err = p.Call(ctx, -2)
	require.ErrorIs(t, err, errBoom, "a panic with an error unwraps to it")

	v, err = p.Call(ctx, 0)
	require.NoError(t, err)
	require.Equal(t, 4, v, "the same W serves on after the panics")
	require.Equal(t, 1, p.Alive())

	require.NoError(t, p.Stop(ctx))
	st := p.Stats()
	require.Equal(t, uint64(2), st.Succeeded)
	require.Equal(t, uint64(2), st.Failed)
}

func TestGoexitSettlesWithErrGoexitAndWorkerKeepsServing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p, err := pool.NewStateful(ctx, newTally, (*tally).step, pool.WithMaxWorkers(2), pool.WithStealing(false))
		require.NoError(t, err)
		for range 2 {
			f := p.Submit(ctx, -3)
			_, err = f.Wait()
			require.ErrorIs(t, err, future.ErrGoexit)
		}
		synctest.Wait()
		require.Equal(t, 2, p.Alive(), "a new goroutine took over each worker")

		vals, err := p.Map(ctx, []int{0, 0, 0, 0})
		require.NoError(t, err)
		require.Equal(t, []int{2, 2, 3, 3}, vals, "each worker goes on with its W")
		require.NoError(t, p.Stop(ctx))
		require.Equal(t, uint64(2), p.Stats().Failed)
	})
}

func TestTimeoutEndsEachTaskContextAfterExactlyTheTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const timeout = 30 * time.Millisecond
		type seen struct {
			waited   time.Duration
			deadline time.Duration
			err      error
		}
		saw := make(chan seen, 2)
		fn := func(ctx context.Context, fast bool) (int, error) {
			start := time.Now()
			if fast {
				return 1, nil
			}
			d, ok := ctx.Deadline()
			if !ok {
				return 0, errors.New("no deadline")
			}
			<-ctx.Done()
			saw <- seen{time.Since(start), d.Sub(start), ctx.Err()}
			return 2, nil // too late: dropped
		}
		p, err := pool.New(fn, pool.WithMaxWorkers(2), pool.WithTimeout(timeout))
		require.NoError(t, err)
		ctx := context.Background()

		_, err = p.Call(ctx, false)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorIs(t, err, pool.ErrTimeout)
		require.EqualError(t, err, "pool: task timed out after 30ms: attempt timed out: context deadline exceeded")
		s := <-saw
		require.Equal(t, timeout, s.waited)
		require.Equal(t, timeout, s.deadline)
		require.ErrorIs(t, s.err, context.DeadlineExceeded)

		// The timeout is per task: a later task gets its own.
		time.Sleep(time.Second)
		_, err = p.Call(ctx, false)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, timeout, (<-saw).waited)

		v, err := p.Call(ctx, true)
		require.NoError(t, err, "a fast task is untouched")
		require.Equal(t, 1, v)
		require.NoError(t, p.Stop(ctx))
		st := p.Stats()
		require.Equal(t, uint64(2), st.Failed, "a timed-out task counts as failed")
		require.Equal(t, uint64(1), st.Succeeded)
	})
}

// TestTimeoutFailsATaskThatIgnoresItsContext: the future fails at the
// deadline although the function runs on; the worker is busy until the
// function returns, and its value is dropped.
func TestTimeoutFailsATaskThatIgnoresItsContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		stubborn := func(context.Context, int) (int, error) {
			time.Sleep(100 * time.Millisecond)
			return 5, nil
		}
		p, err := pool.New(stubborn, pool.WithMaxWorkers(1), pool.WithTimeout(10*time.Millisecond))
		require.NoError(t, err)
		ctx := context.Background()
		start := time.Now()
		f := p.Submit(ctx, 0)
		v, err := f.Wait()
		require.Equal(t, 10*time.Millisecond, time.Since(start), "settled at the deadline")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Zero(t, v)
		synctest.Wait()
		require.Equal(t, 1, p.Stats().Running, "the function still runs")
		require.NoError(t, p.Stop(ctx))
		require.Equal(t, 100*time.Millisecond, time.Since(start))
		st := p.Stats()
		require.Equal(t, uint64(1), st.Failed)
		require.Zero(t, st.Cancelled)
		require.Zero(t, st.Succeeded)
	})
}

func TestNoTimeoutMeansNoDeadline(t *testing.T) {
	fn := func(ctx context.Context, _ int) (bool, error) {
		_, ok := ctx.Deadline()
		return ok, nil
	}
	p, err := pool.New(fn, pool.WithMaxWorkers(1))
	require.NoError(t, err)
	has, err := p.Call(context.Background(), 0)
	require.NoError(t, err)
	require.False(t, has)
	require.NoError(t, p.Stop(context.Background()))
}

var errTransient = errors.New("transient")

// attempts records when each attempt of a task began, relative to the
// first.
type attempts struct {
	mu    sync.Mutex
	start time.Time
	at    []time.Duration
}

func (a *attempts) record() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.at == nil {
		a.start = time.Now()
	}
	a.at = append(a.at, time.Since(a.start))
	return len(a.at)
}

func (a *attempts) times() []time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.at
}

func ms(ds ...int) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = time.Duration(d) * time.Millisecond
	}
	return out
}

func TestRetryBackoffTimes(t *testing.T) {
	const base = 10 * time.Millisecond
	for _, tc := range []struct {
		name    string
		backoff pool.Backoff
		tries   int
		want    []time.Duration // when each attempt starts
	}{
		{"none", pool.Backoff{}, 3, ms(0, 0, 0)},
		{"constant", pool.Constant(base), 4, ms(0, 10, 20, 30)},
		{"linear", pool.Linear(base, 0), 4, ms(0, 10, 30, 60)},
		{"linear capped", pool.Linear(base, 15*time.Millisecond), 4, ms(0, 10, 25, 40)},
		{"exponential", pool.Exponential(base, 0), 5, ms(0, 10, 30, 70, 150)},
		{"exponential capped", pool.Exponential(base, 25*time.Millisecond), 5, ms(0, 10, 30, 55, 80)},
		{"fibonacci", pool.Fibonacci(base, 0), 6, ms(0, 10, 20, 40, 70, 120)},
		{"fibonacci capped", pool.Fibonacci(base, 20*time.Millisecond), 6, ms(0, 10, 20, 40, 60, 80)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var a attempts
				fn := func(context.Context, int) (int, error) {
					a.record()
					return 0, errTransient
				}
				p, err := pool.New(fn, pool.WithMaxWorkers(1),
					pool.WithRetry(pool.Retry{Attempts: tc.tries, Backoff: tc.backoff}))
				require.NoError(t, err)
				_, err = p.Call(context.Background(), 0)
				require.ErrorIs(t, err, errTransient, "the last attempt's error")
				require.Equal(t, tc.want, a.times())
				require.NoError(t, p.Stop(context.Background()))
				require.Equal(t, uint64(1), p.Stats().Failed, "retries count as one task")
			})
		})
	}
}

func TestRetryStopsAtFirstSuccess(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var a attempts
		fn := func(context.Context, int) (int, error) {
			if n := a.record(); n < 3 {
				return 0, errTransient
			}
			return 7, nil
		}
		p, err := pool.New(fn, pool.WithMaxWorkers(1), pool.WithRetry(pool.Retry{
			Attempts: 10, Backoff: pool.Exponential(time.Millisecond, 0)}))
		require.NoError(t, err)
		v, err := p.Call(context.Background(), 0)
		require.NoError(t, err)
		require.Equal(t, 7, v)
		require.Equal(t, ms(0, 1, 3), a.times())
		require.NoError(t, p.Stop(context.Background()))
	})
}

func TestRetryJitterKeepsDelaysBelowTheBackoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const tasks, tries = 40, 6
		b := pool.Exponential(8*time.Millisecond, 50*time.Millisecond)
		recs := make([]attempts, tasks)
		fn := func(_ context.Context, i int) (int, error) {
			recs[i].record()
			return 0, errTransient
		}
		p, err := pool.New(fn, pool.WithMaxWorkers(tasks), pool.WithRetry(pool.Retry{Attempts: tries, Backoff: b, Jitter: true}))
		require.NoError(t, err)
		futs := make([]*future.Future[int], tasks)
		for i := range futs {
			futs[i] = p.Submit(context.Background(), i)
		}
		for _, f := range futs {
			_, err := f.Wait()
			require.ErrorIs(t, err, errTransient)
		}
		require.NoError(t, p.Stop(context.Background()))

		for i := range recs {
			at := recs[i].times()
			require.Len(t, at, tries)
			for r := 1; r < tries; r++ {
				full := b.Delay(r)
				gap := at[r] - at[r-1]
				require.GreaterOrEqual(t, gap, time.Duration(0))
				require.Less(t, gap, full, "task %d retry %d waited %v, want under %v", i, r, gap, full)
			}
		}
	})
}

func TestRetryIfPredicate(t *testing.T) {
	errPermanent := errors.New("permanent")
	synctest.Test(t, func(t *testing.T) {
		var a attempts
		fn := func(context.Context, int) (int, error) {
			if n := a.record(); n < 3 {
				return 0, fmt.Errorf("try %d: %w", n, errTransient)
			}
			return 0, errPermanent
		}
		p, err := pool.New(fn, pool.WithMaxWorkers(1), pool.WithRetry(pool.Retry{
			Attempts: 10,
			Backoff:  pool.Constant(time.Millisecond),
			If:       func(err error) bool { return errors.Is(err, errTransient) },
		}))
		require.NoError(t, err)
		_, err = p.Call(context.Background(), 0)
		require.ErrorIs(t, err, errPermanent)
		require.Equal(t, ms(0, 1, 2), a.times(), "no retry after an error If refuses")
		require.NoError(t, p.Stop(context.Background()))
	})
}

func TestRetryDefaultSkipsCancellation(t *testing.T) {
	var a attempts
	fn := func(context.Context, int) (int, error) {
		a.record()
		return 0, fmt.Errorf("gave up: %w", context.Canceled)
	}
	p, err := pool.New(fn, pool.WithMaxWorkers(1), pool.WithRetry(pool.Retry{Attempts: 5}))
	require.NoError(t, err)
	_, err = p.Call(context.Background(), 0)
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, a.times(), 1)
	require.NoError(t, p.Stop(context.Background()))
}

func TestRetryGivesEachAttemptItsOwnTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var a attempts
		fn := func(ctx context.Context, _ int) (int, error) {
			a.record()
			<-ctx.Done()
			return 0, ctx.Err()
		}
		p, err := pool.New(fn, pool.WithMaxWorkers(1), pool.WithTimeout(10*time.Millisecond),
			pool.WithRetry(pool.Retry{Attempts: 3, Backoff: pool.Constant(5 * time.Millisecond)}))
		require.NoError(t, err)
		start := time.Now()
		_, err = p.Call(context.Background(), 0)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, ms(0, 15, 30), a.times())
		require.Equal(t, 40*time.Millisecond, time.Since(start))
		require.NoError(t, p.Stop(context.Background()))
	})
}

func TestPanicsAreNotRetried(t *testing.T) {
	var a attempts
	fn := func(context.Context, int) (int, error) {
		a.record()
		panic(errTransient)
	}
	p, err := pool.New(fn, pool.WithMaxWorkers(1), pool.WithRetry(pool.Retry{
		Attempts: 5,
		If:       func(error) bool { return true }, // not even when If says yes
	}))
	require.NoError(t, err)
	_, err = p.Call(context.Background(), 0)
	_, ok := errors.AsType[*future.PanicError](err)
	require.True(t, ok, "got %v", err)
	require.ErrorIs(t, err, errTransient)
	require.Len(t, a.times(), 1)
	require.NoError(t, p.Stop(context.Background()))
}

func TestCancelDuringBackoffStopsRetrying(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var a attempts
		fn := func(context.Context, int) (int, error) {
			a.record()
			return 0, errTransient
		}
		p, err := pool.New(fn, pool.WithMaxWorkers(1), pool.WithRetry(pool.Retry{
			Attempts: 5, Backoff: pool.Constant(10 * time.Millisecond)}))
		require.NoError(t, err)
		f := p.Submit(context.Background(), 0)
		time.Sleep(5 * time.Millisecond) // in the first backoff
		require.True(t, f.Cancel())
		time.Sleep(time.Second)
		synctest.Wait()
		require.Len(t, a.times(), 1, "no attempt after the cancel")
		st := p.Stats()
		require.Equal(t, 0, st.Running, "the worker is free")
		require.Equal(t, uint64(1), st.Cancelled)
		require.NoError(t, p.Stop(context.Background()))
	})
}

func TestValidatorDemandsRetry(t *testing.T) {
	errTooSmall := errors.New("too small")
	check := func(v int) error {
		if v < 3 {
			return errTooSmall
		}
		return nil
	}
	synctest.Test(t, func(t *testing.T) {
		var a attempts
		fn := func(context.Context, int) (int, error) { return a.record(), nil }
		p, err := pool.New(pool.Validate(fn, check), pool.WithMaxWorkers(1),
			pool.WithRetry(pool.Retry{Attempts: 5, Backoff: pool.Constant(time.Millisecond)}))
		require.NoError(t, err)
		v, err := p.Call(context.Background(), 0)
		require.NoError(t, err)
		require.Equal(t, 3, v, "rejected results were retried")
		require.Equal(t, ms(0, 1, 2), a.times())
		require.NoError(t, p.Stop(context.Background()))
	})

	var a attempts
	fn := func(context.Context, int) (int, error) { return a.record(), nil }
	p, err := pool.New(pool.Validate(fn, check), pool.WithMaxWorkers(1), pool.WithRetry(pool.Retry{Attempts: 2}))
	require.NoError(t, err)
	_, err = p.Call(context.Background(), 0)
	require.ErrorIs(t, err, pool.ErrInvalid, "still rejected after the last attempt")
	require.ErrorIs(t, err, errTooSmall)
	require.Len(t, a.times(), 2)
	require.NoError(t, p.Stop(context.Background()))
	require.Equal(t, uint64(1), p.Stats().Failed)
}

// TestDoneContextBeforeStartDoesNotRun: a task whose Submit ctx ends, or
// whose future is cancelled, while it waits behind another never has its
// function called; it settles with the ctx's cause (or ErrCancelled) and
// counts as cancelled. Before the fix it ran and succeeded.
func TestDoneContextBeforeStartDoesNotRun(t *testing.T) {
	for _, opts := range [][]pool.Option{
		{pool.WithMaxWorkers(1)},
		{pool.WithMaxWorkers(1), pool.WithTimeout(time.Hour)},
		{pool.WithMaxWorkers(1), pool.WithMaxQueued(1)},
	} {
		synctest.Test(t, func(t *testing.T) {
			gate := make(chan struct{})
			var calls atomic.Int32
			fn := func(_ context.Context, x int) (int, error) {
				calls.Add(1)
				if x == 0 {
					<-gate
				}
				return x, nil
			}
			p, err := pool.New(fn, opts...)
			require.NoError(t, err)
			blocker := p.Submit(context.Background(), 0)
			synctest.Wait()

			cause := errors.New("caller gave up")
			ctx, cancel := context.WithCancelCause(context.Background())
			late := p.Submit(ctx, 1)
			dropped := p.Submit(context.Background(), 2)
			cancel(cause)
			require.True(t, dropped.Cancel())
			close(gate)
			require.NoError(t, p.Stop(context.Background()))

			_, err = blocker.Wait()
			require.NoError(t, err)
			_, err = late.Wait()
			require.ErrorIs(t, err, cause)
			_, err = dropped.Wait()
			require.ErrorIs(t, err, future.ErrCancelled)
			require.Equal(t, int32(1), calls.Load(), "only the blocker ran")
			st := p.Stats()
			require.Equal(t, uint64(1), st.Succeeded)
			require.Equal(t, uint64(2), st.Cancelled)
		})
	}
}

// gateObserver holds up the first TaskFinished call until gate closes.
type gateObserver struct {
	once sync.Once
	gate chan struct{}
}

func (*gateObserver) TaskStarted(ctx context.Context, _ pool.TaskStart) context.Context {
	return ctx
}
func (o *gateObserver) TaskFinished(context.Context, pool.TaskEnd) {
	o.once.Do(func() { <-o.gate })
}

// TestLoadIsLoweredBeforeTheFutureSettles: a caller that submits as soon as
// a task's future settles sees that task's worker free. With least active
// and no stealing, L holds worker 0 and A runs on worker 1; B, submitted
// once A has settled, must go to worker 1, not queue behind L. The
// observer holds worker 1 between A's settling and the end of its handling,
// where the load used to be lowered: before the fix B went behind L.
func TestLoadIsLoweredBeforeTheFutureSettles(t *testing.T) {
	release := make(chan struct{})
	fn := func(_ context.Context, x int) (int, error) {
		if x == 0 {
			<-release
		}
		return x, nil
	}
	obs := &gateObserver{gate: make(chan struct{})}
	p, err := pool.New(fn, pool.WithMaxWorkers(2), pool.WithStrategy(balance.LeastActive()),
		pool.WithStealing(false), pool.WithObserver(obs))
	require.NoError(t, err)
	ctx := context.Background()
	long := p.Submit(ctx, 0) // L holds worker 0
	_, err = p.Submit(ctx, 1).Wait()
	require.NoError(t, err)
	b := p.Submit(ctx, 2)
	close(obs.gate)
	select {
	case <-b.Done():
	case <-time.After(30 * time.Second): // a guard against a hang, not an order
		t.Fatal("B queued behind L: the worker of the settled task still counted as busy")
	}
	close(release)
	_, err = long.Wait()
	require.NoError(t, err)
	require.NoError(t, p.Stop(ctx))
}

// TestValidate checks that Validate's check never sees a failed attempt's
// result, passes the function's error on as is, and panics on nil.
func TestValidate(t *testing.T) {
	fn := pool.Validate(func(_ context.Context, in int) (int, error) {
		if in < 0 {
			return 0, errTransient
		}
		return in, nil
	}, func(v int) error {
		if v < 0 {
			panic("check called on a failed attempt")
		}
		if v == 0 {
			return errors.New("zero")
		}
		return nil
	})
	v, err := fn(context.Background(), 2)
	require.NoError(t, err)
	require.Equal(t, 2, v)
	_, err = fn(context.Background(), -1)
	require.Same(t, errTransient, err)
	_, err = fn(context.Background(), 0)
	require.ErrorIs(t, err, pool.ErrInvalid)
	require.EqualError(t, err, "pool: result rejected by validator: zero")

	require.PanicsWithValue(t, "pool: Validate with nil function or check", func() {
		pool.Validate[int, int](nil, func(int) error { return nil })
	})
	require.PanicsWithValue(t, "pool: Validate with nil function or check", func() {
		pool.Validate(func(context.Context, int) (int, error) { return 0, nil }, nil)
	})
}
