package limiter_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// result is what a goroutine's acquisition came to.
type result struct {
	lease *limiter.Lease
	err   error
}

// goAcquire starts acquire in a goroutine and returns where its result
// will arrive.
func goAcquire(acquire func() (*limiter.Lease, error)) <-chan result {
	ch := make(chan result, 1)
	go func() {
		ls, err := acquire()
		ch <- result{ls, err}
	}()
	return ch
}

func ready(ch <-chan result) (result, bool) {
	select {
	case r := <-ch:
		return r, true
	default:
		return result{}, false
	}
}

// TestWaitersWakeAtTheInstantUnitsFallDue: a rate waiter's timer is set
// for the exact instant, not a polling interval.
func TestWaitersWakeAtTheInstantUnitsFallDue(t *testing.T) {
	for _, alg := range []limiter.Algorithm{limiter.GCRA, limiter.TokenBucket, limiter.SlidingWindow, limiter.FixedWindow} {
		t.Run(alg.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l, err := limiter.NewRateLimit("r", 3, time.Second, limiter.WithAlgorithm(alg))
				require.NoError(t, err)
				start := time.Now()
				_, err = l.AcquireN(t.Context(), 3)
				require.NoError(t, err)
				time.Sleep(100 * time.Millisecond)
				_, err = l.AcquireN(t.Context(), 2)
				require.NoError(t, err)
				want := map[limiter.Algorithm]time.Duration{
					limiter.GCRA:          666_666_667 * time.Nanosecond, // 2 units at 3/s
					limiter.TokenBucket:   666_666_667 * time.Nanosecond,
					limiter.SlidingWindow: time.Second, // the first 3 leave the window
					limiter.FixedWindow:   time.Second, // the next window
				}[alg]
				assert.Equal(t, want, time.Since(start))
			})
		})
	}
}

// TestCancelledWaiterLeavesTheQueue and lets the next one go.
func TestCancelledWaiterLeavesTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewResourceLimit("conns", 2)
		require.NoError(t, err)
		holder, err := l.AcquireN(t.Context(), 2)
		require.NoError(t, err)

		ctx, cancel := context.WithCancelCause(t.Context())
		big := goAcquire(func() (*limiter.Lease, error) { return l.AcquireN(ctx, 2) })
		synctest.Wait()
		small := goAcquire(func() (*limiter.Lease, error) { return l.AcquireN(t.Context(), 1) })
		synctest.Wait()
		require.Equal(t, 2, l.Waiting())

		holder.Release()
		synctest.Wait()
		r, ok := ready(big)
		require.True(t, ok, "the head waiter gets both units")
		require.NoError(t, r.err)
		_, ok = ready(small)
		require.False(t, ok)

		r.lease.Release()
		synctest.Wait()
		s, ok := ready(small)
		require.True(t, ok)
		require.NoError(t, s.err)

		// Two more queue behind the one small holds; the first leaves.
		again, err := l.AcquireN(t.Context(), 1)
		require.NoError(t, err)
		blocked := goAcquire(func() (*limiter.Lease, error) { return l.AcquireN(ctx, 1) })
		after := goAcquire(func() (*limiter.Lease, error) { return l.AcquireN(t.Context(), 1) })
		synctest.Wait()
		require.Equal(t, 2, l.Waiting())
		boom := errors.New("boom")
		cancel(boom)
		synctest.Wait()
		c, ok := ready(blocked)
		require.True(t, ok)
		assert.ErrorIs(t, c.err, boom, "a cancelled wait returns the context's cause")
		assert.Nil(t, c.lease)
		assert.Equal(t, 1, l.Waiting())

		s.lease.Release()
		synctest.Wait()
		a, ok := ready(after)
		require.True(t, ok, "the waiter behind the cancelled one goes")
		require.NoError(t, a.err)
		a.lease.Release()
		again.Release()
		assert.Equal(t, int64(2), l.Available())
		assert.Equal(t, 0, l.Waiting())
	})
}

// TestCancelledHeadLetsTheNextGo: when the waiter at the head leaves, the
// one behind it is granted at once if the units are there.
func TestCancelledHeadLetsTheNextGo(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewResourceLimit("conns", 3)
		require.NoError(t, err)
		holder, err := l.AcquireN(t.Context(), 2)
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		head := goAcquire(func() (*limiter.Lease, error) { return l.AcquireN(ctx, 3) })
		synctest.Wait()
		next := goAcquire(func() (*limiter.Lease, error) { return l.AcquireN(t.Context(), 1) })
		synctest.Wait()
		_, ok := ready(next)
		require.False(t, ok, "FIFO: 1 unit is free, but the head wants 3")
		cancel()
		synctest.Wait()
		h, _ := ready(head)
		assert.ErrorIs(t, h.err, context.Canceled)
		n, ok := ready(next)
		require.True(t, ok)
		require.NoError(t, n.err)
		n.lease.Release()
		holder.Release()
	})
}

func TestDoneContextTakesNothing(t *testing.T) {
	l, err := limiter.NewResourceLimit("conns", 1)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ls, err := l.Acquire(ctx)
	assert.Nil(t, ls)
	assert.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, int64(1), l.Available())
}

func TestDeadlineEndsTheWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewRateLimit("r", 1, time.Hour, limiter.WithBurst(1))
		require.NoError(t, err)
		_, err = l.Acquire(t.Context())
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
		defer cancel()
		start := time.Now()
		_, err = l.Acquire(ctx)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Equal(t, time.Minute, time.Since(start))
		assert.Equal(t, 0, l.Waiting())
	})
}

// TestTryNeverJumpsTheQueue: with someone waiting, TryAcquire fails even
// if its own units are free.
func TestTryNeverJumpsTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewResourceLimit("conns", 3)
		require.NoError(t, err)
		holder, err := l.AcquireN(t.Context(), 2)
		require.NoError(t, err)
		head := goAcquire(func() (*limiter.Lease, error) { return l.AcquireN(t.Context(), 3) })
		synctest.Wait()
		_, err = l.TryAcquireN(1)
		assert.ErrorIs(t, err, limiter.ErrWouldBlock)
		_, ok := l.TryAcquire()
		assert.False(t, ok)
		holder.Release()
		r := <-head
		require.NoError(t, r.err)
		r.lease.Release()
		ls, err := l.TryAcquireN(1)
		require.NoError(t, err)
		ls.Release()
	})
}

func TestZeroRequestTakesNothing(t *testing.T) {
	l, err := limiter.NewResourceLimit("conns", 1)
	require.NoError(t, err)
	full, err := l.Acquire(t.Context())
	require.NoError(t, err)
	ls, err := l.AcquireN(t.Context(), 0)
	require.NoError(t, err, "nothing to wait for")
	ls.Release()
	ls, err = l.TryAcquireN(0)
	require.NoError(t, err)
	ls.Release()
	full.Release()
	assert.Equal(t, int64(1), l.Available())
}
