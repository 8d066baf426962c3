// Package stages is the channel machinery that sluice's pools and flows
// are made of: worker groups, chunked streams, the pool stage of a stream
// (Map), and the stages that batch, unbatch and throttle a stream. It is
// internal: users meet it through the pool and flow packages, and
// backends through package stage's Backend seam; this comment states the
// contract those build on.
//
// # Stages
//
// A stage is a set of goroutines between a bounded input and a bounded
// output. It reads its input only as fast as its workers take it, so every
// item it holds is in some channel of known capacity or in a worker's hands:
// memory is bounded by the sum of the capacities, and a slow consumer slows
// the source. Streams travel in [Chunks]; [Map] is the pool stage, which
// spreads a stream over a [Group] of workers.
//
// # Groups
//
// A [Group] is n workers, each with its own unbounded queue and each
// handling its items one at a time: calls of the handle function for one
// worker never overlap. Workers are goroutines that are either persistent,
// all n started by [NewGroup], or, with [WithOnDemand], started when an item
// arrives for a worker that has none and ended once the worker has been
// idle for the linger time (measured from the end of its last item; linger
// 0 ends it as soon as its queue is empty). A burst thus pays one goroutine
// start per worker, not per item, and no worker ever has two goroutines
// serving it ([Group.Alive] never exceeds n).
//
// [View.Enqueue] never blocks: the owner's strategy picks a worker from a
// [View] and the item joins that worker's queue, highest priority first
// and in order within a priority. A worker takes its next item only when
// it has finished one, so it holds one item ([Group.Handed]) and every
// other waits where the group can still move it. Unless the group is made
// [WithoutStealing], no worker stays idle while items it may run wait
// elsewhere: a worker that runs out of work takes half of the queue of the
// most loaded worker (its oldest, highest-priority items) before it parks,
// and while any worker is parked a new item goes to the one that parked
// last, a warm goroutine, whatever the owner picked. An item enqueued
// pinned never moves: keyed items keep their worker and their order. Items
// keep their own order within a worker's queue, so stealing and priorities
// compose: a thief gets the victim's items in the order the victim would
// have run them.
//
// A [View] is what a [balance.Strategy] picks from: each worker's items,
// queued or running, and the items ever assigned to it (a stolen item
// counts on both workers). A running item's load is lowered when its
// handle call returns, or earlier with [Group.Release], so that a caller
// who reacts to a result sees the worker free.
//
// [Group.Resize] changes the number of workers while the group runs: it
// publishes a new View; retired workers finish the item they run, and
// their queued items go back to the owner, in order, to be placed again.
// Enqueueing through a stale View onto a retired worker fails with
// [ErrRetired], so the owner picks again. Resize never waits for a worker.
// [Group.Close] stops intake and lets the workers finish everything they
// were given; [Group.Abort] also takes back every item no worker has
// started and hands each, exactly once, to a drop function so the owner can
// settle it. [Group.Wait] waits for the goroutines. A handle that calls
// runtime.Goexit finishes its item; its worker serves on in a new
// goroutine. Queues give their memory back once they drain.
//
// # Chunks
//
// Handing a value from one goroutine to another through a channel costs
// tens of nanoseconds, more when goroutines contend for it: as much as a
// small task itself. [Chunks] moves slices of up to [Chunks.Size] items
// ([DefaultChunk] by default), so a stream pays one channel operation per
// chunk, not per item, and it keeps a free list of spent chunks, so in
// steady state it allocates nothing.
//
// The producer takes an empty chunk with [Chunks.Get], fills it, sends it
// with [Chunks.Send], which gives up when its done channel closes (an empty
// chunk counts as sent and goes straight back to the free list), and calls
// [Chunks.Close] once when it is done, cancelled or not. The consumer ranges
// over [Chunks.C] and hands each chunk back with [Chunks.Put] once it no
// longer uses the chunk's memory; Put clears the items so the free list
// keeps nothing alive. A chunk never put back is simply garbage.
//
// # Map
//
// [Map] reads chunks from its input and places each on the worker that
// [Config.Strategy] picks (loads count chunks), in a [Group] like a pool's:
// the fan-out never waits for one worker while another has room, and an
// idle worker takes queued chunks from a busy one. The fan-out waits only
// for a credit: the stage admits a window of Workers×(Queue+1) chunks at
// once, queued or running, and a chunk's credit comes back once its result
// is out. With a [balance.KeyedStrategy] and a [Config.Key] it splits each
// chunk into runs of items bound for one worker, pinned there, so all items
// with one key run on one worker and come out in input order even when the
// output is unordered. Each worker calls the map function for every item of
// a chunk; the function appends none, one or more results, so Map also
// filters and flat-maps.
//
// Unordered output comes as chunks finish. Ordered output goes through a
// reorder window: every chunk carries its sequence number, results wait in
// a ring until the chunks before them are out, and the window is
// [ReorderFactor] times the unordered one, so a slow chunk holds back the
// output behind it but not the workers, until the window is full.
//
// A Map stage holds at most [Config.Capacity] items: the chunk being
// placed, the window of chunks queued, running or waiting for their turn,
// and the output channel's buffer.
//
// # Ownership
//
// Whoever makes a thing closes it, once:
//
//   - The producer of a [Chunks] closes it; the consumer never does.
//   - [Map] never closes its input; it puts back every chunk it reads. It
//     owns the stream it returns and closes it once its workers have
//     returned and all results are out.
//   - The caller of [NewGroup] calls [Group.Close] or [Group.Abort] (both
//     may be called again) and then [Group.Wait]; Enqueue after either
//     fails with [ErrClosed]. Items handed to drop by Abort are the caller's to settle.
//   - [Emit] and [Chunks.Send] close nothing.
//
// # Cancellation and leaks
//
// Every call that may block takes a ctx or a done channel and stops
// waiting when it is done: [Chunks.Send], [Emit], and policy.Run between
// attempts. [View.Enqueue] and [Group.Resize] never block.
// Once a Map stage's ctx is done its fan-out stops reading, its workers
// skip the chunks they still hold without calling the map function, and
// nothing in it blocks, so the consumer may stop reading as soon as it has
// cancelled: every goroutine Map started exits once the calls of the map
// function in progress return. The output is then incomplete: unordered,
// some of the results; ordered, a prefix of the full output, ending at a
// chunk boundary, never one with gaps. A producer must stop on the same ctx
// (send with ctx.Done()) and close its stream, since nobody reads it any
// more. A group's goroutines end after Close once every item given to them
// is handled, after Abort once the running items return, and on-demand ones
// also after their linger. The tests check every package with goleak.
//
// # Costs
//
// Measured in bench/ (bench/RESULTS.md, BenchmarkStream and
// BenchmarkOrderedStream, subject sluice-stage: medians of five interleaved
// rounds on the project's 2-core Intel Xeon, go1.26.8): a Map stage of 8
// workers over a noop function on ints, in chunks of 64, costs 14 ns per
// item unordered and 15 ns ordered, with no allocation per item.
package stages
