package flow

import (
	"fmt"

	"github.com/sluice-go/sluice/internal/stages"
)

// Flow is a lazy description of a pipeline whose items are of type T: a
// source and the stages after it. Nothing runs until a sink ([Flow.Collect],
// [Flow.Drain], [Flow.ForEach], [Flow.Reduce], [Flow.All], [Flow.Chan], or
// the [Reduce] function) is called with a context; each such call is one
// independent run, so a Flow may be run again (what a channel, sequence
// or function source yields the second time is up to that source).
//
// Methods that keep the item type ([Flow.Pool], [Flow.Map], [Flow.Filter],
// ...) return a new Flow and leave the receiver as it was; functions of
// the package ([Pool], [Map], [Batch], ...) add stages that change it.
//
// A Flow is a small immutable value: safe to copy and to use from several
// goroutines at once. The zero value is an empty flow: it yields nothing.
// Building a flow allocates a little; a run starts a goroutine or more per
// stage and then moves items without allocating (BenchmarkPool: about
// 25-40 ns per item through a pool stage of 8 workers; see "Costs" in the
// package documentation).
type Flow[T any] struct {
	build   func(r *run) *stages.Chunks[T]
	err     error          // the first construction error, returned by the sink
	total   int64          // results if every item succeeds; -1 if unknown
	size    int            // chunk size of the flow's stream; 0 for the zero Flow
	hold    int            // items its stages may hold; see Capacity
	key     func(T) uint64 // from Keyed, for the next pool stage
	last    string         // the last stage's name, for messages
	reorder func() Flow[T] // this flow with its last (pool) stage unordered
}

// then returns the flow of f with one more stage: mk builds it on f's
// stream at run time. hold is the items the stage may hold beyond its
// input stream; total is the new total (or -1).
func then[In, Out any](f Flow[In], name string, size, hold int, total int64, mk func(r *run, in *stages.Chunks[In]) *stages.Chunks[Out]) Flow[Out] {
	if f.err != nil {
		return Flow[Out]{err: f.err, last: name}
	}
	up := f.stream
	return Flow[Out]{
		build: func(r *run) *stages.Chunks[Out] { return mk(r, up(r)) },
		total: total,
		size:  size,
		hold:  f.hold + hold,
		last:  name,
	}
}

// stream builds f for r, the zero Flow as an empty stream.
func (f Flow[T]) stream(r *run) *stages.Chunks[T] {
	if f.build == nil {
		s := stages.NewChunks[T](0, stages.DefaultChunk)
		s.Close()
		return s
	}
	return f.build(r)
}

// chunk is the chunk size f's stream uses.
func (f Flow[T]) chunk() int {
	if f.size == 0 {
		return stages.DefaultChunk
	}
	return f.size
}

// fail returns a flow that carries err to its sink and runs nothing,
// unless f already carries an error: the first one wins.
func (f Flow[T]) fail(err error, name string) Flow[T] {
	if f.err != nil {
		return f
	}
	return Flow[T]{err: err, last: name}
}

// errorf returns an error whose message starts with the package name.
func errorf(format string, args ...any) error {
	return fmt.Errorf("flow: "+format, args...)
}

// Capacity returns the most items the flow holds at once while it runs:
// items its source has taken and its sink has not yet handed to the
// caller, counting an item of each stage's own type (a batch) as one. It
// is the sum of its stages' capacities, each a whole number of chunks;
// see "Backpressure" in the package documentation for the formula.
func (f Flow[T]) Capacity() int {
	return f.hold + f.chunk() // the chunk the sink holds
}

// Unordered lets the pool stage just before it hand on each result as
// soon as it is ready, instead of in input order: the same results,
// sooner, and a little cheaper. The default is ordered; see "Order" in
// the package documentation. Unordered after any other stage (which keeps
// order anyway) makes the sink return an error.
func (f Flow[T]) Unordered() Flow[T] {
	if f.err != nil {
		return f
	}
	if f.reorder == nil {
		last := f.last
		if last == "" {
			last = "the empty flow"
		}
		return f.fail(errorf("Unordered after %s, not after a pool stage", last), "Unordered")
	}
	u := f.reorder()
	u.key = f.key
	return u
}

// Keyed gives the items of f a key, for the next pool stage: with a
// balance.KeyedStrategy (balance.KeyAffinity) all items with one key go to
// one worker, so they run one after another in their order. Stages that
// keep the item type keep the key; the next pool stage uses it. A nil key
// panics.
func (f Flow[T]) Keyed(key func(T) uint64) Flow[T] {
	if key == nil {
		panic("flow: Keyed with nil key function")
	}
	f.key = key
	return f
}
