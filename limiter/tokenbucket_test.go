package limiter_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// TestXTimeRateNegativeReservationRefunds pins the behaviour of
// golang.org/x/time/rate that TokenBucket refunds rest on: a reservation of
// -n tokens adds n, and the next read caps the bucket at its burst.
func TestXTimeRateNegativeReservationRefunds(t *testing.T) {
	now := time.Now()
	l := rate.NewLimiter(1, 10)
	require.True(t, l.AllowN(now, 10))
	l.ReserveN(now, -4)
	assert.InDelta(t, 4, l.TokensAt(now), 1e-9)
	l.ReserveN(now, -100)
	assert.InDelta(t, 10, l.TokensAt(now), 1e-9, "capped at the burst")
	assert.True(t, l.AllowN(now, 10))
	assert.False(t, l.AllowN(now, 1))
}

func TestTokenBucketRefundStopsAtTheBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewRateLimit("r", 10, time.Second, limiter.WithAlgorithm(limiter.TokenBucket))
		require.NoError(t, err)
		ls, err := l.AcquireN(t.Context(), 10)
		require.NoError(t, err)
		time.Sleep(500 * time.Millisecond)
		require.NoError(t, ls.ReportN(0))
		assert.Equal(t, int64(10), l.Available())
		_, err = l.AcquireN(t.Context(), 10)
		require.NoError(t, err)
		_, err = l.TryAcquireN(1)
		assert.ErrorIs(t, err, limiter.ErrWouldBlock)
	})
}

// TestTokenBucketChargesBeyondTheBurst: an overrun bigger than the bucket
// is charged whole (rate.Limiter refuses such a reservation at once).
func TestTokenBucketChargesBeyondTheBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewRateLimit("r", 10, time.Second, limiter.WithAlgorithm(limiter.TokenBucket), limiter.WithBurst(5))
		require.NoError(t, err)
		ls, err := l.AcquireN(t.Context(), 5)
		require.NoError(t, err)
		require.NoError(t, ls.ReportN(25)) // 20 over: 2s of refill
		start := time.Now()
		_, err = l.AcquireN(t.Context(), 5)
		require.NoError(t, err)
		assert.Equal(t, 2500*time.Millisecond, time.Since(start).Round(time.Millisecond))
	})
}
