package flow

import (
	"github.com/sluice-go/sluice/internal/stages"
	"github.com/sluice-go/sluice/internal/typednil"
	"github.com/sluice-go/sluice/limiter"
)

// Throttle returns f with each item passing only once it has acquired
// lim's default request, released at once: a rate or call limit paces the
// flow. Any number of stages, flows and pools may share one lim and stay
// within it together. (To bound work in progress, a resource limit, give
// it to a pool stage's options instead.) A limit that can never grant the
// request stops the flow with the limiter's error. The stage
// (stages.Throttle) holds at most three chunks. A nil lim panics.
func (f Flow[T]) Throttle(lim limiter.Acquirer) Flow[T] {
	if typednil.Is(lim) {
		panic("flow: Throttle with " + typednil.Name(lim) + " limit")
	}
	size := f.chunk()
	return then(f, "Throttle", size, 3*size, f.total, func(r *run, in *stages.Chunks[T]) *stages.Chunks[T] {
		return watch(r, stages.Throttle(r.ctx, in, lim, r.fatal))
	}).keep(f)
}
