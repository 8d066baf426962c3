package flow_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/limiter"
	"github.com/sluice-go/sluice/pool"
)

// TestThrottleSharedLimit: two flows throttled by one limit stay within it
// together: with rate 10/s and burst 10, over any span of T seconds they
// pass at most 10 + 10*T items, and 100 items take 9 seconds.
func TestThrottleSharedLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim, err := limiter.NewRateLimit("api", 10, time.Second)
		require.NoError(t, err)
		start := time.Now()
		var mu sync.Mutex
		var times []time.Duration
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range 2 {
			wg.Go(func() {
				f := flow.From(ints(50)).Throttle(lim).Pool(double, pool.WithMaxWorkers(3))
				errs[i] = f.ForEach(t.Context(), func(int) error {
					mu.Lock()
					times = append(times, time.Since(start))
					mu.Unlock()
					return nil
				})
			})
		}
		wg.Wait()
		require.NoError(t, errs[0])
		require.NoError(t, errs[1])
		require.Len(t, times, 100)
		slices.Sort(times)
		for i := range times {
			for j := i; j < len(times); j++ {
				span := times[j] - times[i]
				allowed := 10 + int(10*span/time.Second)
				require.LessOrEqual(t, j-i+1, allowed, "%d items within %v", j-i+1, span)
			}
		}
		require.Equal(t, 9*time.Second, times[99])
	})
}

// failingLimit is a limit that can never grant anything.
type failingLimit struct{}

func (failingLimit) Acquire(context.Context) (*limiter.Lease, error) { return nil, errBoom }
func (failingLimit) TryAcquire() (*limiter.Lease, bool)              { return nil, false }

func TestThrottleFailure(t *testing.T) {
	_, err := flow.From(ints(10)).Throttle(failingLimit{}).Collect(t.Context(), flow.WithContinueOnError())
	require.Same(t, errBoom, err)
	require.PanicsWithValue(t, "flow: Throttle with nil limit", func() { flow.From(ints(1)).Throttle(nil) })
}

// TestLimitSharedByStagesAndPool: one limit given to a flow's Throttle
// stage, to a pool stage of another flow (pool.WithLimit) and to a
// long-lived pool is one budget: with rate 10/s and burst 10, over any span
// of T seconds the three together take at most 10 + 10*T units.
func TestLimitSharedByStagesAndPool(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim, err := limiter.NewRateLimit("api", 10, time.Second)
		require.NoError(t, err)
		start := time.Now()
		var mu sync.Mutex
		var times []time.Duration
		stamp := func() {
			mu.Lock()
			times = append(times, time.Since(start))
			mu.Unlock()
		}
		stamped := func(_ context.Context, v int) (int, error) { stamp(); return v, nil }
		p, err := pool.New(stamped, pool.WithMaxWorkers(2), pool.WithLimit(lim))
		require.NoError(t, err)

		var wg sync.WaitGroup
		errs := make([]error, 3)
		wg.Go(func() {
			errs[0] = flow.From(ints(30)).Throttle(lim).ForEach(t.Context(), func(int) error { stamp(); return nil })
		})
		wg.Go(func() {
			errs[1] = flow.From(ints(30)).Pool(stamped, pool.WithMaxWorkers(3), pool.WithLimit(lim)).Drain(t.Context())
		})
		wg.Go(func() { _, errs[2] = p.Map(t.Context(), ints(30)) })
		wg.Wait()
		require.NoError(t, p.Stop(t.Context()))
		for _, err := range errs {
			require.NoError(t, err)
		}
		require.Len(t, times, 90)
		slices.Sort(times)
		for i := range times {
			for j := i; j < len(times); j++ {
				allowed := 10 + int(10*(times[j]-times[i])/time.Second)
				require.LessOrEqual(t, j-i+1, allowed, "%d units within %v", j-i+1, times[j]-times[i])
			}
		}
		require.Equal(t, 8*time.Second, times[89], "the shared budget is used to the full: 10 at once, then 10/s")
	})
}
