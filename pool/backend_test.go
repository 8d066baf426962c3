package pool_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/internal/backendtest"
	"github.com/sluice-go/sluice/limiter"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/stage"
)

// traceObserver records every observer event as a line.
type traceObserver struct {
	mu     sync.Mutex
	events []string
}

func (o *traceObserver) TaskStarted(ctx context.Context, t pool.TaskStart) context.Context {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, fmt.Sprintf("%s start w%d waited %v", t.Pool, t.Worker, t.Waited))
	return ctx
}

func (o *traceObserver) TaskFinished(_ context.Context, t pool.TaskEnd) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.events = append(o.events, fmt.Sprintf("%s finish w%d ran %v %v", t.Pool, t.Worker, t.Ran, t.Outcome))
}

// seamTask is what the equivalence test runs: it sleeps (in virtual time)
// for its duration, fails its first fails attempts, or panics, or calls
// runtime.Goexit.
type seamTask struct {
	id       int
	d        time.Duration
	fails    int
	panics   bool
	goexit   bool
	attempts *atomic.Int32
}

func runSeamTask(ctx context.Context, t seamTask) (int, error) {
	a := int(t.attempts.Add(1))
	switch {
	case t.panics:
		panic(fmt.Sprintf("task %d", t.id))
	case t.goexit:
		runtime.Goexit()
	case a <= t.fails:
		return 0, fmt.Errorf("task %d attempt %d: %w", t.id, a, errBoom)
	}
	select {
	case <-time.After(t.d):
		return t.id * 10, nil
	case <-ctx.Done():
		return 0, context.Cause(ctx)
	}
}

// seamCase is one configuration the equivalence test runs both ways.
type seamCase struct {
	name  string
	opts  func() []pool.Option
	exact bool // placement is deterministic: the whole trace must match
}

func seamCases() []seamCase {
	cases := []seamCase{}
	for _, s := range []struct {
		name string
		mk   func() balance.Strategy
	}{
		{"round-robin", balance.RoundRobin},
		{"least-active", balance.LeastActive},
		{"least-total", balance.LeastTotal},
		{"power-of-two", balance.PowerOfTwo},
		{"random", balance.Random},
		{"key-affinity", func() balance.Strategy { return balance.KeyAffinity(balance.RoundRobin()) }},
	} {
		for _, steal := range []bool{false, true} {
			// Random choices, goroutines racing to steal at one instant,
			// and least-active reading loads that tasks failing at once
			// lower while the submitter still submits, place tasks
			// differently from run to run even with goroutine workers:
			// those runs compare what placement cannot change.
			exact := !steal && s.name != "random" && s.name != "power-of-two" && s.name != "least-active"
			cases = append(cases, seamCase{fmt.Sprintf("%s/stealing=%v", s.name, steal), func() []pool.Option {
				return []pool.Option{pool.WithStrategy(s.mk()), pool.WithStealing(steal)}
			}, exact})
		}
	}
	return append(cases,
		seamCase{"max-queued-1", func() []pool.Option { return []pool.Option{pool.WithMaxQueued(1)} }, false},
		seamCase{"on-demand/linger-2ms", func() []pool.Option {
			return []pool.Option{pool.WithOnDemand(2 * time.Millisecond), pool.WithStealing(false)}
		}, false},
		seamCase{"on-demand/linger-0", func() []pool.Option { return []pool.Option{pool.WithOnDemand(0)} }, false},
		seamCase{"limit-2", func() []pool.Option {
			l, err := limiter.NewResourceLimit("slots", 2)
			if err != nil {
				panic(err)
			}
			return []pool.Option{pool.WithLimit(l)}
		}, false},
		seamCase{"retries", func() []pool.Option {
			return []pool.Option{pool.WithRetry(pool.Retry{Attempts: 3, Backoff: pool.Constant(time.Millisecond)})}
		}, false},
		seamCase{"timeout-5ms", func() []pool.Option { return []pool.Option{pool.WithTimeout(5 * time.Millisecond)} }, false},
		seamCase{"pending-3-block", func() []pool.Option { return []pool.Option{pool.WithMaxPending(3, pool.Block)} }, false},
	)
}

// seamTrace runs one workload on a pool made by mk, in a bubble, and
// returns everything a user could see: each future's result, Stats and
// Alive at fixed instants, and the observer's events (trace), and the part
// of it that placement does not change (summary): every result, the
// totals once idle and once stopped, and the observer's outcomes.
func seamTrace(t *testing.T, c seamCase, mk func(opts ...pool.Option) (*pool.Pool[seamTask, int], error)) (trace, summary []string) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		obs := &traceObserver{}
		opts := append([]pool.Option{pool.WithMaxWorkers(3), pool.WithName(c.name), pool.WithObserver(obs)}, c.opts()...)
		p, err := mk(opts...)
		require.NoError(t, err)
		var futs []*future.Future[int]
		for i := range 24 {
			tk := seamTask{id: i, d: time.Duration(i%4+1) * time.Millisecond, fails: i % 5 % 3, panics: i == 7, goexit: i == 13, attempts: new(atomic.Int32)}
			if i%6 == 0 {
				futs = append(futs, p.SubmitKey(ctx, uint64(i%3), tk))
			} else {
				futs = append(futs, p.Submit(ctx, tk))
			}
			if i == 11 {
				futs[3].Cancel()
			}
		}
		synctest.Wait()
		snap := func(when string) {
			st := p.Stats()
			trace = append(trace, fmt.Sprintf("%s: alive %d stats %+v", when, p.Alive(), st))
		}
		snap("submitted")
		time.Sleep(3 * time.Millisecond)
		synctest.Wait()
		snap("3ms")
		for i, f := range futs {
			v, err := f.Wait()
			var pe *future.PanicError
			if errors.As(err, &pe) {
				err = fmt.Errorf("panic %v", pe.Value) // the stacks differ
			}
			trace = append(trace, fmt.Sprintf("task %d: %d %v", i, v, err))
			summary = append(summary, trace[len(trace)-1])
		}
		time.Sleep(10 * time.Millisecond) // past every linger
		synctest.Wait()
		snap("idle")
		total := func(when string) {
			st := p.Stats()
			summary = append(summary, fmt.Sprintf("%s: alive %d submitted %d queued %d running %d succeeded %d failed %d cancelled %d",
				when, p.Alive(), st.Submitted, st.Queued, st.Running, st.Succeeded, st.Failed, st.Cancelled))
		}
		total("idle")
		require.NoError(t, p.Stop(ctx))
		snap("stopped")
		total("stopped")
		obs.mu.Lock()
		slices.Sort(obs.events) // one instant may see events in any order
		trace = append(trace, obs.events...)
		// Whether the cancelled task had started when it was cancelled
		// depends on where it was placed.
		outcomes := map[string]int{}
		for _, e := range obs.events {
			if i := strings.LastIndex(e, " "); strings.Contains(e, " finish ") && !strings.HasSuffix(e, "cancelled") {
				outcomes[e[i+1:]]++
			}
		}
		summary = append(summary, fmt.Sprint(outcomes))
		obs.mu.Unlock()
	})
	return trace, summary
}

// TestBackendBehavesAsGoroutineWorkers drives a pool through the seam
// with the test backend (every attempt on a fresh goroutine) and with
// goroutine workers, under every strategy with stealing off and on,
// MaxQueued, on-demand workers, limits, retries, timeouts, a pending cap,
// keys, a cancel, a panic and a Goexit: futures, Stats, Alive and the
// Observer's events must be the same, instant by instant in virtual time,
// where placement is deterministic, and all that placement cannot change
// elsewhere.
func TestBackendBehavesAsGoroutineWorkers(t *testing.T) {
	for _, c := range seamCases() {
		t.Run(c.name, func(t *testing.T) {
			goroutines, gsum := seamTrace(t, c, func(opts ...pool.Option) (*pool.Pool[seamTask, int], error) {
				return pool.New(runSeamTask, opts...)
			})
			var b *backendtest.Backend[seamTask, int]
			backend, bsum := seamTrace(t, c, func(opts ...pool.Option) (*pool.Pool[seamTask, int], error) {
				b = backendtest.New(1, func(ctx context.Context, _ backendtest.Worker, tk seamTask) (int, error) {
					return runSeamTask(ctx, tk)
				})
				return pool.NewOn(context.Background(), b, opts...)
			})
			require.Equal(t, gsum, bsum)
			if c.exact {
				require.Equal(t, goroutines, backend)
			}
			require.Empty(t, b.Problems())
			require.Equal(t, 1, b.Closed())
		})
	}
}

// lostCase submits gated tasks to a pool of 2 workers of 2 lanes on the
// test backend, loses worker 0 once both its lanes run a task, and returns
// the tasks that were in flight on it and the others.
func lostCase(t *testing.T, settle func()) {
	ctx := context.Background()
	gate := make(chan struct{})
	var mu sync.Mutex
	ranOn := map[int]backendtest.Worker{}
	b := backendtest.New(2, func(ctx context.Context, w backendtest.Worker, id int) (int, error) {
		mu.Lock()
		ranOn[id] = w
		mu.Unlock()
		select {
		case <-gate:
			return id, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	})
	p, err := pool.NewOn(ctx, b, pool.WithMaxWorkers(2), pool.WithMaxQueued(2), pool.WithStealing(false))
	require.NoError(t, err)
	require.Equal(t, 2, pool.Lanes(p))
	var futs []*future.Future[int]
	for id := range 12 {
		futs = append(futs, p.Submit(ctx, id))
	}
	var inflight []int
	for {
		mu.Lock()
		inflight = inflight[:0]
		on1 := 0
		for id, w := range ranOn {
			if w.Index == 0 {
				inflight = append(inflight, id)
			} else {
				on1++
			}
		}
		mu.Unlock()
		if len(inflight) == 2 && on1 == 2 {
			break
		}
		settle()
	}
	require.Len(t, inflight, 2)
	lost, ok := b.Lose(0)
	require.True(t, ok)
	require.Equal(t, backendtest.Worker{Index: 0, Incarnation: 0}, lost)
	for _, id := range inflight {
		_, err := futs[id].Wait() // no gate opens: the loss alone settles them
		require.ErrorIs(t, err, stage.ErrWorkerLost)
	}
	close(gate)
	for id, f := range futs {
		if slices.Contains(inflight, id) {
			continue
		}
		v, err := f.Wait()
		require.NoError(t, err, "task %d", id)
		require.Equal(t, id, v)
	}
	require.NoError(t, p.Stop(ctx))
	st := p.Stats()
	require.EqualValues(t, 2, st.Failed)
	require.EqualValues(t, 10, st.Succeeded)
	mu.Lock()
	replaced := 0
	for _, w := range ranOn {
		if w.Index == 0 && w.Incarnation == 1 {
			replaced++
		}
	}
	mu.Unlock()
	require.Positive(t, replaced, "worker 0's queued tasks ran on its replacement")
	require.Empty(t, b.Problems())
	require.Equal(t, 1, b.Closed())
}

// TestLostWorkerFailsOnlyItsInFlightTasks: a worker lost mid-task fails its
// in-flight tasks (both lanes) with stage.ErrWorkerLost within one
// scheduling round (in virtual time: with no time passing), and nothing
// else: its queued tasks run on its replacement, the other worker's run on.
func TestLostWorkerFailsOnlyItsInFlightTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) { lostCase(t, synctest.Wait) })
}

// TestLostWorkerRealTime is the same in real time, for -race.
func TestLostWorkerRealTime(t *testing.T) {
	for range 20 {
		lostCase(t, runtime.Gosched)
	}
}

// TestStatefulLostWorkerGetsANewW: a task whose error matches
// stage.ErrWorkerLost closes its W, and the worker's next task gets a new
// one.
func TestStatefulLostWorkerGetsANewW(t *testing.T) {
	ctx := context.Background()
	var made []*closingWorker
	p, err := pool.NewStateful(ctx, func(context.Context, int) (*closingWorker, error) {
		w := &closingWorker{}
		made = append(made, w)
		return w, nil
	}, func(w *closingWorker, _ context.Context, lose bool) (int, error) {
		w.calls++
		if lose {
			return 0, fmt.Errorf("pipe closed: %w", stage.ErrWorkerLost)
		}
		return w.calls, nil
	}, pool.WithMaxWorkers(1))
	require.NoError(t, err)
	require.Len(t, made, 1)
	_, err = p.Call(ctx, true)
	require.ErrorIs(t, err, stage.ErrWorkerLost)
	require.Equal(t, 1, made[0].closes())
	v, err := p.Call(ctx, false)
	require.NoError(t, err)
	require.Equal(t, 1, v, "a new W")
	require.NoError(t, p.Stop(ctx))
	require.Len(t, made, 2)
	require.Equal(t, 1, made[1].closes())
}

func TestNewOnErrors(t *testing.T) {
	_, err := pool.NewOn[int, int](context.Background(), nil)
	require.EqualError(t, err, "pool: NewOn with nil backend")
	b := backendtest.New(1, func(context.Context, backendtest.Worker, int) (int, error) { return 0, nil })
	_, err = pool.NewOn(context.Background(), b, pool.WithMaxWorkers(0))
	require.ErrorContains(t, err, "WithMaxWorkers(0)")
}
