package limiter_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFixedWindowBoundary: windows start at the limit's creation; across a
// boundary a stretch of one period can see twice the limit, as documented.
func TestFixedWindowBoundary(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewRateLimit("r", 5, time.Second, limiter.WithAlgorithm(limiter.FixedWindow))
		require.NoError(t, err)
		time.Sleep(900 * time.Millisecond)
		_, err = l.AcquireN(t.Context(), 5)
		require.NoError(t, err)
		start := time.Now()
		_, err = l.AcquireN(t.Context(), 5)
		require.NoError(t, err)
		assert.Equal(t, 100*time.Millisecond, time.Since(start), "10 units within 100ms")
		assert.Equal(t, int64(0), l.Available())
	})
}
