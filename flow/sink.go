package flow

import (
	"context"
)

// drive runs f under ctx: it builds the stages, hands each chunk of
// results to each (which reports false to stop early) and, however it
// ends (each may panic or call runtime.Goexit), ends the run and waits
// for all of it before it returns. It returns the run's error.
func drive[T any](ctx context.Context, f Flow[T], opts []Option, each func(r *run, c []T) bool) error {
	if f.err != nil {
		return f.err
	}
	r, err := newRun(ctx, opts)
	if err != nil {
		return err
	}
	out := f.stream(r)
	finished := false
	defer func() {
		if !finished {
			r.stop()
			r.finish()
		}
	}()
	var done int64
	if err := r.progress(0, f.total); err != nil {
		r.fatal(err)
	}
	for c := range out.C() {
		if r.ctx.Err() != nil {
			out.Put(c) // stopping: drain
			continue
		}
		more := each(r, c)
		done += int64(len(c))
		out.Put(c)
		if err := r.progress(done, f.total); err != nil {
			r.fatal(err)
		}
		if !more {
			r.stop()
		}
	}
	interrupted := r.ctx.Err() != nil
	r.finish()
	finished = true
	err = r.result(interrupted, r.seen)
	if perr := r.progress(done, f.total); perr != nil && err == nil {
		return perr
	}
	return err
}

// guard runs fn, the sink's user code for one chunk, and reports whether
// it returned; a panic or runtime.Goexit in it is recorded.
func guard(r *run, fn func() bool) (more bool) {
	returned := false
	defer func() {
		if !returned {
			r.fatal(recovered(recover()))
		}
	}()
	more = fn()
	returned = true
	return more
}

// Collect runs the flow and returns its results: in input order if every
// pool stage is ordered (the default). On an error it returns the results
// it got before, with the error; under [WithContinueOnError], the results
// of every item that succeeded and the errors joined. If ctx is done
// first, the error is ctx's cause. A nil ctx panics.
func (f Flow[T]) Collect(ctx context.Context, opts ...Option) ([]T, error) {
	checkCtx(ctx, "Collect")
	var res []T
	if f.total > 0 {
		res = make([]T, 0, f.total)
	}
	err := drive(ctx, f, opts, func(_ *run, c []T) bool {
		res = append(res, c...)
		return true
	})
	return res, err
}

// Drain runs the flow for its effects, dropping the results, and returns
// its error as [Flow.Collect] does. A nil ctx panics.
func (f Flow[T]) Drain(ctx context.Context, opts ...Option) error {
	checkCtx(ctx, "Drain")
	return drive(ctx, f, opts, func(*run, []T) bool { return true })
}

// ForEach runs the flow and calls fn with each result, one at a time, on
// the caller's goroutine, in the flow's order. An error from fn counts as
// the failure of that item: it stops the flow and is returned (or, with
// [WithContinueOnError], is kept and the flow goes on). A panic in fn
// stops the flow with a *future.PanicError. A nil ctx or fn panics.
func (f Flow[T]) ForEach(ctx context.Context, fn func(v T) error, opts ...Option) error {
	checkCtx(ctx, "ForEach")
	if fn == nil {
		panic("flow: ForEach with nil function")
	}
	return drive(ctx, f, opts, func(r *run, c []T) bool {
		return guard(r, func() bool {
			for _, v := range c {
				if err := fn(v); err != nil {
					r.fail(err)
					if r.ctx.Err() != nil {
						return false
					}
				}
			}
			return true
		})
	})
}

// Reduce runs the flow and folds its results into acc, starting from
// init, with fn on the caller's goroutine, in the flow's order. It returns
// what it folded so far with the error, as [Flow.Collect] does. See the
// function [Reduce] for an accumulator of another type. A nil ctx or fn
// panics.
func (f Flow[T]) Reduce(ctx context.Context, init T, fn func(acc, v T) T, opts ...Option) (T, error) {
	checkCtx(ctx, "Reduce")
	return Reduce(ctx, f, init, fn, opts...)
}

// Reduce runs f and folds its results into an accumulator of type A,
// starting from init, with fn on the caller's goroutine, in the flow's
// order. A panic in fn stops the flow with a *future.PanicError. It
// returns what it folded so far with the error, as [Flow.Collect] does. A
// nil ctx or fn panics.
func Reduce[T, A any](ctx context.Context, f Flow[T], init A, fn func(acc A, v T) A, opts ...Option) (A, error) {
	checkCtx(ctx, "Reduce")
	if fn == nil {
		panic("flow: Reduce with nil function")
	}
	acc := init
	err := drive(ctx, f, opts, func(r *run, c []T) bool {
		return guard(r, func() bool {
			for _, v := range c {
				acc = fn(acc, v)
			}
			return true
		})
	})
	return acc, err
}
