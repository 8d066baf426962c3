package future

import "context"

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
	w := watch(futs, false)
	for range len(futs) {
		c, ok := w.next(ctx)
		if !ok {
			return nil, context.Cause(ctx)
		}
		if c.Err != nil {
			for _, f := range futs {
				f.Cancel()
			}
			return nil, c.Err
		}
		vals[c.Index] = c.Value
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
	w := watch(futs, false)
	for range len(futs) {
		c, ok := w.next(ctx)
		if !ok {
			return nil, context.Cause(ctx)
		}
		res[c.Index] = c.Result
	}
	return res, nil
}
