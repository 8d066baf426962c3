package limiter_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSetIsAllOrNothing: while one member lacks room, the set waits holding
// none of the others, and takes them all in one step when it can.
func TestSetIsAllOrNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		calls, err := limiter.NewCallLimit("calls", 10, time.Minute)
		require.NoError(t, err)
		tokens, err := limiter.NewRateLimit("tokens", 1000, time.Minute)
		require.NoError(t, err)
		conns, err := limiter.NewResourceLimit("conns", 1)
		require.NoError(t, err)
		set, err := limiter.NewSet(calls, tokens, conns)
		require.NoError(t, err)

		busy, err := conns.Acquire(t.Context())
		require.NoError(t, err)
		got := goAcquire(func() (*limiter.Lease, error) {
			return set.AcquireRequest(t.Context(), limiter.Request{"tokens": 600})
		})
		synctest.Wait()
		_, ok := ready(got)
		require.False(t, ok)
		assert.Equal(t, int64(10), calls.Available(), "no call taken while waiting")
		assert.Equal(t, int64(1000), tokens.Available(), "no token taken while waiting")
		// FIFO: a later request for tokens alone queues behind the set,
		// though the tokens are there.
		_, err = tokens.TryAcquireN(300)
		assert.ErrorIs(t, err, limiter.ErrWouldBlock)
		later := goAcquire(func() (*limiter.Lease, error) { return tokens.AcquireN(t.Context(), 300) })
		synctest.Wait()
		_, ok = ready(later)
		require.False(t, ok)

		busy.Release()
		synctest.Wait()
		r, ok := ready(got)
		require.True(t, ok)
		require.NoError(t, r.err)
		l, ok := ready(later)
		require.True(t, ok, "and goes right after it")
		require.NoError(t, l.err)
		assert.Equal(t, int64(9), calls.Available())
		assert.Equal(t, int64(100), tokens.Available())
		assert.Equal(t, int64(0), conns.Available())
		assert.Equal(t, int64(1), r.lease.Granted("calls"), "left out of the request: its default")
		assert.Equal(t, int64(600), r.lease.Granted("tokens"))
		r.lease.Release()
		assert.Equal(t, int64(1), conns.Available())
	})
}

// TestSetGivesBackWhatItTook: when a later member is not free, the units
// taken from earlier ones go back, whatever their algorithm.
func TestSetGivesBackWhatItTook(t *testing.T) {
	for _, alg := range []limiter.Algorithm{limiter.GCRA, limiter.TokenBucket, limiter.SlidingWindow, limiter.FixedWindow} {
		t.Run(alg.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				r, err := limiter.NewRateLimit("r", 10, time.Second, limiter.WithAlgorithm(alg))
				require.NoError(t, err)
				conns, err := limiter.NewResourceLimit("conns", 1)
				require.NoError(t, err)
				set, err := limiter.NewSet(r, conns)
				require.NoError(t, err)
				busy, err := conns.Acquire(t.Context())
				require.NoError(t, err)
				_, err = set.TryAcquireRequest(limiter.Request{"r": 4})
				require.ErrorIs(t, err, limiter.ErrWouldBlock)
				assert.Equal(t, int64(10), r.Available())
				got := goAcquire(func() (*limiter.Lease, error) { return set.AcquireRequest(t.Context(), limiter.Request{"r": 4}) })
				synctest.Wait()
				assert.Equal(t, int64(10), r.Available())
				busy.Release()
				res := <-got
				require.NoError(t, res.err)
				assert.Equal(t, int64(6), r.Available())
				res.lease.Release()
			})
		})
	}
}

func TestSetRequests(t *testing.T) {
	a, err := limiter.NewResourceLimit("a", 5)
	require.NoError(t, err)
	b, err := limiter.NewResourceLimit("b", 5, limiter.WithDefaultRequest(2))
	require.NoError(t, err)
	set, err := limiter.NewSet(a, b)
	require.NoError(t, err)
	assert.Equal(t, []*limiter.Limit{a, b}, set.Limits())

	ls, ok := set.TryAcquire()
	require.True(t, ok)
	assert.Equal(t, int64(1), ls.Granted("a"))
	assert.Equal(t, int64(2), ls.Granted("b"))
	ls.Release()

	ls, err = set.TryAcquireRequest(limiter.Request{"a": 0, "b": 5})
	require.NoError(t, err)
	assert.Equal(t, int64(5), a.Available(), "0 leaves a member out")
	_, err = set.TryAcquireRequest(limiter.Request{"b": 1})
	assert.ErrorIs(t, err, limiter.ErrWouldBlock)
	ls.Release()

	big, err := set.WithDefault(limiter.Request{"a": 3})
	require.NoError(t, err)
	ls, err = big.Acquire(t.Context())
	require.NoError(t, err)
	assert.Equal(t, int64(3), ls.Granted("a"))
	assert.Equal(t, int64(2), ls.Granted("b"))
	assert.Equal(t, int64(2), a.Available(), "a set made by WithDefault shares the limits")
	ls.Release()
}

// TestOverlappingSetsNeverDeadlock: sets over the same limits in every
// order, single limits and try-acquisitions, all at once and holding for
// random (virtual) times, always finish: synctest would report a deadlock
// as a panic rather than hang.
func TestOverlappingSetsNeverDeadlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, _ := limiter.NewResourceLimit("a", 2)
		b, _ := limiter.NewResourceLimit("b", 1)
		c, _ := limiter.NewResourceLimit("c", 3)
		r, _ := limiter.NewRateLimit("r", 50, time.Second, limiter.WithBurst(5))
		var sets []*limiter.Set
		for _, ls := range [][]*limiter.Limit{{a, b}, {b, a}, {b, c}, {c, a, r}, {r, c, b, a}} {
			s, err := limiter.NewSet(ls...)
			require.NoError(t, err)
			sets = append(sets, s)
		}
		limits := []*limiter.Limit{a, b, c, r}
		var held [3]atomicMax
		var wg sync.WaitGroup
		for g := range 12 {
			rng := rand.New(rand.NewPCG(7, uint64(g)))
			wg.Go(func() {
				for range 200 {
					var ls *limiter.Lease
					var err error
					switch rng.IntN(3) {
					case 0:
						ls, err = sets[rng.IntN(len(sets))].Acquire(context.Background())
					case 1:
						l := limits[rng.IntN(len(limits))]
						ls, err = l.AcquireN(context.Background(), 1+rng.Int64N(l.Capacity()))
					default:
						var ok bool
						if ls, ok = sets[rng.IntN(len(sets))].TryAcquire(); !ok {
							continue
						}
					}
					if err != nil {
						t.Error(err)
						return
					}
					for i, l := range limits[:3] {
						held[i].observe(held[i].add(ls.Granted(l.Name())))
					}
					time.Sleep(time.Duration(rng.IntN(5)) * time.Millisecond)
					for i, l := range limits[:3] {
						held[i].add(-ls.Granted(l.Name()))
					}
					ls.Release()
				}
			})
		}
		wg.Wait()
		for i, l := range limits[:3] {
			assert.LessOrEqual(t, held[i].max(), l.Capacity(), l.Name())
			assert.Equal(t, l.Capacity(), l.Available(), l.Name())
			assert.Equal(t, 0, l.Waiting())
		}
	})
}

// TestOverlappingSetsUnderRealTime: the same without a bubble, so the race
// detector sees real interleavings.
func TestOverlappingSetsUnderRealTime(t *testing.T) {
	a, _ := limiter.NewResourceLimit("a", 2)
	b, _ := limiter.NewResourceLimit("b", 1)
	ab, _ := limiter.NewSet(a, b)
	ba, _ := limiter.NewSet(b, a)
	var wg sync.WaitGroup
	var inB atomicMax
	for g := range 8 {
		wg.Go(func() {
			for i := range 300 {
				s := ab
				if (g+i)%2 == 1 {
					s = ba
				}
				ls, err := s.Acquire(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				inB.observe(inB.add(1))
				inB.add(-1)
				ls.Release()
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, inB.max(), int64(1))
	assert.Equal(t, int64(2), a.Available())
	assert.Equal(t, int64(1), b.Available())
}

func ExampleSet() {
	// An LLM endpoint: 60 calls and 100k tokens a day, 4 connections.
	calls, _ := limiter.NewCallLimit("calls", 60, 24*time.Hour)
	tokens, _ := limiter.NewRateLimit("tokens", 100_000, 24*time.Hour)
	conns, _ := limiter.NewResourceLimit("connections", 4)
	llm, err := limiter.NewSet(calls, tokens, conns)
	if err != nil {
		panic(err)
	}

	ls, err := llm.AcquireRequest(context.Background(), limiter.Request{"tokens": 1000})
	if err != nil {
		panic(err)
	}
	defer ls.Release()
	// ... call the model; it used 420 tokens.
	_ = ls.Report("tokens", 420)
	fmt.Println(calls.Available(), tokens.Available(), conns.Available())
	// Output: 59 99580 3
}

// BenchmarkSetAcquire measures one Acquire plus Release of a shared set of
// a call limit, a token limit (both GCRA, at rates that never sleep) and a
// resource limit, alone and with 16 goroutines contending.
func BenchmarkSetAcquire(b *testing.B) {
	calls, _ := limiter.NewRateLimit("calls", 1e9, time.Second, limiter.WithBurst(1<<20))
	tokens, _ := limiter.NewRateLimit("tokens", 1e10, time.Second, limiter.WithBurst(1<<20), limiter.WithDefaultRequest(100))
	conns, _ := limiter.NewResourceLimit("conns", 1<<40)
	set, err := limiter.NewSet(calls, tokens, conns)
	if err != nil {
		b.Fatal(err)
	}
	do := func() error {
		ls, err := set.Acquire(context.Background())
		ls.Release()
		return err
	}
	b.Run("uncontended", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := do(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("contended-16", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := do(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
