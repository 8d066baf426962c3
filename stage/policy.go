package stage

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/limiter"
)

// Policy is how every task of a pool or a flow stage runs: a timeout per
// attempt, retries with backoff, a validator that may demand a retry, and
// a limit each attempt acquires first. It is the one implementation both
// pools and flows use. The zero value calls the function once, as is.
//
// A Policy is a plain value; once in use it must not be changed. Its
// methods are safe for concurrent use.
type Policy[Out any] struct {
	// Timeout bounds each attempt; 0 means none. The attempt's context is
	// then done after Timeout with context.DeadlineExceeded.
	Timeout time.Duration
	// Retry says how often and when a failed attempt is tried again.
	// Retries stay on the same worker.
	Retry Retry
	// Validate, if set, checks each successful result; an error makes the
	// attempt fail (wrapped with [ErrInvalid]), and so retry if retries are
	// left.
	Validate func(Out) error
	// Limit, if set, is acquired before each attempt and released after
	// it, whatever the attempt did; the attempt reaches its lease with
	// limiter.FromContext to report usage. Waiting for the limit counts
	// against neither the timeout nor the attempts.
	Limit limiter.Acquirer
}

// Check reports a negative timeout, a bad retry or a typed-nil limit such
// as (*limiter.Limit)(nil), naming it; callers check once, before the
// policy is used, so that [Run] need not. A nil p is an error too.
func (p *Policy[Out]) Check() error {
	if p == nil {
		return errors.New("stage: nil Policy")
	}
	if p.Timeout < 0 {
		return fmt.Errorf("stage: timeout %v is negative", p.Timeout)
	}
	if p.Limit != nil && typedNil(p.Limit) {
		return fmt.Errorf("stage: limit (%T)(nil) is a nil pointer", p.Limit)
	}
	return p.Retry.Validate()
}

// typedNil reports whether v holds a nil pointer, function or channel,
// which passes a v == nil check and fails at its first method call.
func typedNil(v any) bool {
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Func, reflect.Chan, reflect.UnsafePointer:
		return rv.IsNil()
	}
	return false
}

// Plain reports whether the policy does nothing beyond calling the
// function, so callers can skip [Run] on their hot path.
func (p *Policy[Out]) Plain() bool {
	return p.Timeout == 0 && p.Retry.Attempts <= 1 && p.Validate == nil && p.Limit == nil
}

// Run calls fn(ctx, worker, in) as the policy says and returns the result
// of the last attempt. It stops retrying when ctx is done, returning the
// last attempt's error. A panic in fn is not recovered here: it goes up to
// the caller, which turns it into a *future.PanicError. A nil ctx, p or fn
// panics; p should have passed [Policy.Check].
func Run[In, Out any](ctx context.Context, p *Policy[Out], fn func(ctx context.Context, worker int, in In) (Out, error), worker int, in In) (Out, error) {
	switch {
	case ctx == nil:
		panic("stage: Run with nil context")
	case p == nil:
		panic("stage: Run with nil Policy")
	case fn == nil:
		panic("stage: Run with nil function")
	}
	attempts := max(p.Retry.Attempts, 1)
	for a := 1; ; a++ {
		v, err := attempt(ctx, p, fn, worker, in)
		if err == nil && p.Validate != nil {
			if verr := p.Validate(v); verr != nil {
				err = fmt.Errorf("%w: %w", ErrInvalid, verr)
			}
		}
		if err == nil || a >= attempts || !p.retryable(ctx, err) {
			return v, err
		}
		if !sleep(ctx, p.Retry.Backoff.Delay(a)) {
			return v, err
		}
	}
}

func attempt[In, Out any](ctx context.Context, p *Policy[Out], fn func(ctx context.Context, worker int, in In) (Out, error), worker int, in In) (Out, error) {
	if p.Limit != nil {
		lease, err := p.Limit.Acquire(ctx)
		if err != nil {
			var zero Out
			return zero, err
		}
		defer lease.Release()
		ctx = limiter.NewContext(ctx, lease)
	}
	if p.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.Timeout)
		defer cancel()
	}
	return fn(ctx, worker, in)
}

func (p *Policy[Out]) retryable(ctx context.Context, err error) bool {
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
