package flow

import (
	"time"

	"github.com/sluice-go/sluice/internal/stages"
)

// maxBatch is the largest batch size: a batch being filled holds its items
// in one slice, and a million items in one batch is a mistaken size more
// often than a need.
const maxBatch = 1 << 20

// Batch returns a flow of the items of f grouped into batches of up to
// size items, in order: a batch goes out when full, when wait has passed
// since its first item arrived (wait 0: no time limit), or at the end of
// the flow. Each batch is a new slice the receiver may keep; it grows as
// items come, so a large size costs memory only as items fill it (one
// allocation per batch in a steady stream, a few more while batches
// grow). The stage (stages.Batch) holds one chunk of f, the batch being
// filled and two chunks of max(1, 64/size) batches. size < 1, size >
// 1<<20 (1,048,576) or wait < 0 make the sink return an error.
//
// Batch changes the item type, so it is a function, not a method; see
// "Changing the item type" in the package documentation.
func Batch[T any](f Flow[T], size int, wait time.Duration) Flow[[]T] {
	if f.err != nil {
		return Flow[[]T]{err: f.err, last: "Batch"}
	}
	if size < 1 || wait < 0 {
		return Flow[[]T]{err: errorf("Batch(%d, %v): want size >= 1 and wait >= 0", size, wait), last: "Batch"}
	}
	if size > maxBatch {
		return Flow[[]T]{err: errorf("Batch(%d, %v): at most %d items a batch", size, wait, maxBatch), last: "Batch"}
	}
	in := f.chunk()
	out := max(1, in/size)
	// Its capacity counts batches as items, as every stage counts its own.
	hold := in + 1 + 2*out
	return then(f, "Batch", out, hold, -1, func(r *run, s *stages.Chunks[T]) *stages.Chunks[[]T] {
		return watch(r, stages.Batch(r.ctx, s, size, wait))
	})
}

// Unbatch returns a flow of the items of the batches of f, in order, in
// chunks of 64. The stage (stages.Unbatch) holds one chunk of batches and
// two chunks of items.
//
// Unbatch changes the item type, so it is a function, not a method.
func Unbatch[T any](f Flow[[]T]) Flow[T] {
	size := stages.DefaultChunk
	return then(f, "Unbatch", size, f.chunk()+2*size, -1, func(r *run, s *stages.Chunks[[]T]) *stages.Chunks[T] {
		return watch(r, stages.Unbatch(r.ctx, s, size))
	})
}
