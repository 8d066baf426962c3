package limiter

import (
	"fmt"
	"time"
)

// Algorithm chooses how a rate or call limit decides what to admit. See the
// package documentation ("Choosing an algorithm") for what each admits.
//
// The zero value is [GCRA].
type Algorithm int

const (
	// GCRA is the generic cell rate algorithm, also known as the leaky
	// bucket as a meter. With rate R (limit/period) and burst B it admits,
	// over any closed window of length T, at most B + R*(T + 1ns) units
	// (the nanosecond is its clock's resolution), and lets a steady demand
	// through at exactly R. It refunds, has a lock-free fast path and is the
	// default for [NewRateLimit]. It counts rates up to 10^10 units per
	// second and bursts up to 2^61-1 units (see [NewRateLimit]).
	GCRA Algorithm = iota

	// TokenBucket is a token bucket: rate R, bucket size B, counted in
	// integers, so it is exact for every burst and rate an int64 holds. It
	// admits what GCRA admits (at most B + R*T over any window of length T)
	// and refunds, but every call takes a mutex. Charges beyond the bucket
	// run it into debt, of at most MaxInt64 units.
	TokenBucket

	// SlidingWindow keeps a log of admissions: over every window (t-P, t]
	// of one period P it admits at most limit units. It does not refund and
	// keeps one log entry per admission still inside the window. It is the
	// default for [NewCallLimit].
	SlidingWindow

	// FixedWindow counts admissions in consecutive windows of one period,
	// the first starting when the limit is made: each such window admits
	// at most limit units, but a window of length P that straddles two of
	// them may see up to 2*limit. It does not refund.
	FixedWindow
)

// String returns the algorithm's name, as spelt in Go.
func (a Algorithm) String() string {
	switch a {
	case GCRA:
		return "GCRA"
	case TokenBucket:
		return "TokenBucket"
	case SlidingWindow:
		return "SlidingWindow"
	case FixedWindow:
		return "FixedWindow"
	}
	return fmt.Sprintf("Algorithm(%d)", int(a))
}

// refunds reports whether reported usage below the request gives units back.
func (a Algorithm) refunds() bool { return a == GCRA || a == TokenBucket }

// bursts reports whether WithBurst applies.
func (a Algorithm) bursts() bool { return a == GCRA || a == TokenBucket }

// meter is one limit's accounting: what is taken, when more will be free.
// Every method is safe for concurrent use on its own; the Limit's mutex
// only orders waiters, it does not guard a meter.
type meter interface {
	// take takes n units (0 < n <= capacity) if they are free now. stamp
	// identifies the take for untake and adjust.
	take(n int64) (stamp int64, ok bool)
	// untake is the exact inverse of a take that just succeeded.
	untake(n, stamp int64)
	// delay says how long until n units will be free, if nothing else is
	// taken meanwhile; ok is false when the passing of time alone will not
	// free them (a resource waits for a release).
	delay(n int64) (d time.Duration, ok bool)
	// adjust settles reported usage: delta > 0 charges more units now,
	// delta < 0 refunds. It returns whether capacity grew.
	adjust(delta, stamp int64) (grew bool)
	// release gives back n held units; it reports whether capacity grew.
	release(n int64) (grew bool)
	// available is how many units could be taken now, ignoring waiters.
	available() int64
}

// clock reads time as nanoseconds since a limit was made. It uses the
// monotonic clock, so it is virtual time inside a testing/synctest bubble
// when the limit is made inside the bubble. Tests may replace it with read
// (export_test.go), to stop a goroutine between reading the clock and
// acting on what it read, which virtual time cannot do.
type clock struct {
	epoch time.Time
	read  func() int64
}

func newClock() clock { return clock{epoch: time.Now()} }

func (c *clock) now() int64 {
	if c.read != nil {
		return c.read()
	}
	return int64(time.Since(c.epoch))
}
