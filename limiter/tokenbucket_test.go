package limiter_test

import (
	"fmt"
	"math"
	"math/big"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestTokenBucketRefundStopsAtTheBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewRateLimit("r", 10, time.Second, limiter.WithAlgorithm(limiter.TokenBucket))
		require.NoError(t, err)
		ls, err := l.AcquireN(t.Context(), 10)
		require.NoError(t, err)
		time.Sleep(500 * time.Millisecond)
		require.NoError(t, ls.ReportN(0))
		assert.Equal(t, int64(10), l.Available())
		_, err = l.AcquireN(t.Context(), 10)
		require.NoError(t, err)
		_, err = l.TryAcquireN(1)
		assert.ErrorIs(t, err, limiter.ErrWouldBlock)
	})
}

// TestTokenBucketChargesBeyondTheBurst: an overrun bigger than the bucket
// is charged whole (rate.Limiter refuses such a reservation at once).
func TestTokenBucketChargesBeyondTheBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewRateLimit("r", 10, time.Second, limiter.WithAlgorithm(limiter.TokenBucket), limiter.WithBurst(5))
		require.NoError(t, err)
		ls, err := l.AcquireN(t.Context(), 5)
		require.NoError(t, err)
		require.NoError(t, ls.ReportN(25)) // 20 over: 2s of refill
		start := time.Now()
		_, err = l.AcquireN(t.Context(), 5)
		require.NoError(t, err)
		assert.Equal(t, 2500*time.Millisecond, time.Since(start).Round(time.Millisecond))
	})
}

// TestTokenBucketIsExactAboveFloatPrecision: with bursts where float64
// cannot count every unit (above 2^53), the bucket still holds exactly
// its burst when full, never more, and counts single units.
func TestTokenBucketIsExactAboveFloatPrecision(t *testing.T) {
	for _, burst := range []int64{1<<53 + 1, 1<<60 - 1, math.MaxInt64 - 1, math.MaxInt64} {
		t.Run(fmt.Sprint(burst), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				l, err := limiter.NewRateLimit("bytes", 1e9, time.Second, limiter.WithAlgorithm(limiter.TokenBucket), limiter.WithBurst(burst))
				require.NoError(t, err)
				require.Equal(t, burst, l.Capacity())
				assert.Equal(t, burst, l.Available(), "full when made")
				ls, err := l.TryAcquireN(1)
				require.NoError(t, err)
				assert.Equal(t, burst-1, l.Available())
				time.Sleep(time.Second)
				assert.Equal(t, burst, l.Available(), "refilled, and no further")
				big, err := l.TryAcquireN(burst)
				require.NoError(t, err)
				assert.Equal(t, int64(0), l.Available())
				require.NoError(t, big.ReportN(burst-7)) // refund 7
				assert.Equal(t, int64(7), l.Available())
				require.NoError(t, ls.ReportN(0)) // refund 1
				assert.Equal(t, int64(8), l.Available())
				require.NoError(t, big.ReportN(0)) // refund the rest
				assert.Equal(t, burst, l.Available(), "refunds stop at the burst")
			})
		})
	}
}

// TestTokenBucketMatchesItsModel runs random sequences of TryAcquireN,
// AcquireN (waiting), reports (refunds and charges) and the passing of
// virtual time on a TokenBucket limit with rates, periods and bursts of
// every scale up to MaxInt64, against bucketModel, and checks after each
// step that
//   - the limit admits exactly what the model admits, no more and no less,
//     and a wait ends at the very nanosecond the model's units fall due;
//   - 0 <= Available() <= Capacity(), and Available() is the model's.
func TestTokenBucketMatchesItsModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		rapid.SyncTest(rt, func(rt *rapid.T) {
			limit := scaled(math.MaxInt64).Draw(rt, "limit")
			period := time.Duration(scaled(math.MaxInt64).Draw(rt, "period"))
			burst := scaled(math.MaxInt64).Draw(rt, "burst")
			l, err := limiter.NewRateLimit("units", limit, period, limiter.WithAlgorithm(limiter.TokenBucket), limiter.WithBurst(burst))
			require.NoError(rt, err)
			m := newBucketModel(limit, period, burst)
			start := time.Now()
			// Keep to a century of virtual time, well inside what a
			// wait can ask for (MaxInt64/2 ns).
			budget := func() int64 { return int64(100*365*24*time.Hour - time.Since(start)) }
			type held struct {
				ls       *limiter.Lease
				n, extra int64
			}
			var leases []held
			ask := func(rt *rapid.T) int64 {
				if rapid.Bool().Draw(rt, "near available") {
					return min(max(m.available()+rapid.Int64Range(-2, 2).Draw(rt, "offset"), 1), burst)
				}
				return scaled(burst).Draw(rt, "n")
			}
			rt.Repeat(map[string]func(*rapid.T){
				"try": func(rt *rapid.T) {
					n := ask(rt)
					ls, err := l.TryAcquireN(n)
					require.Equal(rt, m.take(n), err == nil, "TryAcquireN(%d) with %d available: %v", n, m.available(), err)
					if err == nil {
						leases = append(leases, held{ls: ls, n: n})
					}
				},
				"acquire": func(rt *rapid.T) {
					n := ask(rt)
					due, ok := m.delay(n)
					if !ok || due > budget() {
						rt.Skip("the units fall due after the budget")
					}
					before := time.Now()
					ls, err := l.AcquireN(rt.Context(), n)
					require.NoError(rt, err)
					require.Equal(rt, time.Duration(due), time.Since(before), "AcquireN(%d) waited", n)
					m.advance(due)
					require.True(rt, m.take(n), "the model has the units when the wait ends")
					leases = append(leases, held{ls: ls, n: n})
				},
				"report": func(rt *rapid.T) {
					if len(leases) == 0 {
						rt.Skip("no lease")
					}
					h := &leases[rapid.IntRange(0, len(leases)-1).Draw(rt, "lease")]
					var used int64
					if rapid.Bool().Draw(rt, "scaled usage") {
						used = scaled(math.MaxInt64).Draw(rt, "used")
					} else {
						used = rapid.Int64Range(0, h.n+min(3, math.MaxInt64-h.n)).Draw(rt, "used")
					}
					require.NoError(rt, h.ls.ReportN(used))
					m.adjust(used - h.n - h.extra)
					h.extra = used - h.n
				},
				"advance": func(rt *rapid.T) {
					d := min(scaled(math.MaxInt64).Draw(rt, "d"), budget())
					time.Sleep(time.Duration(d))
					m.advance(d)
				},
				"": func(rt *rapid.T) {
					avail := l.Available()
					require.GreaterOrEqual(rt, avail, int64(0))
					require.LessOrEqual(rt, avail, l.Capacity())
					require.Equal(rt, m.available(), avail, "Available")
				},
			})
		})
	})
}

// scaled draws an int64 in [1, hi] from every scale: small, within 3 of
// a power of two (2^53, where float64 stops counting every integer, among
// them), within 1000 of MaxInt64, or anywhere.
func scaled(hi int64) *rapid.Generator[int64] {
	return rapid.Custom(func(t *rapid.T) int64 {
		var v int64
		switch rapid.IntRange(0, 3).Draw(t, "scale") {
		case 0:
			v = rapid.Int64Range(1, 1000).Draw(t, "small")
		case 1:
			v = int64(1)<<rapid.IntRange(0, 62).Draw(t, "log2") + rapid.Int64Range(-3, 3).Draw(t, "offset")
		case 2:
			v = math.MaxInt64 - rapid.Int64Range(0, 1000).Draw(t, "below max")
		default:
			v = rapid.Int64Range(1, math.MaxInt64).Draw(t, "any")
		}
		return min(max(v, 1), hi)
	})
}

// bucketModel is a token bucket in exact integers: scaled is the tokens
// times the period, so refilling d nanoseconds adds d*limit, with no
// rounding, and never beyond the burst. A charge may take it into debt
// down to -MaxInt64 tokens, where the limit's own count saturates.
type bucketModel struct {
	scaled, limit, period, full, floor *big.Int
}

func newBucketModel(limit int64, period time.Duration, burst int64) *bucketModel {
	p := big.NewInt(int64(period))
	full := new(big.Int).Mul(big.NewInt(burst), p)
	return &bucketModel{
		scaled: new(big.Int).Set(full), // made full
		limit:  big.NewInt(limit),
		period: p,
		full:   full,
		floor:  new(big.Int).Mul(big.NewInt(-math.MaxInt64), p),
	}
}

func (m *bucketModel) units(n int64) *big.Int { return new(big.Int).Mul(big.NewInt(n), m.period) }

func (m *bucketModel) advance(d int64) {
	m.scaled.Add(m.scaled, new(big.Int).Mul(big.NewInt(d), m.limit))
	if m.scaled.Cmp(m.full) > 0 {
		m.scaled.Set(m.full)
	}
}

func (m *bucketModel) take(n int64) bool {
	u := m.units(n)
	if m.scaled.Cmp(u) < 0 {
		return false
	}
	m.scaled.Sub(m.scaled, u)
	return true
}

// adjust refunds (delta < 0), up to a full bucket, or charges delta.
func (m *bucketModel) adjust(delta int64) {
	if delta < 0 {
		m.scaled.Sub(m.scaled, m.units(delta))
		if m.scaled.Cmp(m.full) > 0 {
			m.scaled.Set(m.full)
		}
		return
	}
	m.scaled.Sub(m.scaled, m.units(delta))
	if m.scaled.Cmp(m.floor) < 0 {
		m.scaled.Set(m.floor)
	}
}

// delay is the nanoseconds until n tokens are there, false beyond MaxInt64.
func (m *bucketModel) delay(n int64) (int64, bool) {
	short := new(big.Int).Sub(m.units(n), m.scaled)
	if short.Sign() <= 0 {
		return 0, true
	}
	d, r := new(big.Int).QuoRem(short, m.limit, new(big.Int))
	if r.Sign() > 0 {
		d.Add(d, big.NewInt(1))
	}
	return d.Int64(), d.IsInt64()
}

func (m *bucketModel) available() int64 {
	if m.scaled.Sign() <= 0 {
		return 0
	}
	return new(big.Int).Quo(m.scaled, m.period).Int64()
}
