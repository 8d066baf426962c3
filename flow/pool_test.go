package flow_test

import (
	"context"
	"errors"
	"iter"
	"math"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/limiter"
	"github.com/sluice-go/sluice/pool"
)

// drawSource draws one of the four kinds of source over items; produced
// counts the items the source has taken, when the source can tell. A
// channel's feeder gives up once quit is closed.
func drawSource(t *rapid.T, items []int, produced *atomic.Int64, quit <-chan struct{}) flow.Flow[int] {
	switch rapid.SampledFrom([]string{"slice", "chan", "seq", "func"}).Draw(t, "source") {
	case "slice":
		return flow.From(items)
	case "chan":
		ch := make(chan int, rapid.IntRange(0, 4).Draw(t, "chanBuffer"))
		go func() {
			defer close(ch)
			for _, v := range items {
				select {
				case ch <- v:
				case <-quit:
					return
				}
			}
		}()
		return flow.FromChan(ch)
	case "seq":
		return flow.FromSeq(slices.Values(items))
	}
	return flow.FromFunc(func(ctx context.Context, yield func(int) bool) error {
		for _, v := range items {
			produced.Add(1)
			if !yield(v) {
				return nil
			}
		}
		return nil
	})
}

// drawPoolOptions draws the options of a pool stage.
func drawPoolOptions(t *rapid.T) []pool.Option {
	strategy, err := balance.ByName(rapid.SampledFrom(balance.Names()).Draw(t, "strategy"))
	if err != nil {
		t.Fatal(err)
	}
	opts := []pool.Option{
		pool.WithMaxWorkers(rapid.IntRange(1, 8).Draw(t, "workers")),
		pool.WithMaxQueued(rapid.IntRange(1, 200).Draw(t, "maxQueued")),
		pool.WithStrategy(strategy),
	}
	if rapid.Bool().Draw(t, "onDemand") {
		opts = append(opts, pool.WithOnDemand(0))
	}
	return opts
}

// TestPoolMatchesSequentialModel: over random inputs, sources, worker
// counts, queue sizes, strategies and task durations (yields), an ordered
// pool stage gives exactly the sequential map of its input, an unordered
// one the same multiset, and the items in flight never exceed Capacity.
func TestPoolMatchesSequentialModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 600).Draw(t, "items")
		work := rapid.SliceOfN(rapid.IntRange(0, 3), n, n).Draw(t, "yieldsPerItem")
		var produced atomic.Int64
		f := drawSource(t, ints(n), &produced, nil)
		if rapid.Bool().Draw(t, "mapBefore") {
			f = f.Map(func(v int) int { return v })
		}
		fn := func(_ context.Context, v int) (int, error) {
			for range work[v] {
				runtime.Gosched()
			}
			return 2 * v, nil
		}
		f = f.Pool(fn, drawPoolOptions(t)...)
		ordered := rapid.Bool().Draw(t, "ordered")
		if !ordered {
			f = f.Unordered()
		}
		if rapid.Bool().Draw(t, "bufferAfter") {
			f = f.Buffer(rapid.IntRange(1, 300).Draw(t, "buffer"))
		}
		limit := int64(f.Capacity())
		var got []int
		var worst int64
		err := f.ForEach(context.Background(), func(v int) error {
			got = append(got, v)
			worst = max(worst, produced.Load()-int64(len(got)))
			if len(got)%7 == 0 {
				runtime.Gosched() // a slowish sink, so the stages fill up
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if worst > limit {
			t.Fatalf("%d items in flight, capacity %d", worst, limit)
		}
		want := doubled(ints(n))
		if !ordered {
			slices.Sort(got)
		}
		if !slices.Equal(want, got) {
			t.Fatalf("got %v, want %v", got, want)
		}
	})
}

// TestPoolPolicy: timeouts, retries and validators come from the pool
// options, in virtual time.
func TestPoolPolicy(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int64
		flaky := func(ctx context.Context, v int) (int, error) {
			if calls.Add(1)%3 != 0 {
				select { // outlasts the timeout
				case <-ctx.Done():
					return 0, ctx.Err()
				case <-time.After(time.Hour):
				}
			}
			return v, nil
		}
		start := time.Now()
		got, err := flow.From(ints(4)).Pool(flaky,
			pool.WithMaxWorkers(1),
			pool.WithTimeout(time.Second),
			pool.WithRetry(pool.Retry{Attempts: 3}),
		).Collect(t.Context())
		require.NoError(t, err)
		require.Equal(t, ints(4), got)
		require.Equal(t, 8*time.Second, time.Since(start)) // two timeouts per item

		_, err = flow.From(ints(4)).Pool(flaky, pool.WithTimeout(time.Second)).Collect(t.Context())
		require.ErrorIs(t, err, context.DeadlineExceeded)

		_, err = flow.From(ints(4)).Pool(pool.Validate(double, func(v int) error {
			if v == 4 {
				return errBoom
			}
			return nil
		})).Collect(t.Context())
		require.ErrorIs(t, err, pool.ErrInvalid)
		require.ErrorIs(t, err, errBoom)

		// A rejection is retried like any error: the second call is accepted.
		tries := 0
		once := func(_ context.Context, v int) (int, error) { tries++; return v + tries%2, nil }
		got, err = flow.Pool(flow.From([]int{2}), pool.Validate(once, func(v int) error {
			if v%2 == 1 {
				return errBoom
			}
			return nil
		}), pool.WithRetry(pool.Retry{Attempts: 2})).Collect(t.Context())
		require.NoError(t, err)
		require.Equal(t, []int{2}, got)
		require.Equal(t, 2, tries)
	})
}

func TestPoolBadOptions(t *testing.T) {
	started := false
	src := flow.FromFunc(func(context.Context, func(int) bool) error {
		started = true
		return nil
	})
	_, err := src.Pool(double, pool.WithMaxWorkers(0)).Collect(t.Context())
	require.ErrorContains(t, err, "flow: Pool: pool: WithMaxWorkers(0)")
	_, err = src.Pool(double, nil).Collect(t.Context())
	require.EqualError(t, err, "flow: Pool: pool: nil Option")
	require.False(t, started, "a flow with a bad stage must not run")

	require.PanicsWithValue(t, "flow: Pool with nil function", func() { flow.From(ints(1)).Pool(nil) })
	require.PanicsWithValue(t, "flow: PoolStateful with nil worker constructor", func() {
		flow.PoolStateful[int, int, int](src, nil, nil)
	})
}

type counter struct {
	id   int
	busy atomic.Bool
	n    int
}

// TestPoolStateful: every worker gets its own state, made before any item
// runs, and calls on one state never overlap.
func TestPoolStateful(t *testing.T) {
	var mu sync.Mutex
	var made []int
	newCounter := func(_ context.Context, id int) (*counter, error) {
		mu.Lock()
		made = append(made, id)
		mu.Unlock()
		return &counter{id: id}, nil
	}
	var overlaps atomic.Int64
	add := func(c *counter, _ context.Context, v int) (string, error) {
		if c.busy.Swap(true) {
			overlaps.Add(1)
		}
		defer c.busy.Store(false)
		runtime.Gosched()
		c.n++
		return strings.Repeat("x", c.id), nil
	}
	got, err := flow.PoolStateful(flow.From(ints(500)), newCounter, add, pool.WithMaxWorkers(4)).Collect(t.Context())
	require.NoError(t, err)
	require.Len(t, got, 500)
	require.Zero(t, overlaps.Load())
	slices.Sort(made)
	require.Equal(t, []int{0, 1, 2, 3}, made)

	failing := func(_ context.Context, id int) (*counter, error) {
		if id == 2 {
			return nil, errBoom
		}
		return &counter{}, nil
	}
	_, err = flow.PoolStateful(flow.From(ints(5)), failing, add, pool.WithMaxWorkers(4)).Collect(t.Context())
	require.ErrorIs(t, err, errBoom)
	require.EqualError(t, err, "flow: worker 2: boom")

	panicking := func(context.Context, int) (*counter, error) { panic("no state") }
	_, err = flow.PoolStateful(flow.From(ints(5)), panicking, add).Collect(t.Context())
	pe, ok := errors.AsType[*future.PanicError](err)
	require.True(t, ok, "got %v", err)
	require.Equal(t, "no state", pe.Value)
}

// TestPoolChangesType: the function form maps to another type.
func TestPoolChangesType(t *testing.T) {
	var words iter.Seq[string] = slices.Values([]string{"a", "bb", "ccc"})
	got, err := flow.Pool(flow.FromSeq(words), func(_ context.Context, s string) (int, error) {
		return len(s), nil
	}).Collect(t.Context())
	require.NoError(t, err)
	require.Equal(t, []int{1, 2, 3}, got)
}

// TestPoolStageSizes: a pool stage's sizes past the pool maxima make the
// sink return the pool's error, naming the stage (1<<40 workers or queued
// items used to end the process with "out of memory").
func TestPoolStageSizes(t *testing.T) {
	_, err := flow.From(ints(3)).Pool(double, pool.WithMaxWorkers(1<<40)).Collect(t.Context())
	require.EqualError(t, err, "flow: Pool: pool: WithMaxWorkers(1099511627776): at most 65536 workers")
	_, err = flow.Map(flow.From(ints(3)), strconv.Itoa).Pool(func(_ context.Context, s string) (string, error) { return s, nil }, pool.WithMaxQueued(math.MaxInt)).Collect(t.Context())
	require.EqualError(t, err, "flow: Pool: pool: WithMaxQueued(9223372036854775807): at most 1048576 tasks")
	newWorker := func(context.Context, int) (int, error) { return 0, nil }
	fn := func(_ int, _ context.Context, v int) (int, error) { return v, nil }
	_, err = flow.PoolStateful(flow.From(ints(3)), newWorker, fn, pool.WithMaxWorkers(1<<10), pool.WithMaxQueued(1<<14)).Collect(t.Context())
	require.EqualError(t, err, "flow: PoolStateful: 1024 workers with MaxQueued 16384 admit 263168 chunks at once: at most 262144 (MaxWorkers*(ceil(MaxQueued/64)+1))")
}

// TestPoolStageTypedNilLimit: a typed-nil limit is a construction error
// naming the option, not a nil dereference in every item.
func TestPoolStageTypedNilLimit(t *testing.T) {
	_, err := flow.From(ints(3)).Pool(double, pool.WithLimit((*limiter.Limit)(nil))).Collect(t.Context())
	require.EqualError(t, err, "flow: Pool: pool: WithLimit((*limiter.Limit)(nil)): want a limit")
}
