package limiter_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSlidingWindowUnitsLeaveOnePeriodLater: each admission frees its
// units exactly one period after it was made.
func TestSlidingWindowUnitsLeaveOnePeriodLater(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewCallLimit("calls", 3, time.Second)
		require.NoError(t, err)
		_, ok := l.TryAcquire() // at 0
		require.True(t, ok)
		time.Sleep(200 * time.Millisecond)
		_, ok = l.TryAcquire() // at 200ms
		require.True(t, ok)
		time.Sleep(300 * time.Millisecond)
		_, ok = l.TryAcquire() // at 500ms
		require.True(t, ok)
		assert.Equal(t, int64(0), l.Available())

		start := time.Now()
		_, err = l.Acquire(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 500*time.Millisecond, time.Since(start), "the call at 0 leaves at 1s")
		_, err = l.AcquireN(t.Context(), 2)
		require.NoError(t, err)
		assert.Equal(t, time.Second, time.Since(start), "the calls at 200ms and 500ms leave at 1.5s")
	})
}

// TestSlidingWindowLongLog: many small admissions, then a quiet period,
// leave the window whole.
func TestSlidingWindowLongLog(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewCallLimit("calls", 5000, time.Minute)
		require.NoError(t, err)
		for i := range 5000 {
			_, ok := l.TryAcquire()
			require.True(t, ok, i)
			if i%100 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
		_, ok := l.TryAcquire()
		require.False(t, ok)
		time.Sleep(30 * time.Second)
		assert.Equal(t, int64(0), l.Available())
		time.Sleep(31 * time.Second)
		assert.Equal(t, int64(5000), l.Available())
	})
}
