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

// keySet is one API key's limits: calls per minute and connections.
func keySet(t *testing.T, calls, conns int64) (*limiter.Set, *limiter.Limit, *limiter.Limit) {
	t.Helper()
	c, err := limiter.NewCallLimit("calls", calls, time.Minute)
	require.NoError(t, err)
	n, err := limiter.NewResourceLimit("conns", conns)
	require.NoError(t, err)
	s, err := limiter.NewSet(c, n)
	require.NoError(t, err)
	return s, c, n
}

// TestSetPoolSpreads: with every set free, acquisitions go round the sets.
func TestSetPoolSpreads(t *testing.T) {
	a, _, _ := keySet(t, 100, 100)
	b, _, _ := keySet(t, 100, 100)
	c, _, _ := keySet(t, 100, 100)
	pool, err := limiter.NewSetPool(a, b, c)
	require.NoError(t, err)
	assert.Equal(t, []*limiter.Set{a, b, c}, pool.Sets())
	var got []int
	for range 6 {
		ls, err := pool.Acquire(t.Context())
		require.NoError(t, err)
		got = append(got, ls.Index())
		ls.Release()
	}
	assert.Equal(t, []int{0, 1, 2, 0, 1, 2}, got)
}

// TestSetPoolFailsOver: an exhausted set is skipped for the next free one.
func TestSetPoolFailsOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, aCalls, _ := keySet(t, 2, 10)
		b, _, _ := keySet(t, 5, 10)
		pool, err := limiter.NewSetPool(a, b)
		require.NoError(t, err)
		var got []int
		for range 7 {
			ls, ok := pool.TryAcquire()
			require.True(t, ok)
			got = append(got, ls.Index())
			ls.Release()
		}
		// a takes turns 0 and 2, then is out of calls: b takes the rest.
		assert.Equal(t, []int{0, 1, 0, 1, 1, 1, 1}, got)
		assert.Equal(t, int64(0), aCalls.Available())
		_, ok := pool.TryAcquire()
		assert.False(t, ok, "both keys are out of calls")
		_, err = pool.TryAcquireRequest(limiter.Request{"conns": 2})
		assert.ErrorIs(t, err, limiter.ErrWouldBlock)
	})
}

// TestSetPoolWaitsOnWhicheverFreesFirst: with every set busy, a waiter
// queues on all of them, holding none, and takes the first to free.
func TestSetPoolWaitsOnWhicheverFreesFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, _, aConns := keySet(t, 100, 1)
		b, _, bConns := keySet(t, 100, 1)
		pool, err := limiter.NewSetPool(a, b)
		require.NoError(t, err)
		first, err := pool.Acquire(t.Context())
		require.NoError(t, err)
		second, err := pool.Acquire(t.Context())
		require.NoError(t, err)
		require.Equal(t, []int{0, 1}, []int{first.Index(), second.Index()})

		w := goAcquire(func() (*limiter.Lease, error) { return pool.Acquire(t.Context()) })
		synctest.Wait()
		_, ok := ready(w)
		require.False(t, ok)
		assert.Equal(t, 1, aConns.Waiting())
		assert.Equal(t, 1, bConns.Waiting())

		second.Release() // b frees first
		synctest.Wait()
		r, ok := ready(w)
		require.True(t, ok)
		require.NoError(t, r.err)
		assert.Equal(t, 1, r.lease.Index())
		assert.Equal(t, 0, aConns.Waiting(), "the waiter left every queue")
		assert.Equal(t, int64(0), aConns.Available())
		assert.Equal(t, int64(0), bConns.Available())
		r.lease.Release()
		first.Release()
	})
}

// TestSetPoolWaitsForTime: a waiter for rate limits wakes at the earliest
// instant any set's units fall due.
func TestSetPoolWaitsForTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ra, err := limiter.NewRateLimit("rpm", 1, time.Minute, limiter.WithAlgorithm(limiter.FixedWindow))
		require.NoError(t, err)
		rb, err := limiter.NewRateLimit("rpm", 1, 40*time.Second, limiter.WithAlgorithm(limiter.FixedWindow))
		require.NoError(t, err)
		a, _ := limiter.NewSet(ra)
		b, _ := limiter.NewSet(rb)
		pool, err := limiter.NewSetPool(a, b)
		require.NoError(t, err)
		start := time.Now()
		for range 2 {
			_, err := pool.Acquire(t.Context())
			require.NoError(t, err)
		}
		ls, err := pool.Acquire(t.Context())
		require.NoError(t, err)
		assert.Equal(t, 40*time.Second, time.Since(start))
		assert.Equal(t, 1, ls.Index())
	})
}

func TestSetPoolCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, _, aConns := keySet(t, 100, 1)
		pool, err := limiter.NewSetPool(a)
		require.NoError(t, err)
		held, err := pool.Acquire(t.Context())
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(t.Context())
		w := goAcquire(func() (*limiter.Lease, error) { return pool.AcquireRequest(ctx, limiter.Request{"calls": 3}) })
		synctest.Wait()
		cancel()
		r := <-w
		assert.ErrorIs(t, r.err, context.Canceled)
		assert.Equal(t, 0, aConns.Waiting())
		held.Release()
	})
}

func ExampleSetPool() {
	// Two API keys, each with its own quota; spread calls over both.
	keys := []string{"key-A", "key-B"}
	var sets []*limiter.Set
	for range keys {
		calls, _ := limiter.NewCallLimit("calls", 2, time.Minute)
		set, _ := limiter.NewSet(calls)
		sets = append(sets, set)
	}
	pool, err := limiter.NewSetPool(sets...)
	if err != nil {
		panic(err)
	}
	for range 4 {
		ls, err := pool.Acquire(context.Background())
		if err != nil {
			panic(err)
		}
		fmt.Println("call with", keys[ls.Index()])
		ls.Release()
	}
	_, ok := pool.TryAcquire()
	fmt.Println("fifth call now:", ok)
	// Output:
	// call with key-A
	// call with key-B
	// call with key-A
	// call with key-B
	// fifth call now: false
}
