package limiter

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// GCRA's bounds. Its tick (see gcra) is at most 1ns, and 1/10 ns at the
// highest rate, gcraMaxRate. tat may run at most gcraMaxTicks ahead of
// now, so a burst is at most gcraMaxTicks/k units. Ticks saturate at
// MaxInt64/2, so that tat + cost never overflows; so the clock counts time
// for at least 14 years after the limit is made (73 at rates of 10^9 per
// second or less, where a nanosecond is under 2 ticks), then stands still.
const (
	gcraMaxRate  = 10 // units per nanosecond: 10^10 per second
	gcraMaxTicks = math.MaxInt64 / 4
)

// gcra is the generic cell rate algorithm over one atomic word: the
// theoretical arrival time (tat) of the next unit. Taking n units at time
// now is allowed when max(tat, now) + n*T - now <= B*T, for emission
// interval T = period/limit and burst B; it moves tat to max(tat, now) + n*T.
//
// Time is counted in ticks of T/k, with k = ceil(T / 1ns): a unit costs
// exactly k ticks, so no rounding accumulates however T divides, and a tick
// is at most a nanosecond, so reading the clock to the tick (rounding down)
// shifts an event by less than a nanosecond. Hence over any window of
// length W it admits at most B + R*(W + 1ns) units.
type gcra struct {
	_     [64]byte // keep tat off the Limit's read-mostly cache line
	tat   atomic.Int64
	_     [56]byte
	k     int64  // ticks per unit
	burst int64  // B*k: the most tat may run ahead of now
	num   uint64 // ticks per den nanoseconds
	den   uint64
	clk   *clock
}

// newGCRA returns a GCRA meter, or nil and the largest burst it can count
// at this rate if burst is larger. Callers have checked gcraTooFast.
func newGCRA(limit int64, period time.Duration, burst int64, clk *clock) (*gcra, int64) {
	num, den := uint64(limit), uint64(period)
	g := gcd(num, den)
	num, den = num/g, den/g
	k := max((den+num-1)/num, 1) // ceil(T in ns)
	if maxBurst := gcraMaxTicks / k; uint64(burst) > maxBurst {
		return nil, int64(maxBurst)
	}
	return &gcra{k: int64(k), burst: burst * int64(k), num: num * k, den: den, clk: clk}, 0
}

// gcraTooFast reports whether limit per period is above gcraMaxRate.
func gcraTooFast(limit int64, period time.Duration) bool {
	hi, lo := bits.Mul64(uint64(period), gcraMaxRate)
	return hi == 0 && uint64(limit) > lo
}

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// ticks converts nanoseconds since the epoch to ticks, rounding down.
func (g *gcra) ticks(ns int64) int64 {
	if ns <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(ns), g.num)
	if hi >= g.den {
		return math.MaxInt64 / 2
	}
	q, _ := bits.Div64(hi, lo, g.den)
	return int64(min(q, math.MaxInt64/2))
}

// nanos is the first nanosecond at which ticks reaches t.
func (g *gcra) nanos(t int64) int64 {
	if t <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(t), g.den)
	if hi >= g.num {
		return math.MaxInt64
	}
	q, r := bits.Div64(hi, lo, g.num)
	if r != 0 {
		q++
	}
	return int64(min(q, math.MaxInt64))
}

// cost is n units in ticks, saturating so that a huge charge cannot wrap.
func (g *gcra) cost(n int64) int64 {
	if n > math.MaxInt64/4/g.k {
		return math.MaxInt64 / 4
	}
	return n * g.k
}

// take, adjust, delay and available read the clock after tat, on every
// try: a tat loaded first was stored by a take that read the clock before
// this one does, so it is never judged by an older time than its own.
// Read the other way round, a goroutine descheduled in between compared a
// fresh tat with a stale now and refused with the burst nowhere near
// spent.
func (g *gcra) take(n int64) (int64, bool) {
	c := n * g.k
	for {
		tat := g.tat.Load()
		now := g.ticks(g.clk.now())
		next := max(tat, now) + c
		if next-now > g.burst {
			return 0, false
		}
		if g.tat.CompareAndSwap(tat, next) {
			return 0, true
		}
	}
}

// untake moves tat back by n units. If tat was behind now before the take,
// it lands on now, which admits exactly what the older tat did.
func (g *gcra) untake(n, _ int64) { g.tat.Add(-n * g.k) }

func (g *gcra) delay(n int64) (time.Duration, bool) {
	due := g.tat.Load() + n*g.k - g.burst // first tick at which n fit
	ns := g.clk.now()
	if due <= g.ticks(ns) {
		return 0, true
	}
	return time.Duration(g.nanos(due) - ns), true
}

func (g *gcra) adjust(delta, _ int64) bool {
	if delta < 0 {
		g.tat.Add(-g.cost(-delta))
		return true
	}
	c := g.cost(delta)
	for {
		tat := g.tat.Load()
		now := g.ticks(g.clk.now())
		if g.tat.CompareAndSwap(tat, min(max(tat, now)+c, math.MaxInt64/2)) {
			return false
		}
	}
}

func (g *gcra) release(int64) bool { return false }

func (g *gcra) available() int64 {
	backlog := max(g.tat.Load()-g.ticks(g.clk.now()), 0)
	return max(g.burst-backlog, 0) / g.k
}
