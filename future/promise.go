package future

import (
	"context"
	"errors"
	"fmt"
)

// ErrCancelled is the error of a future settled by [Future.Cancel]. It
// matches context.Canceled with errors.Is.
var ErrCancelled = fmt.Errorf("future: cancelled: %w", context.Canceled)

// ErrSettled is the cause of the work context's cancellation once its future
// has settled: the work is over and whatever it derived can be released.
var ErrSettled = errors.New("future: settled")

// Promise is the write side of a [Future]: the code that produces the value
// settles the future through it, exactly once. Later attempts do nothing and
// report false, so a producer racing a [Future.Cancel] needs no extra
// locking.
//
// A Promise is a small value, one pointer, safe to copy and to use from any
// goroutine; it costs nothing beyond its future (see [Future]). Its zero
// value is not usable; get one from [New].
type Promise[T any] struct {
	f *Future[T]
}

// Future returns the future this promise settles.
func (p Promise[T]) Future() *Future[T] { return p.f }

// Resolve settles the future with v. It reports whether this call settled it.
func (p Promise[T]) Resolve(v T) bool { return p.f.settle(v, nil, endedSettled) }

// Reject settles the future with err, which must not be nil (that panics).
// It reports whether this call settled the future.
func (p Promise[T]) Reject(err error) bool {
	if err == nil {
		panic("future: Reject with nil error")
	}
	var zero T
	return p.f.settle(zero, err, endedSettled)
}

// Settle settles the future with v and err, as a function returning (T,
// error) would: a non-nil err makes it a failed future (v is kept). It
// reports whether this call settled the future.
func (p Promise[T]) Settle(v T, err error) bool { return p.f.settle(v, err, endedSettled) }

// Settled reports whether the future has settled, by this promise or by
// [Future.Cancel]. Producers check it to skip work nobody waits for.
func (p Promise[T]) Settled() bool { return p.f.Settled() }

// Context returns the context the work behind the future should run with.
// It carries the values and deadline of the context given to [New], and it
// is done when that context is done, when the future is cancelled, or once
// the future has settled. context.Cause on it reports the parent's cause;
// [Promise.Cause] reports this context's own.
//
// It costs nothing until Done is called on it, so work that never looks at
// its context pays nothing for it.
func (p Promise[T]) Context() context.Context { return &p.f.work }

// Cause returns why the work's context was cancelled ([ErrCancelled],
// [ErrSettled], or the parent's cause), or nil if it has not been.
func (p Promise[T]) Cause() error { return p.f.work.causeErr() }
