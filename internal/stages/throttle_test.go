package stages_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/internal/stages"
	"github.com/sluice-go/sluice/limiter"
)

// TestThrottlePaces: in virtual time, a limit of 5 per second with burst 1
// lets one item through every 200ms, in order.
func TestThrottlePaces(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		lim, err := limiter.NewRateLimit("items", 5, time.Second, limiter.WithBurst(1))
		require.NoError(t, err)
		in := feedChunks(t.Context(), 8, [][]int{{0, 1, 2, 3, 4, 5, 6, 7}, {8, 9}}, nil)
		start := time.Now()
		out := stages.Throttle(t.Context(), in, lim, func(err error) { t.Errorf("fail(%v)", err) })
		var got []int
		var at []time.Duration
		for c := range out.C() {
			for _, v := range c {
				got = append(got, v)
				at = append(at, time.Since(start))
			}
			out.Put(c)
		}
		require.Equal(t, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, got)
		for i, d := range at {
			require.Equal(t, time.Duration(i)*200*time.Millisecond, d, "item %d", i)
		}
	})
}

type refusingLimit struct{ err error }

func (l refusingLimit) Acquire(context.Context) (*limiter.Lease, error) { return nil, l.err }
func (refusingLimit) TryAcquire() (*limiter.Lease, bool)                { return nil, false }

// TestThrottleFails: an acquisition that fails for a reason of its own is
// reported once and ends the stage; one that fails because ctx is done is
// not reported.
func TestThrottleFails(t *testing.T) {
	errNo := errors.New("no")
	var failed []error
	in := feedChunks(t.Context(), 4, [][]int{{1, 2}, {3}}, nil)
	out := stages.Throttle(t.Context(), in, refusingLimit{errNo}, func(err error) { failed = append(failed, err) })
	require.Empty(t, drainAll(out))
	require.Equal(t, []error{errNo}, failed)
	for range in.C() { // let the feeder finish
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	failed = nil
	in = feedChunks(ctx, 4, [][]int{{1}}, nil)
	out = stages.Throttle(ctx, in, refusingLimit{context.Canceled}, func(err error) { failed = append(failed, err) })
	drainAll(out)
	require.Empty(t, failed)

	require.Panics(t, func() { stages.Throttle(t.Context(), in, nil, func(error) {}) })
	require.Panics(t, func() { stages.Throttle[int](t.Context(), in, refusingLimit{}, nil) })
}
