package bench_test

import (
	"context"
	"runtime"
	"strconv"
	"testing"
	"time"

	"go.uber.org/ratelimit"
	"golang.org/x/time/rate"

	"github.com/sluice-go/sluice/limiter"
)

// BenchmarkLimiter takes one unit of one shared rate limit, at a rate so
// high (10^9 per second, with a burst of 10^6 where the algorithm has one)
// that no call ever waits: what is measured is the limiter's bookkeeping
// and, with goroutines=16, its behaviour under contention. goroutines=1 is
// a plain loop; goroutines=16 runs RunParallel with 16 goroutines in all,
// so its ns/op is wall time per acquisition across them. One op is one
// acquisition (sluice: Acquire and the Release its docs ask for; x/time/rate:
// Wait; uber: Take, which takes no context).
//
// The window algorithms count in windows of 1ms (10^6 units per ms) so that
// the sliding window's log, one entry per admission still in the window,
// stays small.
func BenchmarkLimiter(b *testing.B) {
	subjects := []struct {
		name string
		make func(b *testing.B) func() error
	}{
		{"sluice-gcra", sluiceLimit(limiter.GCRA)},
		{"sluice-tokenbucket", sluiceLimit(limiter.TokenBucket)},
		{"sluice-slidingwindow", sluiceLimit(limiter.SlidingWindow)},
		{"sluice-fixedwindow", sluiceLimit(limiter.FixedWindow)},
		{"xrate", func(*testing.B) func() error {
			l := rate.NewLimiter(1e9, 1e6)
			ctx := context.Background()
			return func() error { return l.Wait(ctx) }
		}},
		{"uber", func(*testing.B) func() error {
			l := ratelimit.New(1e9)
			return func() error { l.Take(); return nil }
		}},
	}
	for _, g := range []int{1, 16} {
		for _, s := range subjects {
			b.Run("subject="+s.name+"/goroutines="+strconv.Itoa(g), func(b *testing.B) {
				do := s.make(b)
				b.ReportAllocs()
				b.ResetTimer()
				if g == 1 {
					for range b.N {
						if err := do(); err != nil {
							b.Fatal(err)
						}
					}
					return
				}
				procs := runtime.GOMAXPROCS(0)
				b.SetParallelism((g + procs - 1) / procs)
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

// sluiceLimit returns a maker of Acquire+Release on a sluice rate limit of
// algorithm alg.
func sluiceLimit(alg limiter.Algorithm) func(b *testing.B) func() error {
	return func(b *testing.B) func() error {
		opts := []limiter.Option{limiter.WithAlgorithm(alg)}
		if alg == limiter.GCRA || alg == limiter.TokenBucket {
			opts = append(opts, limiter.WithBurst(1e6))
		}
		l, err := limiter.NewRateLimit("requests", 1e6, time.Millisecond, opts...)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		return func() error {
			ls, err := l.Acquire(ctx)
			if err != nil {
				return err
			}
			ls.Release()
			return nil
		}
	}
}
