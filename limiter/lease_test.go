package limiter_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNilAndZeroLeases(t *testing.T) {
	var nilLease *limiter.Lease
	nilLease.Release()
	nilLease.Release()
	assert.Equal(t, 0, nilLease.Index())
	assert.Zero(t, nilLease.Granted("x"))
	assert.ErrorIs(t, nilLease.Report("x", 1), limiter.ErrInvalidRequest)
	assert.ErrorIs(t, nilLease.ReportN(1), limiter.ErrInvalidRequest)

	var zero limiter.Lease
	zero.Release()
	assert.ErrorIs(t, zero.Report("x", 1), limiter.ErrInvalidRequest)
}

// TestReleaseIsIdempotent: only the first Release gives units back, even
// when many goroutines release the same lease at once.
func TestReleaseIsIdempotent(t *testing.T) {
	l, err := limiter.NewResourceLimit("conns", 4)
	require.NoError(t, err)
	held, err := l.AcquireN(t.Context(), 2)
	require.NoError(t, err)
	ls, err := l.AcquireN(t.Context(), 2)
	require.NoError(t, err)
	done := make(chan struct{})
	for range 8 {
		go func() {
			ls.Release()
			done <- struct{}{}
		}()
	}
	for range 8 {
		<-done
	}
	assert.Equal(t, int64(2), l.Available())
	held.Release()
	assert.Equal(t, int64(4), l.Available())
}

// TestReleaseInDeferSurvivesPanics: the idiom gives units back however the
// work ends.
func TestReleaseInDeferSurvivesPanics(t *testing.T) {
	l, err := limiter.NewResourceLimit("gpus", 1)
	require.NoError(t, err)
	work := func() (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("recovered: %v", r)
			}
		}()
		ls, err := l.Acquire(context.Background())
		if err != nil {
			return err
		}
		defer ls.Release()
		panic("boom")
	}
	assert.EqualError(t, work(), "recovered: boom")
	assert.Equal(t, int64(1), l.Available())
}

// TestReportRefundsAndCharges: asked for more than used, GCRA and
// TokenBucket give the rest back; used more, every rate algorithm charges
// the excess; a later report replaces an earlier one.
func TestReportRefundsAndCharges(t *testing.T) {
	for _, alg := range []limiter.Algorithm{limiter.GCRA, limiter.TokenBucket, limiter.SlidingWindow, limiter.FixedWindow} {
		t.Run(alg.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l, err := limiter.NewRateLimit("tokens", 10, time.Second, limiter.WithAlgorithm(alg))
				require.NoError(t, err)
				ls, err := l.AcquireN(t.Context(), 10)
				require.NoError(t, err)
				require.Equal(t, int64(0), l.Available())

				require.NoError(t, ls.Report("tokens", 4))
				refunds := alg == limiter.GCRA || alg == limiter.TokenBucket
				if refunds {
					assert.Equal(t, int64(6), l.Available(), "6 unused tokens come back")
				} else {
					assert.Equal(t, int64(0), l.Available(), "windows cannot refund")
				}

				require.NoError(t, ls.Report("tokens", 13)) // 3 more than asked
				assert.Equal(t, int64(0), l.Available())
				ls.Release()

				// 13 units are charged in all: a unit is free again once the
				// 3 extra have drained (buckets: 1.3s at 10/s, then one more
				// 100ms) or the window has moved on.
				start := time.Now()
				next, err := l.Acquire(t.Context())
				require.NoError(t, err)
				next.Release()
				waited := time.Since(start)
				switch alg {
				case limiter.GCRA, limiter.TokenBucket:
					assert.Equal(t, 400*time.Millisecond, waited.Round(time.Millisecond))
				default:
					assert.Equal(t, time.Second, waited)
				}
			})
		})
	}
}

// TestReportIgnoredByCallsAndResources: a call counts once; a resource
// holds what it acquired until Release.
func TestReportIgnoredByCallsAndResources(t *testing.T) {
	calls, err := limiter.NewCallLimit("calls", 5, time.Minute)
	require.NoError(t, err)
	conns, err := limiter.NewResourceLimit("conns", 5)
	require.NoError(t, err)
	set, err := limiter.NewSet(calls, conns)
	require.NoError(t, err)
	ls, err := set.Acquire(t.Context())
	require.NoError(t, err)
	require.NoError(t, ls.Report("calls", 3))
	require.NoError(t, ls.Report("conns", 0))
	require.NoError(t, ls.Report("calls", 0))
	assert.Equal(t, int64(4), calls.Available())
	assert.Equal(t, int64(4), conns.Available())
	ls.Release()
	assert.Equal(t, int64(5), conns.Available())
}

func TestReportErrors(t *testing.T) {
	l, err := limiter.NewRateLimit("tokens", 10, time.Second)
	require.NoError(t, err)
	other, err := limiter.NewResourceLimit("conns", 1)
	require.NoError(t, err)
	ls, err := l.AcquireN(t.Context(), 5)
	require.NoError(t, err)
	assert.EqualError(t, ls.Report("tokens", -1), `limiter: limit "tokens": reported usage -1 is negative`)
	assert.EqualError(t, ls.Report("conns", 1), `limiter: limit "conns": the lease holds no limit of that name`)
	require.NoError(t, ls.ReportN(5))

	set, err := limiter.NewSet(l, other)
	require.NoError(t, err)
	sl, err := set.Acquire(t.Context())
	require.NoError(t, err)
	defer sl.Release()
	err = sl.ReportN(1)
	assert.ErrorIs(t, err, limiter.ErrInvalidRequest)
	assert.EqualError(t, err, "limiter: ReportN on a lease of 2 limits; use Report(key, used)")
}

// TestReportAfterRelease still settles a rate limit: usage is about the
// past, and Release may well run first in a defer.
func TestReportAfterRelease(t *testing.T) {
	l, err := limiter.NewRateLimit("tokens", 10, time.Hour)
	require.NoError(t, err)
	ls, err := l.AcquireN(t.Context(), 8)
	require.NoError(t, err)
	ls.Release()
	require.NoError(t, ls.ReportN(2))
	assert.Equal(t, int64(8), l.Available())
}

// TestReportCanChargeWhatWasNotAsked: a zero request (a default of 0)
// takes nothing up front and charges what the work reports.
func TestReportCanChargeWhatWasNotAsked(t *testing.T) {
	l, err := limiter.NewRateLimit("tokens", 100, time.Hour, limiter.WithDefaultRequest(0))
	require.NoError(t, err)
	ls, err := l.Acquire(t.Context())
	require.NoError(t, err)
	assert.Equal(t, int64(100), l.Available())
	require.NoError(t, ls.ReportN(30))
	assert.Equal(t, int64(70), l.Available())
}

// TestRefundWakesWaiters: a refund is capacity, and a waiter that needs it
// is woken at once rather than at its timer.
func TestRefundWakesWaiters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewRateLimit("tokens", 10, time.Hour)
		require.NoError(t, err)
		ls, err := l.AcquireN(t.Context(), 10)
		require.NoError(t, err)
		got := make(chan error, 1)
		go func() {
			w, err := l.AcquireN(t.Context(), 5)
			w.Release()
			got <- err
		}()
		synctest.Wait()
		require.Equal(t, 1, l.Waiting())
		start := time.Now()
		require.NoError(t, ls.ReportN(4))
		require.NoError(t, <-got)
		assert.Zero(t, time.Since(start), "no time passed: the refund woke the waiter")
		assert.Equal(t, int64(1), l.Available())
	})
}

func TestGranted(t *testing.T) {
	l, err := limiter.NewResourceLimit("mem", 64)
	require.NoError(t, err)
	ls, err := l.AcquireN(t.Context(), 16)
	require.NoError(t, err)
	defer ls.Release()
	assert.Equal(t, int64(16), ls.Granted("mem"))
	assert.Zero(t, ls.Granted("other"))
	assert.Equal(t, 0, ls.Index())
}

func ExampleLease_Report() {
	// An LLM call asks for its worst case and reports what it used.
	tokens, err := limiter.NewRateLimit("tokens", 10_000, 24*time.Hour)
	if err != nil {
		panic(err)
	}
	ls, err := tokens.AcquireN(context.Background(), 1000)
	if err != nil {
		panic(err)
	}
	defer ls.Release()
	fmt.Println("before:", tokens.Available())
	if err := ls.Report("tokens", 420); err != nil {
		panic(err)
	}
	fmt.Println("after:", tokens.Available())
	// Output:
	// before: 9000
	// after: 9580
}
