package future

import (
	"context"
	"errors"
	"fmt"
)

// First returns the value of the first future to succeed, in the order they
// settle (among futures already settled, the first in futs). Once one has
// succeeded it cancels the others ([Future.Cancel]): the race is won and
// their work is wasted. Use it to hedge a request across replicas.
//
// If every future fails, the error joins all their errors, in the order of
// futs, under "future: all N failed", so errors.Is and errors.As find each of
// them. With no futures there is nothing to succeed: First returns the
// error "future: all 0 failed" at once, joining nothing.
//
// If ctx is done first, First returns context.Cause(ctx) and leaves the
// futures untouched, as [Future.Await] does. Outcomes already in hand win
// over a done ctx. It starts no goroutine (see [AsCompleted]). A nil ctx or
// a nil future panics.
func First[T any](ctx context.Context, futs ...*Future[T]) (T, error) {
	checkArgs(ctx, "First", futs)
	var zero T
	errs := make([]error, len(futs))
	w := watch(futs, false)
	for range len(futs) {
		c, ok := w.next(ctx)
		if !ok {
			return zero, context.Cause(ctx)
		}
		if c.Err == nil {
			for _, f := range futs {
				f.Cancel()
			}
			return c.Value, nil
		}
		errs[c.Index] = c.Err
	}
	if len(futs) == 0 {
		return zero, errors.New("future: all 0 failed")
	}
	return zero, fmt.Errorf("future: all %d failed: %w", len(futs), errors.Join(errs...))
}
