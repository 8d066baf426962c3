package flow_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/internal/backendtest"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/stage"
)

func square(_ context.Context, v int) (int, error) { return v * v, nil }

// TestPoolOnMatchesPool: a flow through the seam on the test backend
// (each attempt on a fresh goroutine, 1 to 3 lanes) gives what a flow of
// goroutine workers gives, ordered or not, with any workers, strategy
// options and retries; every backend is closed once and sees no breach.
func TestPoolOnMatchesPool(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 300).Draw(t, "items")
		lanes := rapid.IntRange(1, 3).Draw(t, "lanes")
		ordered := rapid.Bool().Draw(t, "ordered")
		opts := []pool.Option{
			pool.WithMaxWorkers(rapid.IntRange(1, 4).Draw(t, "workers")),
			pool.WithMaxQueued(rapid.IntRange(1, 100).Draw(t, "max-queued")),
			pool.WithStealing(rapid.Bool().Draw(t, "stealing")),
		}
		if rapid.Bool().Draw(t, "on-demand") {
			opts = append(opts, pool.WithOnDemand(0))
		}
		var backends []*backendtest.Backend[int, int]
		var mu sync.Mutex
		newBackend := func() stage.Backend[int, int] {
			b := backendtest.New(lanes, func(ctx context.Context, _ backendtest.Worker, v int) (int, error) { return square(ctx, v) })
			mu.Lock()
			backends = append(backends, b)
			mu.Unlock()
			return b
		}
		want := flow.Pool(flow.From(ints(n)), square, opts...)
		got := flow.PoolOn(flow.From(ints(n)), newBackend, opts...)
		if !ordered {
			want, got = want.Unordered(), got.Unordered()
		}
		w, err := want.Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		g, err := got.Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !ordered {
			slices.Sort(w)
			slices.Sort(g)
		}
		if !slices.Equal(w, g) {
			t.Fatalf("PoolOn gave %v, Pool %v", g, w)
		}
		for _, b := range backends {
			if b.Closed() != 1 || len(b.Problems()) > 0 {
				t.Fatalf("backend closed %d times, problems %v", b.Closed(), b.Problems())
			}
		}
	})
}

// TestPoolOnLostWorker: a worker lost mid-item fails the items in flight
// on it with stage.ErrWorkerLost; with WithContinueOnError only those are
// dropped, and the worker's next items run on its replacement.
func TestPoolOnLostWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{})
		var b *backendtest.Backend[int, int]
		var seen atomic.Int32
		newBackend := func() stage.Backend[int, int] {
			b = backendtest.New(1, func(ctx context.Context, w backendtest.Worker, v int) (int, error) {
				if v == 0 {
					seen.Add(1)
					<-gate // held until after the loss
				}
				return v, nil
			})
			return b
		}
		done := make(chan []int)
		var err error
		go func() {
			var out []int
			out, err = flow.PoolOn(flow.From(ints(50)), newBackend, pool.WithMaxWorkers(2)).Collect(context.Background(), flow.WithContinueOnError())
			done <- out
		}()
		synctest.Wait()
		require.EqualValues(t, 1, seen.Load())
		var lost bool
		for w := range 2 {
			if b.InFlight(w) == 1 {
				_, lost = b.Lose(w)
			}
		}
		require.True(t, lost)
		synctest.Wait()
		close(gate)
		out := <-done
		require.ErrorIs(t, err, stage.ErrWorkerLost)
		require.Equal(t, ints(50)[1:], out, "only item 0 was in flight on the lost worker")
		require.Empty(t, b.Problems())
		require.Equal(t, 1, b.Closed())
	})
}

// closer is a W that counts its closes.
type closer struct {
	id     int
	closed atomic.Int32
	fail   error
}

func (c *closer) Close() error { c.closed.Add(1); return c.fail }

// closers makes closers and keeps them.
type closers struct {
	mu   sync.Mutex
	made []*closer
	fail map[int]error // constructor errors by id
}

func (cs *closers) make(_ context.Context, id int) (*closer, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if err := cs.fail[id]; err != nil {
		return nil, err
	}
	c := &closer{id: id}
	cs.made = append(cs.made, c)
	return c, nil
}

func (cs *closers) n() int {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return len(cs.made)
}

func (cs *closers) first() *closer {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return cs.made[0]
}

func (cs *closers) requireClosedOnce(t *testing.T) {
	t.Helper()
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, c := range cs.made {
		require.EqualValues(t, 1, c.closed.Load(), "worker %d's state", c.id)
	}
}

// TestPoolStatefulClosesEveryState: every Closer state is closed exactly
// once, when the run ends well, when it ends with an error, and when a
// constructor fails part-way.
func TestPoolStatefulClosesEveryState(t *testing.T) {
	id := func(_ *closer, _ context.Context, v int) (int, error) { return v, nil }
	t.Run("success", func(t *testing.T) {
		cs := &closers{}
		got, err := flow.PoolStateful(flow.From(ints(100)), cs.make, id, pool.WithMaxWorkers(3)).Collect(t.Context())
		require.NoError(t, err)
		require.Len(t, got, 100)
		require.Len(t, cs.made, 3)
		cs.requireClosedOnce(t)
	})
	t.Run("error", func(t *testing.T) {
		cs := &closers{}
		failing := func(_ *closer, _ context.Context, v int) (int, error) {
			if v == 50 {
				return 0, errBoom
			}
			return v, nil
		}
		_, err := flow.PoolStateful(flow.From(ints(100)), cs.make, failing, pool.WithMaxWorkers(3)).Collect(t.Context())
		require.ErrorIs(t, err, errBoom)
		cs.requireClosedOnce(t)
	})
	t.Run("constructor-fails-part-way", func(t *testing.T) {
		cs := &closers{fail: map[int]error{2: errBoom}}
		_, err := flow.PoolStateful(flow.From(ints(100)), cs.make, id, pool.WithMaxWorkers(4)).Collect(t.Context())
		require.EqualError(t, err, "flow: worker 2: boom")
		require.Len(t, cs.made, 2)
		cs.requireClosedOnce(t)
	})
	t.Run("close-error", func(t *testing.T) {
		cs := &closers{}
		bad := func(ctx context.Context, id int) (*closer, error) {
			c, err := cs.make(ctx, id)
			c.fail = fmt.Errorf("close %d: %w", id, errBoom)
			return c, err
		}
		_, err := flow.PoolStateful(flow.From(ints(10)), bad, id, pool.WithMaxWorkers(1)).Collect(t.Context())
		require.EqualError(t, err, "flow: closing worker 0: close 0: boom")
		cs.requireClosedOnce(t)
	})
}

// TestPoolStatefulOnDemand: on demand, a worker's state is made when the
// worker first runs an item, and closed when its goroutine ends.
func TestPoolStatefulOnDemand(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cs := &closers{}
		id := func(_ *closer, _ context.Context, v int) (int, error) { return v, nil }
		in := make(chan int)
		done := make(chan error)
		go func() {
			_, err := flow.PoolStateful(flow.FromChan(in), cs.make, id,
				pool.WithMaxWorkers(4), pool.WithOnDemand(time.Second)).Collect(context.Background())
			done <- err
		}()
		synctest.Wait()
		require.Zero(t, cs.n(), "no state before a worker runs")
		in <- 1
		synctest.Wait()
		require.Equal(t, 1, cs.n(), "one item, one worker, one state")
		require.Zero(t, cs.first().closed.Load())
		time.Sleep(2 * time.Second) // virtual: past the linger
		synctest.Wait()
		require.EqualValues(t, 1, cs.first().closed.Load(), "closed when its goroutine ended")
		in <- 2
		close(in)
		require.NoError(t, <-done)
		require.Equal(t, 2, cs.n())
		cs.requireClosedOnce(t)
	})
}

// flowObserver counts what a flow's pool stage reports.
type flowObserver struct {
	mu       sync.Mutex
	names    map[string]int
	started  int
	outcomes map[pool.Outcome]int
	waited   time.Duration
}

func (o *flowObserver) TaskStarted(ctx context.Context, t pool.TaskStart) context.Context {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.names[t.Pool]++
	o.started++
	o.waited = max(o.waited, t.Waited)
	return ctx
}

func (o *flowObserver) TaskFinished(_ context.Context, t pool.TaskEnd) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.outcomes[t.Outcome]++
}

// TestPoolObserver: a flow's pool stage reports every item to
// pool.WithObserver under its pool.WithName, with its queue wait.
func TestPoolObserver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		obs := &flowObserver{names: map[string]int{}, outcomes: map[pool.Outcome]int{}}
		slow := func(_ context.Context, v int) (int, error) {
			time.Sleep(time.Millisecond)
			if v%10 == 0 {
				return 0, errBoom
			}
			return v, nil
		}
		got, err := flow.Pool(flow.From(ints(100)), slow, pool.WithMaxWorkers(2), pool.WithName("slow"), pool.WithObserver(obs)).
			Collect(context.Background(), flow.WithContinueOnError())
		require.ErrorIs(t, err, errBoom)
		require.Len(t, got, 90)
		require.Equal(t, map[string]int{"slow": 100}, obs.names)
		require.Equal(t, map[pool.Outcome]int{pool.Succeeded: 90, pool.Failed: 10}, obs.outcomes)
		require.Greater(t, obs.waited, time.Duration(0), "items wait behind others on 2 workers")
	})
}

// TestPoolRejectsMaxPending: a pool option that means nothing for a
// stream is an error naming it.
func TestPoolRejectsMaxPending(t *testing.T) {
	_, err := flow.Pool(flow.From(ints(3)), square, pool.WithMaxPending(5, pool.Fail)).Collect(t.Context())
	require.EqualError(t, err, "flow: Pool: pool.WithMaxPending(5) does not apply to a flow, which its stages bound")
	_, err = flow.PoolOn[int, int](flow.From(ints(3)), func() stage.Backend[int, int] { return nil }).Collect(t.Context())
	require.EqualError(t, err, "flow: PoolOn: nil backend")
}
