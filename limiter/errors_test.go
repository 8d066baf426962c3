package limiter_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBadLimits: every bad constructor argument is an immediate error that
// names the limit and wraps ErrInvalidLimit.
func TestBadLimits(t *testing.T) {
	rateWith := func(opts ...limiter.Option) func() error {
		return func() error {
			_, err := limiter.NewRateLimit("tokens", 10, time.Second, opts...)
			return err
		}
	}
	for _, tc := range []struct {
		name string
		make func() error
		msg  string
	}{
		{"empty name", func() error { _, err := limiter.NewRateLimit("", 1, time.Second); return err }, `limiter: limit name is empty`},
		{"zero rate", func() error { _, err := limiter.NewRateLimit("tokens", 0, time.Second); return err }, `limiter: limit "tokens": limit must be positive, got 0`},
		{"negative rate", func() error { _, err := limiter.NewRateLimit("tokens", -5, time.Second); return err }, `limiter: limit "tokens": limit must be positive, got -5`},
		{"zero period", func() error { _, err := limiter.NewRateLimit("tokens", 1, 0); return err }, `limiter: limit "tokens": period must be positive, got 0s`},
		{"negative period", func() error { _, err := limiter.NewCallLimit("calls", 1, -time.Second); return err }, `limiter: limit "calls": period must be positive, got -1s`},
		{"zero calls", func() error { _, err := limiter.NewCallLimit("calls", 0, time.Second); return err }, `limiter: limit "calls": limit must be positive, got 0`},
		{"zero capacity", func() error { _, err := limiter.NewResourceLimit("gpus", 0); return err }, `limiter: limit "gpus": capacity must be positive, got 0`},
		{"negative capacity", func() error { _, err := limiter.NewResourceLimit("gpus", -1); return err }, `limiter: limit "gpus": capacity must be positive, got -1`},
		{"zero burst", rateWith(limiter.WithBurst(0)), `limiter: limit "tokens": burst must be positive, got 0`},
		{"negative burst", rateWith(limiter.WithAlgorithm(limiter.TokenBucket), limiter.WithBurst(-1)), `limiter: limit "tokens": burst must be positive, got -1`},
		{"unknown algorithm", rateWith(limiter.WithAlgorithm(limiter.Algorithm(42))), `limiter: limit "tokens": unknown algorithm Algorithm(42)`},
		{"default above capacity", rateWith(limiter.WithDefaultRequest(11)), `limiter: limit "tokens": default request: request of 11 units exceeds capacity 10`},
		{"negative default", rateWith(limiter.WithDefaultRequest(-1)), `limiter: limit "tokens": default request: request of -1 units is negative`},
		{"GCRA too fast", func() error { _, err := limiter.NewRateLimit("bytes", 1e11, time.Second); return err }, `limiter: limit "bytes": limit 100000000000 per 1s is above 10^10 units per second, the highest rate GCRA counts; count in larger units or use WithAlgorithm(TokenBucket)`},
		{"GCRA just too fast", func() error { _, err := limiter.NewRateLimit("bytes", 1e10+1, time.Second); return err }, `limiter: limit "bytes": limit 10000000001 per 1s is above 10^10 units per second, the highest rate GCRA counts; count in larger units or use WithAlgorithm(TokenBucket)`},
		{"GCRA too fast by one unit in 10^16", func() error {
			_, err := limiter.NewRateLimit("bytes", 1e16+1, 1e6*time.Second, limiter.WithBurst(1))
			return err
		}, `limiter: limit "bytes": limit 10000000000000001 per 277h46m40s is above 10^10 units per second, the highest rate GCRA counts; count in larger units or use WithAlgorithm(TokenBucket)`},
		{"GCRA burst too large", func() error {
			_, err := limiter.NewRateLimit("bytes", 1e9, time.Second, limiter.WithBurst(1<<61))
			return err
		}, `limiter: limit "bytes": WithBurst(2305843009213693952) is above 2305843009213693951, the largest burst GCRA counts at 1000000000 per 1s; use WithAlgorithm(TokenBucket)`},
		{"GCRA default burst too large", func() error { _, err := limiter.NewRateLimit("bytes", 1<<62, 1<<62); return err }, `limiter: limit "bytes": burst 4611686018427387904 (the default: the limit) is above 2305843009213693951, the largest burst GCRA counts at 4611686018427387904 per 1281023h53m38.427387904s; use WithAlgorithm(TokenBucket)`},
		{"GCRA burst refills for centuries", func() error {
			_, err := limiter.NewRateLimit("slow", 1, 100*365*24*time.Hour, limiter.WithBurst(1))
			return err
		}, `limiter: limit "slow": WithBurst(1) is above 0, the largest burst GCRA counts at 1 per 876000h0m0s; use WithAlgorithm(TokenBucket)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.make()
			require.Error(t, err)
			assert.ErrorIs(t, err, limiter.ErrInvalidLimit)
			assert.EqualError(t, err, tc.msg)
			var le *limiter.LimitError
			assert.True(t, errors.As(err, &le))
		})
	}
}

// TestBadRequests fail at once, never hang, and name the limit.
func TestBadRequests(t *testing.T) {
	tokens, err := limiter.NewRateLimit("tokens", 1000, time.Minute, limiter.WithBurst(100))
	require.NoError(t, err)
	conns, err := limiter.NewResourceLimit("conns", 2)
	require.NoError(t, err)
	set, err := limiter.NewSet(tokens, conns)
	require.NoError(t, err)
	pool, err := limiter.NewSetPool(set)
	require.NoError(t, err)
	ctx := context.Background()

	for _, tc := range []struct {
		name     string
		do       func() error
		sentinel error
		limit    string
	}{
		{"AcquireN above burst", func() error { _, err := tokens.AcquireN(ctx, 101); return err }, limiter.ErrExceedsCapacity, "tokens"},
		{"TryAcquireN above burst", func() error { _, err := tokens.TryAcquireN(101); return err }, limiter.ErrExceedsCapacity, "tokens"},
		{"AcquireN negative", func() error { _, err := conns.AcquireN(ctx, -1); return err }, limiter.ErrInvalidRequest, "conns"},
		{"AcquireN above capacity", func() error { _, err := conns.AcquireN(ctx, 3); return err }, limiter.ErrExceedsCapacity, "conns"},
		{"set request above capacity", func() error {
			_, err := set.AcquireRequest(ctx, limiter.Request{"tokens": 10, "conns": 5})
			return err
		}, limiter.ErrExceedsCapacity, "conns"},
		{"set request unknown key", func() error {
			_, err := set.AcquireRequest(ctx, limiter.Request{"gpus": 1})
			return err
		}, limiter.ErrInvalidRequest, "gpus"},
		{"set try negative", func() error {
			_, err := set.TryAcquireRequest(limiter.Request{"tokens": -3})
			return err
		}, limiter.ErrInvalidRequest, "tokens"},
		{"set default above capacity", func() error { _, err := set.WithDefault(limiter.Request{"tokens": 500}); return err }, limiter.ErrExceedsCapacity, "tokens"},
		{"pool request above capacity", func() error {
			_, err := pool.AcquireRequest(ctx, limiter.Request{"tokens": 1000})
			return err
		}, limiter.ErrExceedsCapacity, "tokens"},
		{"pool try unknown key", func() error { _, err := pool.TryAcquireRequest(limiter.Request{"x": 1}); return err }, limiter.ErrInvalidRequest, "x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.do()
			assert.ErrorIs(t, err, tc.sentinel)
			var le *limiter.LimitError
			require.True(t, errors.As(err, &le))
			assert.Equal(t, tc.limit, le.Limit)
			assert.True(t, strings.HasPrefix(err.Error(), `limiter: limit "`+tc.limit+`": `), err.Error())
		})
	}
	assert.Equal(t, int64(100), tokens.Available(), "bad requests take nothing")
	assert.Equal(t, int64(2), conns.Available())
}

func TestBadSets(t *testing.T) {
	a, err := limiter.NewResourceLimit("a", 1)
	require.NoError(t, err)
	a2, err := limiter.NewResourceLimit("a", 5)
	require.NoError(t, err)

	_, err = limiter.NewSet()
	assert.EqualError(t, err, "limiter: a set needs at least one limit")
	_, err = limiter.NewSet(a, nil)
	assert.EqualError(t, err, "limiter: limit 1 of the set is nil")
	_, err = limiter.NewSet(a, a2)
	assert.EqualError(t, err, `limiter: limit "a": two limits of the set have this name`)
	assert.ErrorIs(t, err, limiter.ErrInvalidSet)
	_, err = limiter.NewSetPool()
	assert.ErrorIs(t, err, limiter.ErrInvalidSet)
	_, err = limiter.NewSetPool(nil)
	assert.EqualError(t, err, "limiter: set 0 of the pool is nil")
}

func TestSentinelsSayWhoTheyAre(t *testing.T) {
	for _, err := range []error{limiter.ErrInvalidLimit, limiter.ErrInvalidSet, limiter.ErrInvalidRequest, limiter.ErrExceedsCapacity, limiter.ErrWouldBlock} {
		assert.True(t, strings.HasPrefix(err.Error(), "limiter: "), err.Error())
	}
	le := &limiter.LimitError{Limit: "x", Err: limiter.ErrInvalidRequest, Msg: "bad"}
	assert.Equal(t, limiter.ErrInvalidRequest, errors.Unwrap(le))
}

func TestNilContextPanicsAtTheCallSite(t *testing.T) {
	l, err := limiter.NewResourceLimit("a", 1)
	require.NoError(t, err)
	assert.PanicsWithValue(t, "limiter: nil context", func() {
		_, _ = l.Acquire(nil) //lint:ignore SA1012 the nil context is the point
	})
}
