package future

import (
	"context"
	"sync/atomic"
)

// Result is the outcome of one future, its value and its error, as
// [Future.Wait] returns them; [AllSettled], [AsCompleted] and [Completed]
// deliver it.
//
// Its zero value is a zero value with no error. It is a plain value: safe
// to copy, and to read from many goroutines; it costs nothing beyond T.
type Result[T any] struct {
	Value T
	Err   error
}

// All waits for every future and returns their values in the order of futs,
// whatever order they settled in.
//
// It fails as soon as any future fails (the first failure in the order they
// settle; among futures already settled, the first in futs) and returns that
// error unchanged; it then cancels the other futures ([Future.Cancel]), since
// nobody gathering them can use their values any more. If ctx is done first,
// All returns context.Cause(ctx) and leaves the futures untouched, as
// [Future.Await] does: giving up waiting is not cancelling, and the futures
// may have other waiters. Outcomes already in hand win over a done ctx.
//
// With no futures it returns an empty, non-nil slice and nil at once. It
// starts no goroutine (see [AsCompleted]). A nil ctx or a nil future panics.
func All[T any](ctx context.Context, futs ...*Future[T]) ([]T, error) {
	checkArgs(ctx, "All", futs)
	vals := make([]T, len(futs))
	g := newGathering(len(futs))
	forEachOutcome(futs, func(i int, v T, err error) {
		if err != nil {
			g.fail(err)
			return
		}
		vals[i] = v
		g.settled()
	})
	if !g.wait(ctx) {
		return nil, context.Cause(ctx)
	}
	if g.failed.Load() {
		for _, f := range futs {
			f.Cancel()
		}
		return nil, g.err
	}
	return vals, nil
}

// AllSettled waits for every future to settle and returns each one's
// [Result] in the order of futs; failures are results, not errors. Its error
// is only ever context.Cause(ctx), when ctx is done before every future has
// settled; it then returns nil results and leaves the futures untouched.
// Outcomes already in hand win over a done ctx.
//
// With no futures it returns an empty, non-nil slice and nil at once. It
// starts no goroutine (see [AsCompleted]). A nil ctx or a nil future panics.
func AllSettled[T any](ctx context.Context, futs ...*Future[T]) ([]Result[T], error) {
	checkArgs(ctx, "AllSettled", futs)
	res := make([]Result[T], len(futs))
	g := newGathering(len(futs))
	forEachOutcome(futs, func(i int, v T, err error) {
		res[i] = Result[T]{Value: v, Err: err}
		g.settled()
	})
	if !g.wait(ctx) {
		return nil, context.Cause(ctx)
	}
	return res, nil
}

// gathering waits for a list of futures on behalf of All and AllSettled,
// with one wake-up for its caller: when the last of them settles, or at
// the first failure that fail records. Each future's outcome is written
// by a callback into a place of its own, and the last one's settled (or
// the failure) signals done, so the caller reads every outcome after it
// wakes. Futures already settled are seen to at once, in list order.
type gathering struct {
	left   atomic.Int64 // futures not yet seen to by settled
	failed atomic.Bool
	err    error         // the first failure, written before done is signalled
	done   chan struct{} // signalled once: by the last settled, or by the first fail
}

func newGathering(n int) *gathering {
	g := &gathering{done: make(chan struct{}, 1)}
	g.left.Store(int64(n))
	if n == 0 {
		g.done <- struct{}{}
	}
	return g
}

// forEachOutcome calls fn with the index and outcome of each future: at
// once, in list order, for those settled already, and as each of the
// others settles. Only a pending future costs a callback.
func forEachOutcome[T any](futs []*Future[T], fn func(i int, v T, err error)) {
	for i, f := range futs {
		if v, err, ok := f.TryResult(); ok {
			fn(i, v, err)
			continue
		}
		f.OnSettled(func(v T, err error) { fn(i, v, err) })
	}
}

// settled counts one future seen to; the last one signals done. A future
// that failed is never counted, so after a fail the count never reaches
// zero and done is signalled once.
func (g *gathering) settled() {
	if g.left.Add(-1) == 0 {
		g.done <- struct{}{}
	}
}

// fail records err unless a failure was recorded first, and signals done.
func (g *gathering) fail(err error) {
	if g.failed.CompareAndSwap(false, true) {
		g.err = err
		g.done <- struct{}{}
	}
}

// wait waits for done, or for ctx, and reports false if ctx ended first
// and done was not signalled: outcomes already in hand win over ctx.
func (g *gathering) wait(ctx context.Context) bool {
	select {
	case <-g.done:
		return true
	case <-ctx.Done():
		select {
		case <-g.done:
			return true
		default:
			return false
		}
	}
}
