package flow

import (
	"context"
	"iter"
)

// All returns an iterator over the results of the flow, for a range
// loop: each run of the loop runs the flow once, and the loop body gets
// (result, nil) for each result in the flow's order. If the flow fails,
// the last pair is (zero, err). Under [WithContinueOnError] each item's
// error comes as (zero, err) when the sink notices it, between results.
//
// Breaking out of the loop (or a panic or runtime.Goexit in its body)
// stops the flow: by the time the loop statement is done, every goroutine
// of the flow has exited and no user function runs. A nil ctx panics.
func (f Flow[T]) All(ctx context.Context, opts ...Option) iter.Seq2[T, error] {
	checkCtx(ctx, "All")
	return func(yield func(T, error) bool) {
		var zero T
		stopped := false
		err := drive(ctx, f, opts, func(r *run, c []T) bool {
			for _, v := range c {
				if !yield(v, nil) {
					stopped = true
					return false
				}
			}
			if !r.cfg.cont {
				return true
			}
			for _, e := range r.errorsFrom(r.seen) {
				r.seen++
				if !yield(zero, e) {
					stopped = true
					return false
				}
			}
			return true
		})
		if err != nil && !stopped {
			yield(zero, err)
		}
	}
}
