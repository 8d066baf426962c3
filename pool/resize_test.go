package pool_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

// rzWorker is a W that records the tasks it starts, in order, whether two
// ever ran on it at once, and how often it was closed.
type rzWorker struct {
	id      int
	mu      sync.Mutex
	started []int
	running atomic.Int32
	overlap atomic.Bool
	closed  atomic.Int32
	misused atomic.Bool // ran after it was closed
}

// Close counts the closes; the pool must close each W once.
func (w *rzWorker) Close() error {
	w.closed.Add(1)
	return nil
}

// rzTask is a task input: it blocks on its gate (if any) or its ctx.
type rzTask struct {
	id   int
	gate chan struct{}
}

func (w *rzWorker) run(ctx context.Context, t rzTask) (int, error) {
	if w.running.Add(1) > 1 {
		w.overlap.Store(true)
	}
	if w.closed.Load() != 0 {
		w.misused.Store(true)
	}
	defer w.running.Add(-1)
	w.mu.Lock()
	w.started = append(w.started, t.id)
	w.mu.Unlock()
	if t.gate != nil {
		select {
		case <-t.gate:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return t.id, nil
}

// rzPool is a stateful pool of rzWorkers and the Ws made for each index,
// oldest first: a worker that a resize retired and brought back has a new
// one.
type rzPool struct {
	*pool.Pool[rzTask, int]
	made map[int][]*rzWorker
	mu   sync.Mutex
}

// newRzPool makes a pool of n rzWorkers that places tasks as its strategy
// says, without stealing, so that tests can tell where each task runs;
// opts may turn stealing back on.
func newRzPool(t require.TestingT, n int, opts ...pool.Option) *rzPool {
	rp := &rzPool{made: map[int][]*rzWorker{}}
	p, err := pool.NewStateful(context.Background(), func(_ context.Context, id int) (*rzWorker, error) {
		rp.mu.Lock()
		defer rp.mu.Unlock()
		if ws := rp.made[id]; len(ws) > 0 && ws[len(ws)-1].closed.Load() == 0 {
			panic("a W was made for an index whose W is open")
		}
		w := &rzWorker{id: id}
		rp.made[id] = append(rp.made[id], w)
		return w, nil
	}, (*rzWorker).run, append([]pool.Option{pool.WithMaxWorkers(n), pool.WithStealing(false)}, opts...)...)
	require.NoError(t, err)
	rp.Pool = p
	return rp
}

// worker returns worker id's latest W, or nil if none was made.
func (rp *rzPool) worker(id int) *rzWorker {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	ws := rp.made[id]
	if len(ws) == 0 {
		return nil
	}
	return ws[len(ws)-1]
}

// all returns every W made, each index's oldest first.
func (rp *rzPool) all() []*rzWorker {
	rp.mu.Lock()
	defer rp.mu.Unlock()
	var all []*rzWorker
	for id := range len(rp.made) + 8 {
		all = append(all, rp.made[id]...)
	}
	return all
}

func TestResizeGrowTakesEffectAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := newRzPool(t, 1, pool.WithMaxQueued(1))
		gate := make(chan struct{})
		first := p.Submit(ctx, rzTask{id: 0, gate: gate})
		synctest.Wait()

		require.NoError(t, p.Resize(ctx, 3))
		require.Equal(t, 3, p.Workers())
		// Round robin goes on from where it was: the next tasks land on the
		// new workers, which are free, and finish at once.
		a, b := p.Submit(ctx, rzTask{id: 1}), p.Submit(ctx, rzTask{id: 2})
		for _, f := range []*future.Future[int]{a, b} {
			_, err := f.Wait()
			require.NoError(t, err)
		}
		require.Equal(t, []int{1}, p.worker(1).started)
		require.Equal(t, []int{2}, p.worker(2).started)
		require.False(t, first.Settled(), "worker 0 is still busy")
		close(gate)
		require.NoError(t, p.Stop(ctx))
	})
}

func TestResizeShrinkMovesQueuedTasks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := newRzPool(t, 3, pool.WithMaxQueued(1))
		gates := map[int]chan struct{}{}
		var futs []*future.Future[int]
		for id := range 9 { // three per worker: one running, two queued
			gates[id] = make(chan struct{})
			futs = append(futs, p.Submit(ctx, rzTask{id: id, gate: gates[id]}))
		}
		synctest.Wait()
		require.Equal(t, 2, p.Stats().Workers[2].Queued)

		require.NoError(t, p.Resize(ctx, 1))
		st := p.Stats()
		require.Equal(t, 1, p.Workers())
		require.Len(t, st.Workers, 3)
		require.False(t, st.Workers[0].Retired)
		require.True(t, st.Workers[1].Retired)
		require.True(t, st.Workers[2].Retired)
		require.Zero(t, st.Workers[1].Queued, "queued tasks moved off retired workers")
		require.Zero(t, st.Workers[2].Queued)
		require.Equal(t, 6, st.Workers[0].Queued, "worker 0's own two, and the four moved")
		require.Equal(t, 3, st.Running, "retired workers finish the task they run")

		for id := range 9 {
			close(gates[id])
		}
		for id, f := range futs {
			v, err := f.Wait()
			require.NoError(t, err)
			require.Equal(t, id, v)
		}
		require.NoError(t, p.Stop(ctx))
		// Each retired worker ran only the task it had when retired.
		require.Equal(t, []int{1}, p.worker(1).started)
		require.Equal(t, []int{2}, p.worker(2).started)
		// Worker 0 ran its own first, then its own queue, then the moved
		// ones in the order their workers would have run them.
		require.Equal(t, []int{0, 3, 6, 4, 7, 5, 8}, p.worker(0).started)
		st = p.Stats()
		require.EqualValues(t, 9, st.Submitted)
		require.EqualValues(t, 9, st.Succeeded)
	})
}

// TestResizeClosesARetiredWorkersState: a W is closed when its worker is
// retired and has finished its task, not at stop, and a worker that comes
// back gets a new W.
func TestResizeClosesARetiredWorkersState(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := newRzPool(t, 2)
		gate := make(chan struct{})
		p.Submit(ctx, rzTask{id: 0})
		busy := p.Submit(ctx, rzTask{id: 1, gate: gate}) // on worker 1
		synctest.Wait()
		w1 := p.worker(1)
		require.NoError(t, p.Resize(ctx, 1))
		synctest.Wait()
		require.Zero(t, w1.closed.Load(), "worker 1 still runs its task")
		close(gate)
		_, err := busy.Wait()
		require.NoError(t, err)
		synctest.Wait()
		require.EqualValues(t, 1, w1.closed.Load(), "closed once retired and done")
		require.Zero(t, p.worker(0).closed.Load())

		require.NoError(t, p.Resize(ctx, 3))
		require.NotSame(t, w1, p.worker(1), "worker 1 comes back with a new W")
		require.NotNil(t, p.worker(2))
		for id := range 30 {
			_, err := p.Call(ctx, rzTask{id: id})
			require.NoError(t, err)
		}
		require.NoError(t, p.Stop(ctx))
		for id := range 3 {
			require.NotEmpty(t, p.worker(id).started, "worker %d serves after the resizes", id)
		}
		for _, w := range p.all() {
			require.EqualValues(t, 1, w.closed.Load(), "worker %d's W", w.id)
			require.False(t, w.misused.Load())
		}
	})
}

func TestResizeErrors(t *testing.T) {
	ctx := context.Background()
	p := newRzPool(t, 2)
	require.ErrorContains(t, p.Resize(ctx, 0), "pool: Resize(0): want at least 1 worker")
	require.NoError(t, p.Stop(ctx))
	require.ErrorIs(t, p.Resize(ctx, 3), pool.ErrStopped)

	// A stateful pool whose constructor fails for a new worker keeps its
	// size.
	boom := context.Canceled
	calls := 0
	q, err := pool.NewStateful(ctx, func(_ context.Context, id int) (int, error) {
		calls++
		if id >= 2 {
			return 0, boom
		}
		return id, nil
	}, func(w int, _ context.Context, x int) (int, error) { return w + x, nil }, pool.WithMaxWorkers(2))
	require.NoError(t, err)
	require.ErrorIs(t, q.Resize(ctx, 4), boom)
	require.Equal(t, 2, q.Workers())
	require.NoError(t, q.Stop(ctx))
}

func TestPriorityOrderOnOneWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		p := newRzPool(t, 1, pool.WithMaxQueued(1))
		gate := make(chan struct{})
		p.Submit(ctx, rzTask{id: 0, gate: gate})
		synctest.Wait()
		for id, prio := range []int{0, 2, 1, 2, 0, -1, 1} {
			p.SubmitPriority(ctx, prio, rzTask{id: id + 1})
		}
		close(gate)
		require.NoError(t, p.Stop(ctx))
		// Task 0 was running; then priority 2 (ids 2, 4), 1 (3, 7), 0 (1,
		// 5), -1 (6): highest first, in submission order within each.
		require.Equal(t, []int{0, 2, 4, 3, 7, 1, 5, 6}, p.worker(0).started)
	})
}

// TestPriorityProperty: with one busy worker, tasks of random priorities
// run highest first and, within a priority, in submission order.
func TestPriorityProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		rapid.SyncTest(t, func(t *rapid.T) {
			ctx := context.Background()
			q := rapid.IntRange(1, 3).Draw(t, "max-queued")
			p := newRzPool(t, 1, pool.WithMaxQueued(q))
			gate := make(chan struct{})
			p.Submit(ctx, rzTask{id: 0, gate: gate})
			synctest.Wait()
			prios := rapid.SliceOfN(rapid.IntRange(-2, 2), 0, 30).Draw(t, "priorities")
			for id, prio := range prios {
				p.SubmitPriority(ctx, prio, rzTask{id: id + 1})
			}
			close(gate)
			if err := p.Stop(ctx); err != nil {
				t.Fatal(err)
			}
			// The worker holds only the task it runs, whatever MaxQueued
			// says, so every task behind task 0 is taken in priority order.
			ids := make([]int, len(prios))
			for i := range ids {
				ids[i] = i + 1
			}
			slices.SortStableFunc(ids, func(a, b int) int { return prios[b-1] - prios[a-1] })
			want := append([]int{0}, ids...)
			if got := p.worker(0).started; !slices.Equal(got, want) {
				t.Fatalf("start order %v, want %v (priorities %v)", got, want, prios)
			}
		})
	})
}

// TestResizeStateMachine runs random submits (with priorities), releases,
// cancels and resizes, and checks after every step that no worker holds
// more than MaxQueued tasks or runs two at once, and at the end that every
// task settled exactly once, ran at most once, and nothing was lost.
func TestResizeStateMachine(t *testing.T) {
	strategies := map[string]func() balance.Strategy{
		"round-robin":  balance.RoundRobin,
		"least-active": balance.LeastActive,
		"power-of-two": balance.PowerOfTwo,
	}
	for name, strategy := range strategies {
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				rapid.SyncTest(t, func(t *rapid.T) { runResizeMachine(t, strategy()) })
			})
		})
	}
}

func runResizeMachine(t *rapid.T, strategy balance.Strategy) {
	ctx := context.Background()
	q := rapid.IntRange(1, 3).Draw(t, "max-queued")
	onDemand := rapid.Bool().Draw(t, "on-demand")
	opts := []pool.Option{pool.WithMaxQueued(q), pool.WithStrategy(strategy)}
	if onDemand {
		opts = append(opts, pool.WithOnDemand(0))
	}
	p := newRzPool(t, rapid.IntRange(1, 4).Draw(t, "workers"), opts...)
	type entry struct {
		gate     chan struct{}
		fut      *future.Future[int]
		settles  atomic.Int32
		released bool
	}
	var tasks []*entry
	check := func(t *rapid.T) {
		synctest.Wait()
		st := p.Stats()
		for w := range st.Workers {
			if h := pool.Handed(p.Pool, w); h > q {
				t.Fatalf("worker %d holds %d tasks, more than MaxQueued %d", w, h, q)
			}
		}
		for _, wk := range p.all() {
			if wk.overlap.Load() || wk.misused.Load() {
				t.Fatalf("worker %d: two tasks ran at once, or one after its W was closed", wk.id)
			}
			if n := wk.closed.Load(); n > 1 {
				t.Fatalf("worker %d: a W closed %d times", wk.id, n)
			}
		}
		if a := p.Alive(); a > len(st.Workers) {
			t.Fatalf("%d goroutines for %d workers", a, len(st.Workers))
		}
	}
	t.Repeat(map[string]func(*rapid.T){
		"submit": func(t *rapid.T) {
			e := &entry{gate: make(chan struct{})}
			prio := rapid.IntRange(-1, 1).Draw(t, "priority")
			e.fut = p.SubmitPriority(ctx, prio, rzTask{id: len(tasks), gate: e.gate})
			e.fut.OnSettled(func(int, error) { e.settles.Add(1) })
			tasks = append(tasks, e)
		},
		"release": func(t *rapid.T) {
			if len(tasks) == 0 {
				t.Skip("no task")
			}
			e := tasks[rapid.IntRange(0, len(tasks)-1).Draw(t, "task")]
			if !e.released {
				e.released = true
				close(e.gate)
			}
		},
		"cancel": func(t *rapid.T) {
			if len(tasks) == 0 {
				t.Skip("no task")
			}
			tasks[rapid.IntRange(0, len(tasks)-1).Draw(t, "task")].fut.Cancel()
		},
		"resize": func(t *rapid.T) {
			if err := p.Resize(ctx, rapid.IntRange(1, 5).Draw(t, "size")); err != nil {
				t.Fatal(err)
			}
		},
		"": check,
	})
	for _, e := range tasks {
		if !e.released {
			close(e.gate)
		}
	}
	if err := p.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	check(t)
	ran := map[int]int{}
	for _, wk := range p.all() {
		if wk.closed.Load() != 1 {
			t.Fatalf("worker %d: a W closed %d times after stop", wk.id, wk.closed.Load())
		}
		for _, id := range wk.started {
			ran[id]++
		}
	}
	st := p.Stats()
	for id, e := range tasks {
		if n := e.settles.Load(); n != 1 {
			t.Fatalf("task %d settled %d times", id, n)
		}
		if ran[id] > 1 {
			t.Fatalf("task %d ran %d times", id, ran[id])
		}
		v, err := e.fut.Wait()
		if err == nil && (v != id || ran[id] != 1) {
			t.Fatalf("task %d: value %d, ran %d times", id, v, ran[id])
		}
	}
	if got := st.Succeeded + st.Failed + st.Cancelled; got != uint64(len(tasks)) || st.Submitted != uint64(len(tasks)) {
		t.Fatalf("stats %+v do not add up to %d tasks", st, len(tasks))
	}
}
