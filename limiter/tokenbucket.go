package limiter

import (
	"math"
	"math/bits"
	"sync"
	"time"
)

// tokenBucket is a token bucket counted in integers, so that every burst
// up to MaxInt64 is exact: whole tokens, and the part of the next token
// refilled so far in units of 1/period tokens. Refilling d nanoseconds adds
// d*limit of those units, in 128-bit arithmetic, so nothing rounds however
// the rate divides. (golang.org/x/time/rate, which it was built on, counts
// tokens in a float64: above 2^53 its bucket held more than its burst.)
//
// Every call holds mu and reads the clock inside it, so the bucket's time
// never goes backwards and no one acts on a stale reading.
type tokenBucket struct {
	mu     sync.Mutex
	tokens int64  // whole tokens, at most burst; below 0 after charges
	part   uint64 // of the next token, in 1/period tokens; 0 when full
	last   int64  // the clock reading tokens and part are as of
	limit  uint64 // tokens per period
	period uint64 // nanoseconds
	burst  int64
	clk    *clock
}

// minTokens is the deepest debt charges can take the bucket to.
const minTokens = -math.MaxInt64

func newTokenBucket(limit int64, period time.Duration, burst int64, clk *clock) *tokenBucket {
	return &tokenBucket{tokens: burst, limit: uint64(limit), period: uint64(period), burst: burst, clk: clk}
}

// room is how many tokens fit before the bucket is full; it needs 64
// unsigned bits, as tokens may be negative.
func (b *tokenBucket) room() uint64 { return uint64(b.burst) - uint64(b.tokens) }

// refill brings the bucket to now. Callers hold mu.
func (b *tokenBucket) refill() {
	now := b.clk.now()
	if now <= b.last {
		return
	}
	dt := uint64(now - b.last)
	b.last = now
	if b.tokens == b.burst {
		return
	}
	hi, lo := bits.Mul64(dt, b.limit)
	lo, carry := bits.Add64(lo, b.part, 0)
	hi += carry
	if hi >= b.period { // 2^64 tokens or more
		b.fill()
		return
	}
	q, r := bits.Div64(hi, lo, b.period)
	if q >= b.room() {
		b.fill()
		return
	}
	b.tokens = int64(uint64(b.tokens) + q) // below burst: no overflow
	b.part = r
}

func (b *tokenBucket) fill() { b.tokens, b.part = b.burst, 0 }

// give adds n >= 0 tokens, up to a full bucket. Callers hold mu.
func (b *tokenBucket) give(n uint64) {
	if n >= b.room() {
		b.fill()
		return
	}
	b.tokens = int64(uint64(b.tokens) + n)
}

func (b *tokenBucket) take(n int64) (int64, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	if b.tokens < n {
		return 0, false
	}
	b.tokens -= n
	return 0, true
}

// untake gives n tokens back, as if the take had not happened: taken from
// a bucket that has refilled since, the refill stops at the burst, and so
// does the return.
func (b *tokenBucket) untake(n, _ int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	b.give(uint64(n))
}

// delay is the first nanosecond at which the refill reaches n tokens:
// ceil(((n - tokens) * period - part) / limit).
func (b *tokenBucket) delay(n int64) (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	if b.tokens >= n {
		return 0, true
	}
	short := uint64(n) - uint64(b.tokens) // at most 2*MaxInt64
	hi, lo := bits.Mul64(short, b.period)
	lo, borrow := bits.Sub64(lo, b.part, 0)
	hi -= borrow
	if hi >= b.limit {
		return math.MaxInt64 / 2, true
	}
	d, r := bits.Div64(hi, lo, b.limit)
	if r != 0 {
		d++
	}
	return time.Duration(min(d, math.MaxInt64/2)), true
}

// adjust refunds (delta < 0) up to a full bucket, or charges delta > 0,
// which may take the bucket into debt, down to minTokens (with no part
// of a token: the charge beyond that is forgiven).
func (b *tokenBucket) adjust(delta, _ int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	if delta < 0 {
		b.give(uint64(-delta))
		return true
	}
	if b.tokens < minTokens+delta {
		b.tokens, b.part = minTokens, 0
		return false
	}
	b.tokens -= delta
	return false
}

func (b *tokenBucket) release(int64) bool { return false }

func (b *tokenBucket) available() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	return max(b.tokens, 0)
}
