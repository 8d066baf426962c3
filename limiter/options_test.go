package limiter_test

import (
	"errors"
	"testing"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOptionsApply(t *testing.T) {
	for _, alg := range []limiter.Algorithm{limiter.GCRA, limiter.TokenBucket, limiter.SlidingWindow, limiter.FixedWindow} {
		l, err := limiter.NewRateLimit("r", 10, time.Second, limiter.WithAlgorithm(alg), limiter.WithDefaultRequest(2))
		require.NoError(t, err, alg)
		assert.Equal(t, int64(10), l.Capacity(), alg)
		ls, ok := l.TryAcquire()
		require.True(t, ok)
		assert.Equal(t, int64(2), ls.Granted("r"))
	}
	l, err := limiter.NewRateLimit("r", 10, time.Second, limiter.WithAlgorithm(limiter.TokenBucket), limiter.WithBurst(3))
	require.NoError(t, err)
	assert.Equal(t, int64(3), l.Capacity())
}

// TestOptionsThatDoNotApply fail the constructor rather than be ignored.
func TestOptionsThatDoNotApply(t *testing.T) {
	_, err := limiter.NewRateLimit("r", 10, time.Second, limiter.WithAlgorithm(limiter.SlidingWindow), limiter.WithBurst(3))
	assert.ErrorIs(t, err, limiter.ErrInvalidLimit)
	assert.EqualError(t, err, `limiter: limit "r": WithBurst applies only to GCRA and TokenBucket, not SlidingWindow`)

	_, err = limiter.NewCallLimit("c", 10, time.Second, limiter.WithBurst(3))
	assert.ErrorIs(t, err, limiter.ErrInvalidLimit, "call limits count with SlidingWindow by default")

	_, err = limiter.NewResourceLimit("gpus", 2, limiter.WithAlgorithm(limiter.GCRA))
	assert.ErrorIs(t, err, limiter.ErrInvalidLimit)
	_, err = limiter.NewResourceLimit("gpus", 2, limiter.WithBurst(1))
	var le *limiter.LimitError
	require.True(t, errors.As(err, &le))
	assert.Equal(t, "gpus", le.Limit)
}
