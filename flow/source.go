package flow

import (
	"context"
	"iter"

	"github.com/sluice-go/sluice/internal/stages"
)

// Every source runs on one goroutine of its own and sends its items in
// chunks on a stream with a buffer of one chunk: it holds at most two
// chunks (one being filled, one in the buffer).
const sourceChunks = 2

// From returns a flow whose source is items, in order. The slice is read
// when the flow runs (each run reads it again) and must not change while
// a run is going. Its length is the flow's known total (see [Progress]).
// A nil or empty slice gives an empty flow.
func From[T any](items []T) Flow[T] {
	return source("From", int64(len(items)), func(r *run, out *stages.Chunks[T]) {
		size := out.Size()
		for i := 0; i < len(items) && !r.stopped.Load(); i += size {
			if !out.Send(r.ctx.Done(), append(out.Get(), items[i:min(i+size, len(items))]...)) {
				return
			}
		}
	})
}

// source returns a flow whose source is produce, run on a goroutine of its
// own that closes out when produce returns; total is the number of items
// if known, else -1.
func source[T any](name string, total int64, produce func(r *run, out *stages.Chunks[T])) Flow[T] {
	size := stages.DefaultChunk
	return Flow[T]{
		build: func(r *run) *stages.Chunks[T] {
			out := stream[T](r, 1, size)
			go func() {
				defer out.Close()
				produce(r, out)
			}()
			return out
		},
		total: total,
		size:  size,
		hold:  sourceChunks * size,
		last:  name,
	}
}

// FromChan returns a flow whose source is what arrives on ch, until ch is
// closed or the run ends. It takes items as they come: one, waiting, then
// as many more as are there at once, up to a chunk, so a slow channel's
// items go on without delay and a fast one's travel in full chunks.
// Several runs share what ch delivers. A nil ch panics.
func FromChan[T any](ch <-chan T) Flow[T] {
	if ch == nil {
		panic("flow: FromChan with nil channel")
	}
	return source("FromChan", -1, func(r *run, out *stages.Chunks[T]) { fromChan(r, ch, out) })
}

func fromChan[T any](r *run, ch <-chan T, out *stages.Chunks[T]) {
	done := r.ctx.Done()
	for !r.stopped.Load() {
		var v T
		var ok bool
		select {
		case v, ok = <-ch:
		case <-done:
			return
		}
		if !ok {
			return
		}
		c := append(out.Get(), v)
	fill:
		for len(c) < out.Size() {
			select {
			case v, ok = <-ch:
				if !ok {
					out.Send(done, c)
					return
				}
				c = append(c, v)
			default:
				break fill
			}
		}
		if !out.Send(done, c) {
			return
		}
	}
}

// FromSeq returns a flow whose source is seq, run on a goroutine of the
// flow: its yield returns false once the run ends. A panic in seq stops
// the flow with a *future.PanicError. A sequence that blocks inside
// itself delays the end of an interrupted run until it yields again; use
// [FromFunc] for a source that should see the run's context. A nil seq
// panics.
func FromSeq[T any](seq iter.Seq[T]) Flow[T] {
	if seq == nil {
		panic("flow: FromSeq with nil sequence")
	}
	return FromFunc(func(_ context.Context, yield func(T) bool) error {
		seq(yield)
		return nil
	}).named("FromSeq")
}

// FromFunc returns a flow whose source is gen, run on a goroutine of the
// flow with the run's context: gen calls yield for each item, and stops
// when yield returns false (the run is ending) or when ctx is done. The
// error gen returns fails the flow (see "Errors" in the package
// documentation); after yield has returned false it is ignored. A panic in
// gen stops the flow with a *future.PanicError. A nil gen panics.
//
// Items go on in chunks that fill while the stages after the source are
// busy, and leave one by one while they wait.
func FromFunc[T any](gen func(ctx context.Context, yield func(T) bool) error) Flow[T] {
	if gen == nil {
		panic("flow: FromFunc with nil function")
	}
	return source("FromFunc", -1, func(r *run, out *stages.Chunks[T]) { fromFunc(r, gen, out) })
}

func fromFunc[T any](r *run, gen func(ctx context.Context, yield func(T) bool) error, out *stages.Chunks[T]) {
	w := stages.NewWriter(out, r.ctx.Done())
	returned := false
	defer func() {
		if !returned {
			r.fatal(recovered(recover()))
		}
	}()
	err := gen(r.ctx, func(v T) bool {
		return !r.stopped.Load() && w.AddEager(v)
	})
	returned = true
	if err != nil {
		r.fail(err)
	}
	w.Flush()
}

// named returns f with its last stage called name, for messages.
func (f Flow[T]) named(name string) Flow[T] {
	f.last = name
	return f
}
