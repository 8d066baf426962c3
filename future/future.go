package future

import (
	"context"
)

// Future is a value of type T, or an error, that becomes known later: the
// read side of a result that a [Promise] (or [Go], or a pool) settles exactly
// once.
//
// Use it as a *Future; the zero value is not usable: make one with [New],
// [Go], [Resolved] or [Failed], or [Init] one in place. A Future is safe
// for concurrent use by any number of goroutines and must not be copied.
//
// Cost, as medians of interleaved `go test -run='^$' -bench=. ./future`
// runs on the project's 2-core machine: creating, resolving and awaiting a
// future is one allocation of 96 bytes (a Future[int] is 88) and about
// 90 ns (BenchmarkNewResolveAwait); awaiting a settled future takes 2 to
// 4 ns and allocates nothing (BenchmarkAwaitSettled).
// Awaiting a pending one allocates its Done channel once; the work's context
// allocates only if the work asks for its Done. See the package doc's Costs.
type Future[T any] struct {
	// work.state says who may write what (see pending). work.mu guards
	// the fields below as well as the work's: one lock.
	work workCtx

	done chan struct{}     // made when first needed, closed on settle
	cbs  *[]func(T, error) // made by the first OnSettled before settling

	val T
	err error
}

// A future's state. A settle of a pending future needs no lock: it swaps
// pending for settling, writes the outcome and stores settled. Anything
// that a settle must see to (a channel to close, callbacks to run, a link
// to the parent, an early end of the work) is made under work.mu by
// someone who first swapped pending for hooked (lockHooked), so a settle
// that finds the future hooked takes the lock and sees to it. settled is
// final; val and err are read once it is seen.
const (
	pending  uint32 = iota
	settled         // by either path
	hooked          // pending, with something for the settle to see to
	settling        // a lock-free settle is writing the outcome
)

// closedChan is returned by Done for futures settled before anyone asked.
var closedChan = func() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}()

// New returns a pending future and the promise that settles it. ctx is the
// parent of the work's context ([Promise.Context]): the work is cancelled
// when ctx is done or the future is cancelled. A nil ctx panics.
func New[T any](ctx context.Context) (*Future[T], Promise[T]) {
	if ctx == nil {
		panic("future: New with nil context")
	}
	f := &Future[T]{}
	f.work.parent = ctx
	return f, Promise[T]{f: f}
}

// Init makes f pending, as [New] makes a new future, and returns the
// promise that settles it. It is for a Future that lives inside a struct
// of one's own, so that one allocation holds both: a pool keeps each
// task's future and input together this way. f must be a zero Future that
// nobody else holds yet; Init panics if f was made by [New], [Resolved],
// [Failed] or another Init, or if ctx is nil. A *Future so made is used
// as any other; it keeps its enclosing struct alive.
func Init[T any](f *Future[T], ctx context.Context) Promise[T] {
	if ctx == nil {
		panic("future: Init with nil context")
	}
	if f.work.parent != nil {
		panic("future: Init of a future already made")
	}
	f.work.parent = ctx
	return Promise[T]{f: f}
}

// Resolved returns a future already settled with v.
func Resolved[T any](v T) *Future[T] {
	f := &Future[T]{val: v}
	f.work.parent = context.Background()
	f.work.ended = endedSettled
	f.work.state.Store(settled)
	return f
}

// Failed returns a future already settled with err. A nil err panics: a
// failed future needs a reason.
func Failed[T any](err error) *Future[T] {
	if err == nil {
		panic("future: Failed with nil error")
	}
	f := Resolved(*new(T))
	f.err = err
	return f
}

// settle records the outcome if the future is still pending, wakes waiters,
// ends the work's context for the reason by (endedSettled, or
// endedCancelled for Cancel) and runs callbacks. It reports whether this
// call settled the future; once it returns, the future has settled.
func (f *Future[T]) settle(v T, err error, by endedBy) bool {
	w := &f.work
	if w.state.CompareAndSwap(pending, settling) {
		// Nothing is hooked: no waiter's channel, no callback, no link,
		// and the work's context has not ended.
		f.val, f.err = v, err
		w.ended = by
		w.state.Store(settled)
		return true
	}
	w.lockHooked()
	if w.state.Load() == settled {
		w.mu.Unlock()
		return false
	}
	f.val, f.err = v, err
	w.state.Store(settled)
	done, cbs := f.done, f.cbs
	if cbs != nil {
		f.cbs = nil
	}
	// The work is over: release what it derived from its context.
	finish := w.endLocked(by)
	w.mu.Unlock()
	if done != nil {
		close(done)
	}
	if finish != nil {
		finish()
	}
	if cbs != nil {
		runCallbacks(*cbs, v, err)
	}
	return true
}

// Settled reports whether the future has a value or an error. It never
// blocks.
func (f *Future[T]) Settled() bool { return f.work.state.Load() == settled }

// TryResult returns the future's value and error and ok true if it has
// settled, and zero values and ok false if it has not. It never blocks.
func (f *Future[T]) TryResult() (v T, err error, ok bool) {
	if f.work.state.Load() != settled {
		return v, nil, false
	}
	return f.val, f.err, true
}

// Done returns a channel that is closed once the future settles, for use in
// select. Once settled, the value and error are read with [Future.TryResult]
// or [Future.Wait] without blocking.
func (f *Future[T]) Done() <-chan struct{} {
	if f.work.state.Load() == settled {
		return closedChan
	}
	f.work.lockHooked()
	defer f.work.mu.Unlock()
	if f.work.state.Load() == settled {
		return closedChan
	}
	if f.done == nil {
		f.done = make(chan struct{})
	}
	return f.done
}

// Await blocks until the future settles and returns its value and error, or
// until ctx is done and returns ctx's error (its cause, if it has one)
// leaving the future untouched: giving up waiting does not cancel the work.
// A settled future's outcome wins over a done ctx. A nil ctx panics.
func (f *Future[T]) Await(ctx context.Context) (T, error) {
	if ctx == nil {
		panic("future: Await with nil context")
	}
	if f.work.state.Load() == settled {
		return f.val, f.err
	}
	cancel := ctx.Done()
	if cancel == nil { // a plain receive wakes sooner than a select
		<-f.Done()
		return f.val, f.err
	}
	select {
	case <-f.Done():
		return f.val, f.err
	case <-cancel:
		if f.work.state.Load() == settled {
			return f.val, f.err
		}
		var zero T
		return zero, context.Cause(ctx)
	}
}

// Wait blocks until the future settles and returns its value and error. Use
// [Future.Await] to give up on a context.
func (f *Future[T]) Wait() (T, error) {
	if f.work.state.Load() != settled {
		<-f.Done()
	}
	return f.val, f.err
}

// Cancel settles a pending future with an error matching context.Canceled
// ([ErrCancelled]) and cancels the context of the work behind it. The work
// is told, not stopped: it should return once its context is done, and what
// it returns then is dropped. Waiters are released at once.
//
// Cancel reports whether it cancelled the future; on a future that has
// already settled it does nothing and returns false.
func (f *Future[T]) Cancel() bool {
	if f.work.state.Load() == settled {
		return false
	}
	var zero T
	return f.settle(zero, ErrCancelled, endedCancelled)
}
