package pool_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

var errBoom = errors.New("boom")

// double is the plainest task.
func double(_ context.Context, x int) (int, error) { return 2 * x, nil }

// cpuWorker is the seed page's CPUWorker: a stateful worker doing CPU work.
type cpuWorker struct {
	id    int
	calls int
}

func (w *cpuWorker) compute(_ context.Context, x int) (int, error) {
	w.calls++
	return x * x, nil
}

func TestSeedExample(t *testing.T) {
	ctx := context.Background()
	var workers []*cpuWorker
	newWorker := func(_ context.Context, id int) (*cpuWorker, error) {
		w := &cpuWorker{id: id}
		workers = append(workers, w)
		return w, nil
	}
	// Without stealing, placement is the strategy's alone, as the seed
	// page draws it.
	p, err := pool.NewStateful(ctx, newWorker, (*cpuWorker).compute, pool.WithMaxWorkers(4), pool.WithStealing(false))
	require.NoError(t, err)
	require.Equal(t, 4, p.Workers())
	require.Len(t, workers, 4)

	futures := make([]*future.Future[int], 100)
	for i := range futures {
		futures[i] = p.Submit(ctx, i)
	}
	results, err := future.All(ctx, futures...)
	require.NoError(t, err)
	for i, r := range results {
		require.Equal(t, i*i, r, "result %d", i)
	}
	require.NoError(t, p.Stop(ctx))

	// Round robin: 25 tasks each. Reading calls is safe once Stop returned.
	for i, w := range workers {
		assert.Equal(t, i, w.id)
		assert.Equal(t, 25, w.calls, "worker %d", i)
	}
}

func TestNewFunctionPool(t *testing.T) {
	ctx := context.Background()
	p, err := pool.New(double, pool.WithMaxWorkers(3))
	require.NoError(t, err)
	require.Equal(t, 3, p.Workers())
	require.Equal(t, 3, p.Alive(), "persistent workers start at once")
	v, err := p.Submit(ctx, 21).Wait()
	require.NoError(t, err)
	require.Equal(t, 42, v)
	require.NoError(t, p.Stop(ctx))
	require.Equal(t, 0, p.Alive())
}

func TestNewStatefulGivesEachWorkerItsIndex(t *testing.T) {
	type key struct{}
	ctx := context.WithValue(context.Background(), key{}, "construction")
	var ids []int
	newWorker := func(ctx context.Context, id int) (int, error) {
		if ctx.Value(key{}) != "construction" {
			return 0, errors.New("constructor did not get NewStateful's ctx")
		}
		ids = append(ids, id)
		return id, nil
	}
	whoAmI := func(w int, _ context.Context, _ struct{}) (int, error) { return w, nil }
	p, err := pool.NewStateful(ctx, newWorker, whoAmI, pool.WithMaxWorkers(3), pool.WithStealing(false))
	require.NoError(t, err)
	require.Equal(t, []int{0, 1, 2}, ids, "one W per worker, in order, before anything starts")

	var got []int
	for range 6 {
		v, err := p.Call(context.Background(), struct{}{})
		require.NoError(t, err)
		got = append(got, v)
	}
	require.Equal(t, []int{0, 1, 2, 0, 1, 2}, got, "each task runs on its worker's W")
	require.NoError(t, p.Stop(context.Background()))
}

func TestNewStatefulConstructorErrorStartsNothing(t *testing.T) {
	errNoDB := errors.New("no database")
	var made []int
	newWorker := func(_ context.Context, id int) (*cpuWorker, error) {
		if id == 2 {
			return nil, errNoDB
		}
		made = append(made, id)
		return &cpuWorker{id: id}, nil
	}
	p, err := pool.NewStateful(context.Background(), newWorker, (*cpuWorker).compute, pool.WithMaxWorkers(4))
	require.Nil(t, p)
	require.ErrorIs(t, err, errNoDB)
	require.EqualError(t, err, "pool: worker 2: no database")
	require.Equal(t, []int{0, 1}, made, "construction stops at the first error")
	goleak.VerifyNone(t) // no worker goroutine was started
}

// goid returns the current goroutine's id, to tell goroutines apart.
func goid() int {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	f := strings.Fields(string(buf)) // "goroutine 18 [running]: ..."
	id, _ := strconv.Atoi(f[1])
	return id
}

func TestOnDemandWorkersExitAfterLinger(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const linger = 10 * time.Millisecond
		ctx := context.Background()
		p, err := pool.New(double, pool.WithMaxWorkers(2), pool.WithOnDemand(linger))
		require.NoError(t, err)
		require.Equal(t, 0, p.Alive(), "an idle on-demand pool holds no goroutines")

		_, err = p.Submit(ctx, 1).Wait()
		require.NoError(t, err)
		synctest.Wait()
		require.Equal(t, 1, p.Alive(), "the worker lingers")

		time.Sleep(linger - time.Nanosecond)
		synctest.Wait()
		require.Equal(t, 1, p.Alive(), "still lingering just before linger is up")

		time.Sleep(time.Nanosecond)
		synctest.Wait()
		require.Equal(t, 0, p.Alive(), "gone exactly at linger")
		require.NoError(t, p.Stop(ctx))
	})
}

func TestOnDemandWorkersAreReusedWithinLinger(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const linger = 10 * time.Millisecond
		ctx := context.Background()
		where := func(context.Context, int) (int, error) { return goid(), nil }
		p, err := pool.New(where, pool.WithMaxWorkers(1), pool.WithOnDemand(linger))
		require.NoError(t, err)

		first, err := p.Call(ctx, 0)
		require.NoError(t, err)
		time.Sleep(linger / 2)
		second, err := p.Call(ctx, 0)
		require.NoError(t, err)
		require.Equal(t, first, second, "a task within linger reuses the warm goroutine")

		// The linger starts again from the second task.
		time.Sleep(linger - time.Nanosecond)
		synctest.Wait()
		require.Equal(t, 1, p.Alive())
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		require.Equal(t, 0, p.Alive())

		third, err := p.Call(ctx, 0)
		require.NoError(t, err)
		require.NotEqual(t, first, third, "after linger a new goroutine serves")
		require.NoError(t, p.Stop(ctx))
	})
}

func TestOnDemandZeroLingerExitsWhenIdle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		gate := make(chan struct{})
		p, err := pool.New(func(context.Context, int) (int, error) { <-gate; return 0, nil },
			pool.WithMaxWorkers(3), pool.WithOnDemand(0), pool.WithStrategy(balance.RoundRobin()))
		require.NoError(t, err)
		f := p.Submit(ctx, 0)
		synctest.Wait()
		require.Equal(t, 1, p.Alive(), "only the worker with a task runs")
		close(gate)
		_, err = f.Wait()
		require.NoError(t, err)
		synctest.Wait()
		require.Equal(t, 0, p.Alive())
		require.NoError(t, p.Stop(ctx))
	})
}

func TestOnDemandNeverMoreThanMaxWorkers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		gate := make(chan struct{})
		p, err := pool.New(func(context.Context, int) (int, error) { <-gate; return 0, nil },
			pool.WithMaxWorkers(3), pool.WithOnDemand(time.Millisecond), pool.WithMaxQueued(2),
			pool.WithStrategy(balance.RoundRobin()))
		require.NoError(t, err)
		futs := make([]*future.Future[int], 50)
		for i := range futs {
			futs[i] = p.Submit(ctx, i)
			require.LessOrEqual(t, p.Alive(), 3)
		}
		synctest.Wait()
		require.LessOrEqual(t, p.Alive(), 3)
		require.Equal(t, 3, p.Stats().Running)
		close(gate)
		_, err = future.All(ctx, futs...)
		require.NoError(t, err)
		require.NoError(t, p.Stop(ctx))
		require.Equal(t, 0, p.Alive())
	})
}

// closingWorker is a W that counts its calls and its closes.
type closingWorker struct {
	calls  int
	mu     sync.Mutex
	closed int
}

func (w *closingWorker) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.closed++
	return nil
}

func (w *closingWorker) closes() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.closed
}

// TestStatefulOnDemandMakesWWhenItRuns: an on-demand stateful pool makes
// no W at New, makes a worker's W when the worker first runs, keeps it
// while the goroutine lingers, and closes it when the goroutine ends; a
// constructor that fails fails that task, and the next task tries again.
func TestStatefulOnDemandMakesWWhenItRuns(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		var mu sync.Mutex // the test reads what workers write
		var made []*closingWorker
		fail := errors.New("no connection")
		failNext := false
		newWorker := func(context.Context, int) (*closingWorker, error) {
			mu.Lock()
			defer mu.Unlock()
			if failNext {
				failNext = false
				return nil, fail
			}
			w := &closingWorker{}
			made = append(made, w)
			return w, nil
		}
		nmade := func() int {
			mu.Lock()
			defer mu.Unlock()
			return len(made)
		}
		calls := func(w *closingWorker, _ context.Context, _ int) (int, error) {
			w.calls++
			return w.calls, nil
		}
		const linger = time.Second
		p, err := pool.NewStateful(ctx, newWorker, calls, pool.WithMaxWorkers(1), pool.WithOnDemand(linger))
		require.NoError(t, err)
		require.Zero(t, nmade(), "no W before a worker runs")

		for i := 1; i <= 3; i++ { // within the linger: one goroutine, one W
			v, err := p.Call(ctx, i)
			require.NoError(t, err)
			require.Equal(t, i, v)
		}
		require.Equal(t, 1, nmade())
		require.Zero(t, made[0].closes(), "the goroutine lingers, and its W with it")
		time.Sleep(2 * linger) // virtual time: the linger passes
		synctest.Wait()
		require.Equal(t, 0, p.Alive())
		require.Equal(t, 1, made[0].closes(), "closed when its goroutine ended")

		mu.Lock()
		failNext = true
		mu.Unlock()
		_, err = p.Call(ctx, 0)
		require.ErrorIs(t, err, fail)
		require.EqualError(t, err, "pool: worker 0: no connection")
		v, err := p.Call(ctx, 0)
		require.NoError(t, err)
		require.Equal(t, 1, v, "the next task makes a new W")
		require.Equal(t, 2, nmade())
		require.NoError(t, p.Stop(ctx))
		require.Equal(t, 1, made[0].closes())
		require.Equal(t, 1, made[1].closes())
	})
}

// An on-demand worker's goroutine used to leave the Alive count only after
// it had given up its worker, so a task arriving in between started a
// second goroutine while the first was still counted: Alive() read
// MaxWorkers+1 from inside the new task. The window is a few instructions
// wide; the race detector's slower code makes this test hit it reliably.
func TestOnDemandAliveWithinMaxWorkersUnderChurn(t *testing.T) {
	var maxAlive atomic.Int64
	var p *pool.Pool[int, int]
	p, err := pool.New(func(_ context.Context, x int) (int, error) {
		if a := int64(p.Alive()); a > maxAlive.Load() {
			maxAlive.Store(a) // one worker: tasks never overlap
		}
		return x, nil
	}, pool.WithMaxWorkers(1), pool.WithOnDemand(0))
	require.NoError(t, err)
	ctx := context.Background()
	for i := range 20000 {
		_, err := p.Submit(ctx, i).Wait()
		require.NoError(t, err)
	}
	require.NoError(t, p.Stop(ctx))
	require.Equal(t, int64(1), maxAlive.Load())
}
