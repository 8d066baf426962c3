package future

import "context"

// Go runs fn in a new goroutine and returns a future of its result. fn gets
// the work context ([Promise.Context]): done when ctx is done or the future
// is cancelled. A panic in fn settles the future with a [*PanicError], and
// runtime.Goexit with [ErrGoexit]; neither leaves a waiter blocked. A nil ctx
// or fn panics.
func Go[T any](ctx context.Context, fn func(ctx context.Context) (T, error)) *Future[T] {
	if fn == nil {
		panic("future: Go with nil function")
	}
	f, p := New[T](ctx)
	go p.Run(fn)
	return f
}

// Run calls fn with the work context in the calling goroutine and settles
// the future with what it returns. A panic in fn settles the future with a
// [*PanicError] and is not re-raised; runtime.Goexit settles it with
// [ErrGoexit] and goes on exiting the goroutine. If the future has already
// settled (it was cancelled), fn is not called. A nil fn panics.
func (p Promise[T]) Run(fn func(ctx context.Context) (T, error)) {
	if fn == nil {
		panic("future: Run with nil function")
	}
	if p.f.Settled() {
		return
	}
	returned := false
	defer func() {
		if returned {
			return
		}
		var zero T
		if r := recover(); r != nil {
			p.f.settle(zero, NewPanicError(r), endedSettled)
			return
		}
		p.f.settle(zero, ErrGoexit, endedSettled)
	}()
	v, err := fn(p.Context())
	returned = true
	p.f.settle(v, err, endedSettled)
}

// Then returns a future of fn applied to f's value once f settles. If f
// fails, fn is not called and the new future fails with f's error; if fn
// fails, the new future fails with that. Cancelling the new future does not
// cancel f. fn runs as a callback ([Future.OnSettled]): in the goroutine
// that settles f, or at once in the caller's if f has already settled, so
// it should be quick. A panic in fn settles the new future with a
// [*PanicError] (delivered there, so not logged) and, like any callback's,
// does not reach whoever settles f; runtime.Goexit settles it with
// [ErrGoexit]. A nil f or fn panics.
func Then[T, U any](f *Future[T], fn func(T) (U, error)) *Future[U] {
	if f == nil {
		panic("future: Then with nil future")
	}
	if fn == nil {
		panic("future: Then with nil function")
	}
	g, p := New[U](context.Background())
	f.OnSettled(func(v T, err error) {
		if err != nil {
			p.Reject(err)
			return
		}
		if p.Settled() {
			return
		}
		p.Run(func(context.Context) (U, error) { return fn(v) })
	})
	return g
}
