package limiter_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

func TestLimitDescribesItself(t *testing.T) {
	tokens, err := limiter.NewRateLimit("tokens", 1000, time.Minute, limiter.WithBurst(200))
	require.NoError(t, err)
	assert.Equal(t, "tokens", tokens.Name())
	assert.Equal(t, int64(200), tokens.Capacity())
	assert.Equal(t, int64(200), tokens.Available())
	assert.Equal(t, "tokens: 1000 per 1m0s (GCRA, burst 200)", tokens.String())

	calls, err := limiter.NewCallLimit("calls", 60, time.Minute)
	require.NoError(t, err)
	assert.Equal(t, int64(60), calls.Capacity())
	assert.Equal(t, "calls: 60 per 1m0s (SlidingWindow)", calls.String())

	gpus, err := limiter.NewResourceLimit("gpus", 4)
	require.NoError(t, err)
	assert.Equal(t, int64(4), gpus.Capacity())
	assert.Equal(t, "gpus: 4 held at once", gpus.String())
	assert.Equal(t, 0, gpus.Waiting())
}

// TestLimitDefaultRequest: Acquire and TryAcquire ask the default request,
// 1 unless WithDefaultRequest says otherwise; 0 takes nothing.
func TestLimitDefaultRequest(t *testing.T) {
	for _, tc := range []struct {
		opts []limiter.Option
		want int64
	}{
		{nil, 1},
		{[]limiter.Option{limiter.WithDefaultRequest(3)}, 3},
		{[]limiter.Option{limiter.WithDefaultRequest(0)}, 0},
	} {
		t.Run(fmt.Sprint(tc.want), func(t *testing.T) {
			l, err := limiter.NewResourceLimit("mem", 10, tc.opts...)
			require.NoError(t, err)
			ls, err := l.Acquire(t.Context())
			require.NoError(t, err)
			assert.Equal(t, tc.want, ls.Granted("mem"))
			assert.Equal(t, 10-tc.want, l.Available())
			ls2, ok := l.TryAcquire()
			require.True(t, ok)
			assert.Equal(t, 10-2*tc.want, l.Available())
			ls.Release()
			ls2.Release()
			assert.Equal(t, int64(10), l.Available())
		})
	}
}

// TestLimitsAreShared: one limit passed to many goroutines (as pools and
// stages would) is one budget.
func TestLimitsAreShared(t *testing.T) {
	l, err := limiter.NewResourceLimit("conns", 3)
	require.NoError(t, err)
	var held, peak atomicMax
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 200 {
				ls, err := l.Acquire(context.Background())
				if err != nil {
					return
				}
				peak.observe(held.add(1))
				runtime.Gosched()
				held.add(-1)
				ls.Release()
			}
		}()
	}
	for range 8 {
		<-done
	}
	assert.LessOrEqual(t, peak.max(), int64(3))
	assert.Equal(t, int64(3), l.Available())
}

func ExampleNewRateLimit() {
	// 1000 LLM tokens an hour, at most 200 at once.
	tokens, err := limiter.NewRateLimit("tokens", 1000, time.Hour, limiter.WithBurst(200))
	if err != nil {
		panic(err)
	}
	ls, err := tokens.AcquireN(context.Background(), 150)
	if err != nil {
		panic(err)
	}
	defer ls.Release()
	fmt.Println(tokens.Available(), "left")

	_, err = tokens.AcquireN(context.Background(), 500)
	fmt.Println(errors.Is(err, limiter.ErrExceedsCapacity))
	fmt.Println(err)
	// Output:
	// 50 left
	// true
	// limiter: limit "tokens": request of 500 units exceeds capacity 200
}

func ExampleNewResourceLimit() {
	gpus, err := limiter.NewResourceLimit("gpus", 2)
	if err != nil {
		panic(err)
	}
	a, _ := gpus.Acquire(context.Background())
	b, _ := gpus.Acquire(context.Background())
	_, ok := gpus.TryAcquire()
	fmt.Println("third:", ok)
	a.Release()
	a.Release() // idempotent
	c, ok := gpus.TryAcquire()
	fmt.Println("after a release:", ok)
	b.Release()
	c.Release()
	fmt.Println(gpus.Available(), "free")
	// Output:
	// third: false
	// after a release: true
	// 2 free
}

// hugeLimits makes one limit of every kind and algorithm at the largest
// size it takes: MaxInt64, except GCRA's burst (at most 2^61-1 ns of
// refill, see NewRateLimit). wait is how long one more unit takes once
// the limit is taken whole; 0 for never.
var hugeLimits = []struct {
	name string
	make func() (*limiter.Limit, error)
	wait time.Duration
}{
	{"GCRA", func() (*limiter.Limit, error) {
		return limiter.NewRateLimit("r", 1, time.Hour, limiter.WithBurst((1<<61-1)/int64(time.Hour)))
	}, time.Hour},
	{"GCRA at 1 per ns", func() (*limiter.Limit, error) {
		return limiter.NewRateLimit("r", 1e9, time.Second, limiter.WithBurst(1<<61-1))
	}, time.Nanosecond},
	{"TokenBucket", func() (*limiter.Limit, error) {
		return limiter.NewRateLimit("r", 1, time.Hour, limiter.WithAlgorithm(limiter.TokenBucket), limiter.WithBurst(math.MaxInt64))
	}, time.Hour},
	{"SlidingWindow", func() (*limiter.Limit, error) { return limiter.NewCallLimit("r", math.MaxInt64, time.Hour) }, time.Hour},
	{"FixedWindow", func() (*limiter.Limit, error) {
		return limiter.NewRateLimit("r", math.MaxInt64, time.Hour, limiter.WithAlgorithm(limiter.FixedWindow))
	}, time.Hour},
	{"resource", func() (*limiter.Limit, error) { return limiter.NewResourceLimit("r", math.MaxInt64) }, 0},
}

// TestFullAtTheLargestSizeAdmitsNoMore: a limit of the largest size,
// taken whole, is full, whatever int64 sums would make of it: one more
// unit waits until it falls due.
func TestFullAtTheLargestSizeAdmitsNoMore(t *testing.T) {
	for _, tc := range hugeLimits {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l, err := tc.make()
				require.NoError(t, err)
				all, err := l.TryAcquireN(l.Capacity())
				require.NoError(t, err)
				defer all.Release()
				assert.Equal(t, int64(0), l.Available())
				_, err = l.TryAcquireN(1)
				assert.ErrorIs(t, err, limiter.ErrWouldBlock)
				ctx, cancel := context.WithTimeout(t.Context(), 2*time.Hour)
				defer cancel()
				start := time.Now()
				_, err = l.AcquireN(ctx, 1)
				if tc.wait == 0 {
					assert.ErrorIs(t, err, context.DeadlineExceeded)
					return
				}
				assert.NoError(t, err)
				assert.Equal(t, tc.wait, time.Since(start))
			})
		})
	}
}

// TestChargesBeyondInt64KeepARateLimitFull: usage reported beyond the
// request is charged however large, and charges that add up past MaxInt64
// keep the limit full instead of wrapping round to empty.
func TestChargesBeyondInt64KeepARateLimitFull(t *testing.T) {
	for _, alg := range []limiter.Algorithm{limiter.GCRA, limiter.TokenBucket, limiter.SlidingWindow, limiter.FixedWindow} {
		t.Run(alg.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l, err := limiter.NewRateLimit("r", 10, time.Hour, limiter.WithAlgorithm(alg))
				require.NoError(t, err)
				for range 3 {
					ls, err := l.TryAcquireN(0)
					require.NoError(t, err)
					require.NoError(t, ls.ReportN(math.MaxInt64))
					assert.Equal(t, int64(0), l.Available())
					_, err = l.TryAcquireN(1)
					assert.ErrorIs(t, err, limiter.ErrWouldBlock)
				}
			})
		})
	}
}

// BenchmarkLimitAcquire measures one Acquire plus Release of a shared limit
// whose rate is too high to ever sleep, alone (uncontended) and with 16
// goroutines on it (contended), beside x/time/rate's Wait in the same run.
func BenchmarkLimitAcquire(b *testing.B) {
	ctx := context.Background()
	subjects := []struct {
		name string
		make func(b *testing.B) func() error
	}{
		{"sluice-gcra", sluiceSubject(limiter.GCRA)},
		{"sluice-tokenbucket", sluiceSubject(limiter.TokenBucket)},
		{"sluice-slidingwindow", sluiceSubject(limiter.SlidingWindow)},
		{"sluice-fixedwindow", sluiceSubject(limiter.FixedWindow)},
		{"sluice-resource", func(b *testing.B) func() error {
			l, err := limiter.NewResourceLimit("conns", 1<<40)
			if err != nil {
				b.Fatal(err)
			}
			return func() error {
				ls, err := l.Acquire(ctx)
				ls.Release()
				return err
			}
		}},
		{"x-time-rate", func(*testing.B) func() error {
			l := rate.NewLimiter(1e10, 1<<20)
			return func() error { return l.Wait(ctx) }
		}},
	}
	for _, s := range subjects {
		for _, mode := range []string{"uncontended", "contended-16"} {
			b.Run("subject="+s.name+"/"+mode, func(b *testing.B) {
				do := s.make(b)
				b.ReportAllocs()
				b.ResetTimer()
				if mode == "uncontended" {
					for b.Loop() {
						if err := do(); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0))) // 16 goroutines on 2 procs
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
	}
}

func sluiceSubject(alg limiter.Algorithm) func(b *testing.B) func() error {
	return func(b *testing.B) func() error {
		// 10^10 units per second, the most GCRA takes: far beyond what any
		// caller can ask, so no acquisition ever waits. The window
		// algorithms get short windows that no run fills, so that the
		// sliding log stays as short as in steady use.
		opts := []limiter.Option{limiter.WithAlgorithm(alg)}
		limit, period := int64(1e10), time.Second
		if alg == limiter.SlidingWindow || alg == limiter.FixedWindow {
			limit, period = 1<<40, time.Millisecond
		}
		if alg == limiter.GCRA || alg == limiter.TokenBucket {
			opts = append(opts, limiter.WithBurst(1<<20))
		}
		l, err := limiter.NewRateLimit("requests", limit, period, opts...)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		return func() error {
			ls, err := l.Acquire(ctx)
			ls.Release()
			return err
		}
	}
}
