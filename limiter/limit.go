package limiter

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Limit is one named limit: a rate limit ([NewRateLimit]), a call limit
// ([NewCallLimit]) or a resource limit ([NewResourceLimit]). It is an
// [Acquirer] on its own and a member of any number of [Set]s.
//
// Use it as a *Limit made by one of the constructors; the zero value is not
// usable. A Limit is safe for concurrent use by any number of goroutines,
// pools and sets: share it by passing the pointer. It must not be copied.
//
// Cost (BenchmarkLimitAcquire, see the package documentation for the
// figures): an acquisition that need not wait is one allocation (the
// [Lease]) and, for GCRA and resource limits, one atomic compare-and-swap:
// no lock, so contention costs little. TokenBucket, SlidingWindow and
// FixedWindow take a mutex per call. An acquisition that waits parks its
// goroutine until a release, a refund or a timer set for the exact instant
// its units fall due.
type Limit struct {
	name     string
	id       uint64 // lock order among limits
	kind     kind
	alg      Algorithm
	capacity int64
	dflt     int64
	period   time.Duration
	limit    int64
	m        meter
	clk      clock
	self     alt // the default request, for Acquire and TryAcquire

	waiting atomic.Int64 // len(queue), read by the fast path
	mu      sync.Mutex   // guards queue
	queue   queue
}

type kind uint8

const (
	rateKind kind = iota
	callKind
	resourceKind
)

var lastID atomic.Uint64

// NewRateLimit returns a limit that admits limit units per period with
// algorithm [GCRA] and burst limit, unless [WithAlgorithm] or [WithBurst]
// say otherwise. Units are whatever the caller counts: requests, LLM tokens,
// bytes. A [Lease] from it can report actual usage: [GCRA] and [TokenBucket]
// refund units asked for but not used; every algorithm charges units used
// beyond the request.
//
// A name that is empty, a limit, period or burst that is not positive, a
// size [GCRA] cannot count (below), or a default request outside
// [0, capacity] is an error wrapping [ErrInvalidLimit] and naming the limit
// and the value.
//
// Sizes up to MaxInt64 are counted exactly, with two bounds for GCRA: a
// rate of at most 10^10 units per second, and a burst B with B*ceil(T) at
// most 2^61-1, T being period/limit in nanoseconds (so at most 2^61-1
// units, and a burst that refills within about 73 years). A GCRA limit's
// clock runs for at least 14 years after it is made (73 at 10^9 units per
// second or less); then it stops refilling. [TokenBucket] has no bounds.
func NewRateLimit(name string, limit int64, period time.Duration, opts ...Option) (*Limit, error) {
	return newRate(rateKind, name, limit, period, GCRA, opts)
}

// NewCallLimit returns a limit on the number of calls: calls per period,
// counted with [SlidingWindow] (so no period ever holds more than calls)
// unless [WithAlgorithm] says otherwise. A call counts once whatever is
// reported afterwards: [Lease.Report] to a call limit does nothing. Errors
// are as for [NewRateLimit].
func NewCallLimit(name string, calls int64, period time.Duration, opts ...Option) (*Limit, error) {
	return newRate(callKind, name, calls, period, SlidingWindow, opts)
}

// NewResourceLimit returns a limit on units held at once (connections,
// GPUs, memory in any unit): an acquisition holds its units until
// [Lease.Release]. Report does not change what is held. Only
// [WithDefaultRequest] applies. A name that is empty or a capacity that is
// not positive is an error wrapping [ErrInvalidLimit].
func NewResourceLimit(name string, capacity int64, opts ...Option) (*Limit, error) {
	var c config
	for _, o := range opts {
		o(&c)
	}
	if err := checkCommon(name, capacity, "capacity"); err != nil {
		return nil, err
	}
	if c.algSet || c.burstSet {
		return nil, limitErr(name, ErrInvalidLimit, "WithAlgorithm and WithBurst apply only to rate and call limits")
	}
	l := &Limit{name: name, kind: resourceKind, capacity: capacity, limit: capacity}
	l.m = &resource{capacity: capacity}
	return l.finish(c)
}

func newRate(k kind, name string, limit int64, period time.Duration, dflt Algorithm, opts []Option) (*Limit, error) {
	c := config{alg: dflt, burst: limit}
	for _, o := range opts {
		o(&c)
	}
	if err := checkCommon(name, limit, "limit"); err != nil {
		return nil, err
	}
	if period <= 0 {
		return nil, limitErr(name, ErrInvalidLimit, "period must be positive, got %v", period)
	}
	l := &Limit{name: name, kind: k, alg: c.alg, period: period, limit: limit, clk: newClock()}
	switch c.alg {
	case GCRA, TokenBucket:
		if c.burst <= 0 {
			return nil, limitErr(name, ErrInvalidLimit, "burst must be positive, got %d", c.burst)
		}
		l.capacity = c.burst
	case SlidingWindow, FixedWindow:
		if c.burstSet {
			return nil, limitErr(name, ErrInvalidLimit, "WithBurst applies only to GCRA and TokenBucket, not %v", c.alg)
		}
		l.capacity = limit
	default:
		return nil, limitErr(name, ErrInvalidLimit, "unknown algorithm %v", c.alg)
	}
	switch c.alg {
	case GCRA:
		if gcraTooFast(limit, period) {
			return nil, limitErr(name, ErrInvalidLimit, "limit %d per %v is above 10^10 units per second, the highest rate GCRA counts; count in larger units or use WithAlgorithm(TokenBucket)", limit, period)
		}
		g, maxBurst := newGCRA(limit, period, c.burst, &l.clk)
		if g == nil {
			burst := fmt.Sprintf("WithBurst(%d)", c.burst)
			if !c.burstSet {
				burst = fmt.Sprintf("burst %d (the default: the limit)", c.burst)
			}
			return nil, limitErr(name, ErrInvalidLimit, "%s is above %d, the largest burst GCRA counts at %d per %v; use WithAlgorithm(TokenBucket)", burst, maxBurst, limit, period)
		}
		l.m = g
	case TokenBucket:
		l.m = newTokenBucket(limit, period, c.burst, &l.clk)
	case SlidingWindow:
		l.m = newSlidingWindow(limit, period, &l.clk)
	case FixedWindow:
		l.m = newFixedWindow(limit, period, &l.clk)
	}
	return l.finish(c)
}

func checkCommon(name string, n int64, what string) error {
	if name == "" {
		return &LimitError{Err: ErrInvalidLimit, Msg: "limit name is empty"}
	}
	if n <= 0 {
		return limitErr(name, ErrInvalidLimit, "%s must be positive, got %d", what, n)
	}
	return nil
}

func (l *Limit) finish(c config) (*Limit, error) {
	l.dflt = 1
	if c.dfltSet {
		l.dflt = c.dflt
	}
	if err := l.check(l.dflt); err != nil {
		return nil, limitErr(l.name, ErrInvalidLimit, "default request: %s", err.(*LimitError).Msg)
	}
	l.id = lastID.Add(1)
	l.self = alt{{l: l, n: l.dflt}}
	return l, nil
}

// check validates a request of n units.
func (l *Limit) check(n int64) error {
	if n < 0 {
		return limitErr(l.name, ErrInvalidRequest, "request of %d units is negative", n)
	}
	if n > l.capacity {
		return limitErr(l.name, ErrExceedsCapacity, "request of %d units exceeds capacity %d", n, l.capacity)
	}
	return nil
}

// Name returns the limit's name, its key in a [Set] and a [Request].
func (l *Limit) Name() string { return l.name }

// Capacity returns the largest request the limit can grant at once: the
// burst of GCRA and TokenBucket, the limit of the window algorithms, the
// capacity of a resource limit.
func (l *Limit) Capacity() int64 { return l.capacity }

// Available returns the units that could be taken now if no one were
// waiting: a snapshot, stale as soon as it returns; for metrics and tests.
func (l *Limit) Available() int64 { return l.m.available() }

// Waiting returns how many acquisitions are queued on the limit now.
func (l *Limit) Waiting() int { return int(l.waiting.Load()) }

// String describes the limit, e.g. `tokens: 1000 per 1m0s (GCRA, burst 1000)`.
func (l *Limit) String() string {
	switch {
	case l.kind == resourceKind:
		return fmt.Sprintf("%s: %d held at once", l.name, l.capacity)
	case l.alg.bursts():
		return fmt.Sprintf("%s: %d per %v (%v, burst %d)", l.name, l.limit, l.period, l.alg, l.capacity)
	}
	return fmt.Sprintf("%s: %d per %v (%v)", l.name, l.limit, l.period, l.alg)
}

// Acquire waits for the limit's default request (1 unit, or
// [WithDefaultRequest]) and returns a lease on it. See [Limit.AcquireN].
func (l *Limit) Acquire(ctx context.Context) (*Lease, error) {
	return l.AcquireN(ctx, l.dflt)
}

// TryAcquire is [Limit.Acquire] without waiting: it returns a lease, or
// false if the units are not free now or others are already waiting.
func (l *Limit) TryAcquire() (*Lease, bool) {
	ls, err := l.TryAcquireN(l.dflt)
	return ls, err == nil
}
