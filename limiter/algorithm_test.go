package limiter_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAlgorithmString(t *testing.T) {
	assert.Equal(t, "GCRA", limiter.GCRA.String())
	assert.Equal(t, "TokenBucket", limiter.TokenBucket.String())
	assert.Equal(t, "SlidingWindow", limiter.SlidingWindow.String())
	assert.Equal(t, "FixedWindow", limiter.FixedWindow.String())
	assert.Equal(t, "Algorithm(9)", limiter.Algorithm(9).String())
	assert.Equal(t, limiter.GCRA, limiter.Algorithm(0), "the zero value is GCRA")
}

// admission is one grant seen by a demand: when, since the limit was made,
// and how many units.
type admission struct {
	at time.Duration
	n  int64
}

// demand runs workers goroutines that acquire sizes from l back to back
// for d of virtual time, and returns every admission in time order. It must
// run inside a synctest bubble, with l made at the bubble's start.
func demand(t *testing.T, l *limiter.Limit, workers int, d time.Duration, maxN int64, seed uint64) []admission {
	t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	var (
		mu   sync.Mutex
		seen []admission
		wg   sync.WaitGroup
	)
	for w := range workers {
		rng := rand.New(rand.NewPCG(seed, uint64(w)))
		wg.Go(func() {
			for {
				n := 1 + rng.Int64N(maxN)
				ls, err := l.AcquireN(ctx, n)
				if err != nil {
					return
				}
				mu.Lock()
				seen = append(seen, admission{time.Since(start), n})
				mu.Unlock()
				ls.Release()
			}
		})
	}
	wg.Wait()
	slices.SortStableFunc(seen, func(a, b admission) int { return int(a.at - b.at) })
	return seen
}

// maxInWindow returns the most units admitted in any closed window of
// length w ([s, s+w]) or, with open, half-open window ([s, s+w)).
func maxInWindow(adm []admission, w time.Duration, open bool) int64 {
	var best, sum int64
	j := 0
	for i := range adm {
		for j < len(adm) && (adm[j].at-adm[i].at < w || !open && adm[j].at-adm[i].at == w) {
			sum += adm[j].n
			j++
		}
		best = max(best, sum)
		sum -= adm[i].n
	}
	return best
}

func total(adm []admission) (n int64) {
	for _, a := range adm {
		n += a.n
	}
	return n
}

type rateCase struct {
	limit  int64
	period time.Duration
	burst  int64
}

var rateCases = []rateCase{
	{limit: 10, period: time.Second, burst: 10},
	{limit: 3, period: time.Second, burst: 1},     // interval 333.33 ms: not whole nanoseconds
	{limit: 1000, period: time.Minute, burst: 50}, // LLM tokens
	{limit: 7, period: 300 * time.Millisecond, burst: 7},
}

// TestBucketsAdmitTheirDefinition: GCRA and TokenBucket with rate R and
// burst B admit at most B + R*T over any window of length T, and give a
// steady demand R within 1%.
func TestBucketsAdmitTheirDefinition(t *testing.T) {
	for _, alg := range []limiter.Algorithm{limiter.GCRA, limiter.TokenBucket} {
		for _, c := range rateCases {
			t.Run(fmt.Sprintf("%v/%d per %v burst %d", alg, c.limit, c.period, c.burst), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					l, err := limiter.NewRateLimit("units", c.limit, c.period, limiter.WithAlgorithm(alg), limiter.WithBurst(c.burst))
					require.NoError(t, err)
					d := 200 * c.period
					adm := demand(t, l, 4, d, min(c.burst, 5), 1)
					r := float64(c.limit) / float64(c.period) // units per nanosecond
					for _, w := range []time.Duration{0, 1, c.period / 10, c.period / 3, c.period, 3 * c.period, 10 * c.period} {
						bound := float64(c.burst) + r*float64(w)
						assert.LessOrEqual(t, float64(maxInWindow(adm, w, false)), bound+1e-6, "window %v", w)
					}
					want := float64(c.burst) + r*float64(d)
					assert.InEpsilon(t, want, float64(total(adm)), 0.01, "steady demand gets the rate")
				})
			})
		}
	}
}

// TestSlidingWindowAdmitsItsDefinition: no window (t-P, t] holds more than
// limit units; a window of length T at most limit*ceil(T/P); a steady
// demand gets limit per period within 1%.
func TestSlidingWindowAdmitsItsDefinition(t *testing.T) {
	for _, c := range rateCases {
		t.Run(fmt.Sprintf("%d per %v", c.limit, c.period), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l, err := limiter.NewCallLimit("calls", c.limit, c.period)
				require.NoError(t, err)
				d := 200 * c.period
				adm := demand(t, l, 4, d, min(c.limit, 5), 2)
				assert.LessOrEqual(t, maxInWindow(adm, c.period, true), c.limit)
				for _, k := range []int64{2, 3, 10} {
					assert.LessOrEqual(t, maxInWindow(adm, time.Duration(k)*c.period, true), k*c.limit)
				}
				// Unit requests, so that no unit is lost to a head of line
				// that does not fit in what is left of a window.
				steady := demand(t, l, 4, d, 1, 2)
				assert.InEpsilon(t, float64(c.limit*200), float64(total(steady)), 0.01)
			})
		})
	}
}

// TestFixedWindowAdmitsItsDefinition: each window [kP, (k+1)P) from the
// limit's creation holds at most limit units; any window of length P at
// most 2*limit; a steady demand gets limit per period within 1%.
func TestFixedWindowAdmitsItsDefinition(t *testing.T) {
	for _, c := range rateCases {
		t.Run(fmt.Sprintf("%d per %v", c.limit, c.period), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l, err := limiter.NewRateLimit("units", c.limit, c.period, limiter.WithAlgorithm(limiter.FixedWindow))
				require.NoError(t, err)
				d := 200 * c.period
				adm := demand(t, l, 4, d, min(c.limit, 5), 3)
				per := map[int64]int64{}
				for _, a := range adm {
					per[int64(a.at/c.period)] += a.n
				}
				for k, n := range per {
					assert.LessOrEqual(t, n, c.limit, "window %d", k)
				}
				assert.LessOrEqual(t, maxInWindow(adm, c.period, true), 2*c.limit)
				steady := demand(t, l, 4, d, 1, 3)
				assert.InEpsilon(t, float64(c.limit*200), float64(total(steady)), 0.01)
			})
		})
	}
}

// TestTryAcquireNeverRefusesBelowCapacity, in real time (run it with
// -race, which widens every window): goroutines outnumbering the cores
// TryAcquire one unit at a time, in all no more units than the limit's
// capacity, at a rate it could refill ten thousand times over. Whatever
// the scheduling, every unit is there when asked for, so a correct limit
// never refuses. A GCRA that read the clock before its state refused
// whenever a goroutine was descheduled between the two for longer than
// the burst takes to refill (here 6.6 µs). (Issue 11, item 6.)
func TestTryAcquireNeverRefusesBelowCapacity(t *testing.T) {
	const goroutines, each = 16, 4096
	for _, alg := range []limiter.Algorithm{limiter.GCRA, limiter.TokenBucket, limiter.SlidingWindow, limiter.FixedWindow} {
		t.Run(alg.String(), func(t *testing.T) {
			limit, period := int64(1e10), time.Second // the highest GCRA rate
			opts := []limiter.Option{limiter.WithAlgorithm(alg)}
			if alg == limiter.GCRA || alg == limiter.TokenBucket {
				opts = append(opts, limiter.WithBurst(goroutines*each))
			} else {
				limit, period = goroutines*each, time.Hour
			}
			l, err := limiter.NewRateLimit("units", limit, period, opts...)
			require.NoError(t, err)
			var refused atomic.Int64
			var wg sync.WaitGroup
			for range goroutines {
				wg.Go(func() {
					for range each {
						if _, ok := l.TryAcquire(); !ok {
							refused.Add(1)
						}
					}
				})
			}
			wg.Wait()
			assert.Zero(t, refused.Load(), "refusals of %d tries", goroutines*each)
		})
	}
}
