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
