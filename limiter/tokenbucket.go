package limiter

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// tokenBucket is a token bucket kept by a rate.Limiter. Every call goes
// through mu and reads the clock inside it, so the times handed to the
// rate.Limiter never go backwards: given an earlier time than its last,
// rate.Limiter moves its clock back and later counts that stretch twice.
type tokenBucket struct {
	mu     sync.Mutex
	lim    *rate.Limiter
	burst  int64
	perSec float64 // units per second, as rate.Limiter counts them
	clk    *clock
}

func newTokenBucket(limit int64, period time.Duration, burst int64, clk *clock) *tokenBucket {
	perSec := float64(limit) / period.Seconds()
	return &tokenBucket{
		lim:    rate.NewLimiter(rate.Limit(perSec), int(burst)),
		burst:  burst,
		perSec: perSec,
		clk:    clk,
	}
}

// take checks the tokens before AllowN because AllowN also admits a
// request short of less than a nanosecond's refill; with the check, take,
// delay and available agree on when n tokens are there.
func (b *tokenBucket) take(n int64) (int64, bool) {
	b.mu.Lock()
	t := b.clk.at(b.clk.now())
	ok := b.lim.TokensAt(t) >= float64(n) && b.lim.AllowN(t, int(n))
	b.mu.Unlock()
	return 0, ok
}

// untake gives n tokens back. rate.Limiter has no call for that; a
// reservation of -n tokens adds n, and every later read caps the bucket at
// its burst. Tests pin this behaviour of x/time/rate.
func (b *tokenBucket) untake(n, _ int64) {
	b.mu.Lock()
	b.lim.ReserveN(b.clk.at(b.clk.now()), int(-n))
	b.mu.Unlock()
}

func (b *tokenBucket) delay(n int64) (time.Duration, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.clk.now()
	want := float64(n)
	tokensIn := func(d int64) float64 { return b.lim.TokensAt(b.clk.at(now + d)) }
	tokens := tokensIn(0)
	if tokens >= want {
		return 0, true
	}
	ns := math.Ceil((want - tokens) / b.perSec * float64(time.Second))
	if ns >= math.MaxInt64/2 {
		return math.MaxInt64 / 2, true
	}
	// Settle on the first nanosecond at which rate.Limiter's own float
	// arithmetic counts n tokens, so the timer fires neither a nanosecond
	// late nor before a take can succeed.
	d := int64(ns)
	for i := 0; i < 8 && d > 1 && tokensIn(d-1) >= want; i++ {
		d--
	}
	for i := 0; i < 8 && tokensIn(d) < want; i++ {
		d++
	}
	return time.Duration(d), true
}

func (b *tokenBucket) adjust(delta, _ int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	t := b.clk.at(b.clk.now())
	if delta < 0 {
		b.lim.ReserveN(t, int(delta))
		return true
	}
	// A reservation larger than the burst is refused whole, so charge in
	// pieces; each may drive the bucket further into debt.
	for delta > 0 {
		n := min(delta, b.burst)
		b.lim.ReserveN(t, int(n))
		delta -= n
	}
	return false
}

func (b *tokenBucket) release(int64) bool { return false }

func (b *tokenBucket) available() int64 {
	b.mu.Lock()
	tokens := b.lim.TokensAt(b.clk.at(b.clk.now()))
	b.mu.Unlock()
	return max(int64(math.Floor(tokens)), 0)
}
