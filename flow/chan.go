package flow

import (
	"context"
	"sync"
)

// Chan runs the flow on a goroutine of its own and returns a channel of
// its results, in the flow's order, closed at the end of the run once
// every goroutine of the flow has exited; the channel holds up to one
// chunk (64 results).
//
// stop ends the run if it is still going (an early stop is not an error),
// waits for the end, and returns the flow's error, as [Flow.Collect]
// does; it may be called any number of times, from any goroutine. A
// consumer that reads until the channel is closed need not call stop
// except for the error. A consumer that walks away must call stop or
// cancel ctx: until then the flow waits for it, holding its goroutines.
// With [WithProgress], the observer runs on the flow's goroutine. A nil
// ctx panics.
func (f Flow[T]) Chan(ctx context.Context, opts ...Option) (results <-chan T, stop func() error) {
	checkCtx(ctx, "Chan")
	ch := make(chan T, f.chunk())
	quit := make(chan struct{})
	ended := make(chan struct{})
	var err error
	go func() {
		defer close(ended)
		defer close(ch)
		err = drive(ctx, f, opts, func(r *run, c []T) bool {
			done := r.ctx.Done()
			for _, v := range c {
				select {
				case ch <- v:
				case <-quit:
					return false
				case <-done:
					return false
				}
			}
			return true
		})
	}()
	var once sync.Once
	return ch, func() error {
		once.Do(func() { close(quit) })
		<-ended
		return err
	}
}
