package flow

import (
	"github.com/sluice-go/sluice/internal/stages"
)

// transform runs each on every item of in, on one goroutine, in order;
// each adds what the item gives to w. It catches a panic or
// runtime.Goexit in user code and stops the run with it. The stage holds
// one chunk of in, one being filled and buffer more in its output.
func transform[In, Out any](r *run, in *stages.Chunks[In], buffer int, each func(v In, w *stages.Writer[Out]) bool) *stages.Chunks[Out] {
	out := stream[Out](r, buffer, in.Size())
	go func() {
		defer out.Close()
		w := stages.NewWriter(out, r.ctx.Done())
		returned := false
		defer func() {
			if !returned {
				r.fatal(recovered(recover()))
			}
		}()
	loop:
		for !r.stopped.Load() {
			c, ok := stages.Next(in, w)
			if !ok {
				break
			}
			for _, v := range c {
				if !each(v, w) {
					in.Put(c)
					break loop
				}
			}
			in.Put(c)
		}
		returned = true
		w.Flush()
	}()
	return out
}

// transformChunks is the capacity in chunks of a transform stage with an
// output buffer of buffer chunks.
func transformChunks(buffer int) int { return 2 + buffer }

// Map returns a flow of fn applied to each item of f, in order, on one
// goroutine: the stage for cheap, pure work. For work that blocks, fails
// or should run in parallel, use [Pool]. A panic in fn stops the flow with
// a *future.PanicError. A nil fn panics.
//
// Map is the type-changing form of [Flow.Map]. The stage holds at most
// three chunks.
func Map[In, Out any](f Flow[In], fn func(v In) Out) Flow[Out] {
	if fn == nil {
		panic("flow: Map with nil function")
	}
	size := f.chunk()
	return then(f, "Map", size, transformChunks(1)*size, f.total, func(r *run, in *stages.Chunks[In]) *stages.Chunks[Out] {
		return transform(r, in, 1, func(v In, w *stages.Writer[Out]) bool { return w.Add(fn(v)) })
	})
}

// Map returns a flow of fn applied to each item, in order, on one
// goroutine. See the function [Map], which can also change the item type.
func (f Flow[T]) Map(fn func(v T) T) Flow[T] {
	return Map(f, fn).keep(f)
}

// Filter returns a flow of the items of f for which keep returns true, in
// order, on one goroutine. A panic in keep stops the flow with a
// *future.PanicError. A nil keep panics. The stage holds at most three
// chunks; it gathers the items it keeps into full chunks while its input
// keeps coming.
func (f Flow[T]) Filter(keep func(v T) bool) Flow[T] {
	if keep == nil {
		panic("flow: Filter with nil function")
	}
	size := f.chunk()
	return then(f, "Filter", size, transformChunks(1)*size, -1, func(r *run, in *stages.Chunks[T]) *stages.Chunks[T] {
		return transform(r, in, 1, func(v T, w *stages.Writer[T]) bool {
			if keep(v) {
				return w.Add(v)
			}
			return true
		})
	}).keep(f)
}

// maxBuffer is the most items a Buffer stage takes: its channel of chunks
// is allocated in full when the flow runs, and a million items held
// between two stages is a mistaken size more often than a need.
const maxBuffer = 1 << 20

// Buffer returns f with room for n more items between the stage before it
// and the stage after it, so a bursty producer or consumer does not stall
// the other; n is rounded up to whole chunks. It also gathers the small
// chunks of a trickling stream into full ones while items keep coming.
// n < 1 or n > 1<<20 (1,048,576) makes the sink return an error.
func (f Flow[T]) Buffer(n int) Flow[T] {
	if n < 1 {
		return f.fail(errorf("Buffer(%d): want at least 1 item", n), "Buffer")
	}
	if n > maxBuffer {
		return f.fail(errorf("Buffer(%d): at most %d items", n, maxBuffer), "Buffer")
	}
	size := f.chunk()
	buffer := (n + size - 1) / size
	return then(f, "Buffer", size, transformChunks(buffer)*size, f.total, func(r *run, in *stages.Chunks[T]) *stages.Chunks[T] {
		return transform(r, in, buffer, func(v T, w *stages.Writer[T]) bool { return w.Add(v) })
	}).keep(f)
}

// keep carries the key of f, whose items have the same type, over to g.
func (g Flow[T]) keep(f Flow[T]) Flow[T] {
	g.key = f.key
	return g
}
