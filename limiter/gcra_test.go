package limiter_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGCRAIdleRestartIsExact: after idling, a unit is charged from the
// instant it is taken, not from the start of an emission interval.
func TestGCRAIdleRestartIsExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewRateLimit("r", 1, time.Second, limiter.WithBurst(1))
		require.NoError(t, err)
		time.Sleep(900 * time.Millisecond)
		_, err = l.Acquire(t.Context())
		require.NoError(t, err)
		start := time.Now()
		_, err = l.Acquire(t.Context())
		require.NoError(t, err)
		assert.Equal(t, time.Second, time.Since(start))
	})
}

// TestGCRAIntervalsThatAreNotWholeNanoseconds accumulate no rounding: 3 a
// second for an hour is exactly 10800 units after the burst.
func TestGCRAIntervalsThatAreNotWholeNanoseconds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewRateLimit("r", 3, time.Second, limiter.WithBurst(1))
		require.NoError(t, err)
		start := time.Now()
		for range 1 + 3*3600 {
			_, err := l.Acquire(t.Context())
			require.NoError(t, err)
		}
		assert.Equal(t, time.Hour, time.Since(start))
	})
}

// TestGCRARefundStopsAtTheBurst: refunds give back unused units, never
// more than a full bucket.
func TestGCRARefundStopsAtTheBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewRateLimit("r", 10, time.Second)
		require.NoError(t, err)
		ls, err := l.AcquireN(t.Context(), 10)
		require.NoError(t, err)
		time.Sleep(time.Second)
		require.Equal(t, int64(10), l.Available())
		require.NoError(t, ls.ReportN(0))
		assert.Equal(t, int64(10), l.Available())
		_, err = l.AcquireN(t.Context(), 10)
		require.NoError(t, err)
		_, err = l.TryAcquireN(1)
		assert.ErrorIs(t, err, limiter.ErrWouldBlock, "the refund did not overfill the bucket")
	})
}

func TestGCRAHighestRate(t *testing.T) {
	l, err := limiter.NewRateLimit("bytes", 1e10, time.Second, limiter.WithBurst(1e9))
	require.NoError(t, err)
	ls, err := l.AcquireN(t.Context(), 1e9)
	require.NoError(t, err)
	ls.Release()
}

// TestGCRATakeReadsTheClockAfterTheState: a TryAcquire that is
// descheduled between reading the clock and reading the limit's state,
// while another goroutine takes a unit a second later, must not judge that
// fresher state by its stale time. The limit is nowhere near full, so it
// must admit. (Issue 11, item 6: it refused.)
func TestGCRATakeReadsTheClockAfterTheState(t *testing.T) {
	l, err := limiter.NewRateLimit("r", 1e9, time.Second, limiter.WithBurst(10))
	require.NoError(t, err)
	clk := &manualClock{ns: 1000}
	limiter.SetClock(l, clk.read)
	clk.then = func() {
		clk.ns += int64(time.Second)
		_, ok := l.TryAcquire()
		require.True(t, ok, "the other goroutine's take")
	}
	_, ok := l.TryAcquire()
	assert.True(t, ok, "refused a unit with %d of 10 taken", 10-l.Available())
	assert.Equal(t, int64(8), l.Available())
}

// TestGCRAChargeReadsTheClockAfterTheState: a charge (usage reported
// beyond the request) descheduled between reading the clock and the state,
// while a refund lands a second later, must be charged at the time it
// reads, not at its stale time, which would forgive it.
func TestGCRAChargeReadsTheClockAfterTheState(t *testing.T) {
	l, err := limiter.NewRateLimit("r", 1e9, time.Second, limiter.WithBurst(10))
	require.NoError(t, err)
	clk := &manualClock{}
	limiter.SetClock(l, clk.read)
	full, err := l.TryAcquireN(10)
	require.NoError(t, err)
	clk.ns = 5
	charge, err := l.TryAcquireN(0)
	require.NoError(t, err)
	clk.then = func() {
		clk.ns += int64(time.Second)
		require.NoError(t, full.ReportN(0)) // refund all 10
	}
	require.NoError(t, charge.ReportN(10))
	assert.Equal(t, int64(0), l.Available(), "the charge of 10 was not forgiven")
}
