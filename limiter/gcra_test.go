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
