package policy

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// BackoffKind is how the wait between retries grows.
type BackoffKind int

const (
	// Constant waits Base before every retry.
	Constant BackoffKind = iota
	// Linear waits Base, 2*Base, 3*Base, ...
	Linear
	// Exponential waits Base, 2*Base, 4*Base, ...
	Exponential
	// Fibonacci waits Base, Base, 2*Base, 3*Base, 5*Base, ...
	Fibonacci
)

// String returns the kind's name: "constant", "linear", "exponential" or
// "fibonacci".
func (k BackoffKind) String() string {
	switch k {
	case Constant:
		return "constant"
	case Linear:
		return "linear"
	case Exponential:
		return "exponential"
	case Fibonacci:
		return "fibonacci"
	}
	return fmt.Sprintf("BackoffKind(%d)", int(k))
}

// Backoff is the wait before each retry. The zero value retries at once.
// A Backoff is a plain value, safe to copy and share.
type Backoff struct {
	Kind BackoffKind
	// Base is the first wait and the unit the kind scales.
	Base time.Duration
	// Max caps each wait; 0 means no cap.
	Max time.Duration
	// Jitter draws each wait uniformly from [0, d) instead of waiting d
	// ("full jitter"), so retries from many tasks spread out.
	Jitter bool
	// Func, if set, replaces Kind and Base: it returns the wait before
	// retry number retry (1 for the first), which Max caps and Jitter
	// draws from. A negative wait counts as 0.
	Func func(retry int) time.Duration
}

// Validate reports a negative duration or an unknown kind, naming it.
func (b Backoff) Validate() error {
	switch {
	case b.Kind < Constant || b.Kind > Fibonacci:
		return fmt.Errorf("backoff kind %d is not one of constant, linear, exponential, fibonacci", int(b.Kind))
	case b.Base < 0:
		return fmt.Errorf("backoff base %v is negative", b.Base)
	case b.Max < 0:
		return fmt.Errorf("backoff max %v is negative", b.Max)
	}
	return nil
}

// Delay returns the wait before retry number retry (1 for the first retry),
// capped at Max and jittered if asked.
func (b Backoff) Delay(retry int) time.Duration {
	var d time.Duration
	switch {
	case retry < 1:
		return 0
	case b.Func != nil:
		d = max(b.Func(retry), 0)
	case b.Base <= 0:
		return 0
	default:
		d = b.grow(retry)
	}
	if b.Max > 0 && d > b.Max {
		d = b.Max
	}
	if b.Jitter && d > 0 {
		d = time.Duration(rand.Int64N(int64(d)))
	}
	return d
}

// grow returns the uncapped delay, saturating instead of overflowing.
func (b Backoff) grow(retry int) time.Duration {
	const limit = time.Duration(1<<63 - 1)
	mul := func(d time.Duration, k int64) time.Duration {
		if k > 0 && d > limit/time.Duration(k) {
			return limit
		}
		return d * time.Duration(k)
	}
	switch b.Kind {
	case Linear:
		return mul(b.Base, int64(retry))
	case Exponential:
		if retry > 62 {
			return limit
		}
		return mul(b.Base, int64(1)<<(retry-1))
	case Fibonacci:
		a, c := int64(1), int64(1)
		for i := 1; i < retry; i++ {
			if c > (1<<62)/2 {
				return limit
			}
			a, c = c, a+c
		}
		return mul(b.Base, a)
	}
	return b.Base
}
