package future

import (
	"context"
	"fmt"
)

// ReturnWhen says when [Wait] returns: the wait modes of Python's
// concurrent.futures.wait.
//
// Its zero value is [AllCompleted]. Values other than the constants below
// make Wait panic. It is a plain integer, free to copy and share.
type ReturnWhen int

const (
	// AllCompleted returns once every future has settled.
	AllCompleted ReturnWhen = iota
	// FirstCompleted returns once any future has settled.
	FirstCompleted
	// FirstError returns once any future has failed (cancellation counts), or
	// once every future has settled if none fails.
	FirstError
)

// String returns the constant's name, or ReturnWhen(N) for other values.
func (w ReturnWhen) String() string {
	switch w {
	case AllCompleted:
		return "AllCompleted"
	case FirstCompleted:
		return "FirstCompleted"
	case FirstError:
		return "FirstError"
	}
	return fmt.Sprintf("ReturnWhen(%d)", int(w))
}

// Wait waits until the condition named by when holds for futs, and splits
// them into those that have settled (done) and those that have not
// (pending), each in the order of futs. Every future lands in exactly one of
// the two, as it stood when Wait returned; done may hold more than the
// future that met the condition.
//
// If ctx is done first, err is context.Cause(ctx) and done and pending show
// the moment Wait gave up; the futures are left untouched, as
// [Future.Await] leaves them. Wait cancels nothing: to stop the stragglers,
// cancel pending. Outcomes already in hand win over a done ctx, so a
// condition that already holds returns nil even with a done ctx.
//
// With no futures, every mode returns at once with nil slices and nil. It
// starts no goroutine (see [AsCompleted]). A nil ctx, a nil future or a
// when that is not one of the constants panics.
func Wait[T any](ctx context.Context, when ReturnWhen, futs ...*Future[T]) (done, pending []*Future[T], err error) {
	checkArgs(ctx, "Wait", futs)
	if when < AllCompleted || when > FirstError {
		panic(fmt.Sprintf("future: Wait with invalid %v", when))
	}
	w := watch(futs, false)
	for range len(futs) {
		c, ok := w.next(ctx)
		if !ok {
			err = context.Cause(ctx)
			break
		}
		if when == FirstCompleted || when == FirstError && c.Err != nil {
			break
		}
	}
	for _, f := range futs {
		if f.Settled() {
			done = append(done, f)
		} else {
			pending = append(pending, f)
		}
	}
	return done, pending, err
}
