package pool

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluice-go/sluice/internal/policy"
)

// Retry says how often a failed task is tried again and when, for
// [WithRetry]:
//
//	pool.WithRetry(pool.Retry{
//		Attempts: 5,
//		Backoff:  pool.Exponential(time.Millisecond, time.Second),
//		Jitter:   true,
//		If:       isTransient,
//	})
//
// The zero value tries once. Retries stay on the same worker; a panic is
// never retried.
type Retry struct {
	// Attempts is the number of tries in all, first included; 0 means 1.
	Attempts int
	// Backoff is the wait before each retry; the zero Backoff retries at
	// once.
	Backoff Backoff
	// Jitter draws each wait uniformly from [0, d) instead of waiting the
	// d Backoff gives ("full jitter"), so that the retries of many tasks
	// spread out.
	Jitter bool
	// If decides whether an error is worth a retry; nil retries every
	// error except the task context's cancellation and a
	// *future.PanicError (a panic is a bug, not a transient failure). It
	// sees a validator's rejection ([ErrInvalid]) and a timeout
	// ([ErrTimeout]) too.
	If func(err error) bool
}

// Backoff is the wait before each retry: [Constant], [Linear],
// [Exponential], [Fibonacci], or a function of your own ([BackoffFunc]).
// The zero value waits nothing. A Backoff is a plain value, safe to copy
// and share.
type Backoff struct {
	b    policy.Backoff
	made string // the constructor, for messages
}

// Constant waits d before every retry.
func Constant(d time.Duration) Backoff {
	return Backoff{b: policy.Backoff{Kind: policy.Constant, Base: d}, made: "Constant"}
}

// Linear waits base, 2*base, 3*base, ... before the retries, each wait
// capped at max (0: no cap).
func Linear(base, max time.Duration) Backoff {
	return Backoff{b: policy.Backoff{Kind: policy.Linear, Base: base, Max: max}, made: "Linear"}
}

// Exponential waits base, 2*base, 4*base, ... before the retries, each
// wait capped at max (0: no cap).
func Exponential(base, max time.Duration) Backoff {
	return Backoff{b: policy.Backoff{Kind: policy.Exponential, Base: base, Max: max}, made: "Exponential"}
}

// Fibonacci waits base, base, 2*base, 3*base, 5*base, ... before the
// retries, each wait capped at max (0: no cap).
func Fibonacci(base, max time.Duration) Backoff {
	return Backoff{b: policy.Backoff{Kind: policy.Fibonacci, Base: base, Max: max}, made: "Fibonacci"}
}

// BackoffFunc waits fn(retry) before retry number retry (1 for the first
// retry); a negative wait counts as 0. fn is called on the worker, between
// attempts, and must be safe for concurrent use.
func BackoffFunc(fn func(retry int) time.Duration) Backoff {
	return Backoff{b: policy.Backoff{Func: fn}, made: "BackoffFunc"}
}

// Delay returns the wait before retry number retry (1 for the first
// retry), without jitter.
func (b Backoff) Delay(retry int) time.Duration {
	d := b.b
	d.Jitter = false
	return d.Delay(retry)
}

// policy checks r and returns it as the policy runs it.
func (r Retry) policy() (policy.Retry, error) {
	b := r.Backoff.b
	b.Jitter = r.Jitter
	pr := policy.Retry{Attempts: r.Attempts, Backoff: b, If: r.If}
	if r.Attempts < 0 {
		return pr, fmt.Errorf("attempts %d is negative", r.Attempts)
	}
	if r.Backoff.made == "BackoffFunc" && b.Func == nil {
		return pr, errors.New("BackoffFunc(nil): want a function")
	}
	if err := b.Validate(); err != nil {
		return pr, fmt.Errorf("%s: %w", r.Backoff.made, err)
	}
	return pr, nil
}

// ErrTimeout is the error of an attempt that [WithTimeout]'s deadline
// ended before it returned. It matches context.DeadlineExceeded. A pool's
// future fails with it at the deadline, even if the function ignores its
// context.
var ErrTimeout = policy.ErrTimeout

// ErrInvalid is what a result that [Validate]'s check rejected fails its
// attempt with, wrapped together with the check's error.
var ErrInvalid = errors.New("pool: result rejected by validator")

// Validate returns fn with each successful result checked: an error from
// check fails the attempt with an error matching both [ErrInvalid] and
// the check's error, so [WithRetry] tries it again if attempts are left
// (and Retry.If accepts it). check never sees a failed attempt's result.
// The result is fn's type, for [New] and flow.Pool, so a check of another
// type does not compile:
//
//	p, err := pool.New(pool.Validate(fetch, notEmpty), pool.WithRetry(pool.Retry{Attempts: 3}))
//
// In a stateful pool ([NewStateful]), or a backend of your own, check in
// the function itself and return fmt.Errorf("%w: %w", pool.ErrInvalid,
// err) to reject a result. A nil fn or check panics.
func Validate[In, Out any](fn func(ctx context.Context, in In) (Out, error), check func(Out) error) func(ctx context.Context, in In) (Out, error) {
	if fn == nil || check == nil {
		panic("pool: Validate with nil function or check")
	}
	return func(ctx context.Context, in In) (Out, error) {
		v, err := fn(ctx, in)
		if err != nil {
			return v, err
		}
		if cerr := check(v); cerr != nil {
			return v, fmt.Errorf("%w: %w", ErrInvalid, cerr)
		}
		return v, nil
	}
}
