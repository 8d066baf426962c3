package policy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/internal/typednil"
	"github.com/sluice-go/sluice/limiter"
)

// Policy is how every task of a pool or a flow stage runs: a timeout per
// attempt, retries with backoff, and a limit each attempt acquires first.
// It is the one implementation both pools and flows use. The zero value
// calls the function once, as is.
//
// A Policy is a plain value; once in use it must not be changed. Its
// methods are safe for concurrent use.
type Policy struct {
	// Timeout bounds each attempt; 0 means none. The attempt's context is
	// then done after Timeout with context.DeadlineExceeded, and a result
	// that comes after the deadline is discarded: the attempt fails with
	// an error matching [ErrTimeout] and context.DeadlineExceeded.
	Timeout time.Duration
	// Retry says how often and when a failed attempt is tried again.
	// Retries stay on the same worker.
	Retry Retry
	// Limit, if set, is acquired before each attempt and released after
	// it, whatever the attempt did; the attempt reaches its lease with
	// limiter.FromContext to report usage. Waiting for the limit counts
	// against neither the timeout nor the attempts.
	Limit limiter.Acquirer
}

// Check reports a negative timeout, a bad retry or a typed-nil limit such
// as (*limiter.Limit)(nil), naming it; callers check once, before the
// policy is used, so that [Run] need not. A nil p is an error too.
func (p *Policy) Check() error {
	if p == nil {
		return errors.New("policy: nil Policy")
	}
	if p.Timeout < 0 {
		return fmt.Errorf("policy: timeout %v is negative", p.Timeout)
	}
	if p.Limit != nil && typednil.Is(p.Limit) {
		return fmt.Errorf("policy: limit %s is a nil pointer", typednil.Name(p.Limit))
	}
	return p.Retry.Validate()
}

// Plain reports whether the policy does nothing beyond calling the
// function, so callers can skip [Run] on their hot path.
func (p *Policy) Plain() bool {
	return p.Timeout == 0 && p.Retry.Attempts <= 1 && p.Limit == nil
}

// Run calls fn(ctx, worker, in) as the policy says and returns the result
// of the last attempt. It stops retrying when ctx is done, returning the
// last attempt's error. A panic in fn is not recovered here: it goes up to
// the caller, which turns it into a *future.PanicError. A nil ctx, p or fn
// panics; p should have passed [Policy.Check].
func Run[In, Out any](ctx context.Context, p *Policy, fn func(ctx context.Context, worker int, in In) (Out, error), worker int, in In) (Out, error) {
	return RunExpiring(ctx, p, fn, worker, in, nil)
}

// RunExpiring is [Run] that also calls expire, from a timer's goroutine, at
// the deadline of the last attempt the policy allows if fn has not
// returned by then, with the error that attempt will fail with: an owner
// that settles a result (a pool's future) can settle it at the deadline
// while fn, which cannot be stopped, runs on. expire nil is Run.
func RunExpiring[In, Out any](ctx context.Context, p *Policy, fn func(ctx context.Context, worker int, in In) (Out, error), worker int, in In, expire func(error)) (Out, error) {
	switch {
	case ctx == nil:
		panic("policy: Run with nil context")
	case p == nil:
		panic("policy: Run with nil Policy")
	case fn == nil:
		panic("policy: Run with nil function")
	}
	attempts := max(p.Retry.Attempts, 1)
	for a := 1; ; a++ {
		var onDeadline func(error)
		if a == attempts {
			onDeadline = expire
		}
		v, err := attempt(ctx, p, fn, worker, in, onDeadline)
		if err == nil || a >= attempts || !p.retryable(ctx, err) {
			return v, err
		}
		if !sleep(ctx, p.Retry.Backoff.Delay(a)) {
			return v, err
		}
	}
}

// ErrTimeout is the error of an attempt whose deadline ([Policy].Timeout)
// passed before it returned. It matches context.DeadlineExceeded. Package
// pool exports it as pool.ErrTimeout.
var ErrTimeout = fmt.Errorf("attempt timed out: %w", context.DeadlineExceeded)

// attempt makes one attempt: it acquires the limit, bounds the call by the
// timeout and discards a result that comes too late. onDeadline, if not
// nil, is called at the deadline if fn has not returned by then.
func attempt[In, Out any](ctx context.Context, p *Policy, fn func(ctx context.Context, worker int, in In) (Out, error), worker int, in In, onDeadline func(error)) (Out, error) {
	if p.Limit != nil {
		lease, err := p.Limit.Acquire(ctx)
		if err != nil {
			var zero Out
			return zero, err
		}
		defer lease.Release()
		ctx = limiter.NewContext(ctx, lease)
	}
	if p.Timeout <= 0 {
		return fn(ctx, worker, in)
	}
	tctx, cancel := context.WithTimeoutCause(ctx, p.Timeout, ErrTimeout)
	defer cancel()
	expired := func() bool { return context.Cause(tctx) == ErrTimeout }
	if onDeadline != nil {
		stop := context.AfterFunc(tctx, func() {
			if expired() {
				onDeadline(ErrTimeout)
			}
		})
		defer stop()
	}
	v, err := fn(tctx, worker, in)
	if expired() {
		var zero Out
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			return zero, ErrTimeout
		}
		return zero, fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	return v, err
}

func (p *Policy) retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if _, ok := errors.AsType[*future.PanicError](err); ok {
		return false
	}
	if p.Retry.If != nil {
		return p.Retry.If(err)
	}
	return !errors.Is(err, context.Canceled)
}
