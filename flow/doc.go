// Package flow builds streaming pipelines: a source, stages, and a sink
// that runs them.
//
//	results, err := flow.From(urls).
//		Pool(fetch, pool.WithMaxWorkers(16)).
//		Collect(ctx)
//
// A [Flow] is a lazy description. Building one starts nothing; each call
// of a sink runs it once, under the context the sink gets, and returns
// when all of that run has ended.
//
// # Sources
//
// [From] takes a slice, [FromChan] a receive channel, [FromSeq] an
// iter.Seq, and [FromFunc] a generator that gets the run's context and a
// yield function. Each runs on a goroutine of its own.
//
// # Stages
//
//   - [Flow.Pool] and [Pool]: user code in parallel on a pool of workers,
//     configured with the options package pool takes (workers, balance
//     strategy, items queued per worker, on-demand workers, per-attempt
//     timeout, retries, limits), run through the same machinery as
//     pools; wrap the function with pool.Validate to check its results.
//     [PoolStateful] gives
//     each worker a state of its own, made by a constructor that gets
//     the worker's index. [Flow.Keyed] keys the items for a
//     balance.KeyAffinity strategy.
//   - [Flow.Map], [Map] and [Flow.Filter]: cheap, in-order work on one
//     goroutine.
//   - [Batch] and [Unbatch]: group items into slices by size and by
//     longest wait, and back.
//   - [Flow.Throttle]: pace the items by a shared limiter.Acquirer.
//   - [Flow.Buffer]: room between two stages.
//
// # Sinks
//
// [Flow.Collect] returns a slice, [Flow.Drain] drops the results,
// [Flow.ForEach] calls a function, [Flow.Reduce] and [Reduce] fold,
// [Flow.All] is an iterator for a range loop and [Flow.Chan] a channel.
// A sink takes the run's [Option]s: [WithContinueOnError] and
// [WithProgress].
//
// # Changing the item type
//
// Go methods cannot have type parameters of their own, so every stage
// that keeps the item type is a method (f.Pool(fn), f.Map(fn),
// f.Filter(keep)) and every stage that may change it is a function of
// the package that takes the flow first:
//
//	lines := flow.From(paths).Pool(read)               // Flow[string]
//	sizes := flow.Map(lines, func(s string) int { ... }) // Flow[int]
//	pages := flow.Pool(sizes, fetch, opts...)           // Flow[Page]
//	groups := flow.Batch(pages, 100, time.Second)       // Flow[[]Page]
//
// The methods [Flow.Pool] and [Flow.Map] are the functions [Pool] and
// [Map] with In = Out, and [Flow.Reduce] is [Reduce] with A = T.
//
// # Order
//
// Only pool stages run items in parallel, and they keep input order by
// default: a Collect gives the results in the order of the source, as a
// loop would. [Flow.Unordered] after a pool stage lets its results out as
// they finish: the same multiset of results, sooner when items take
// different times, and a little cheaper. Every other stage keeps order.
//
// Either way no worker of a pool stage waits while items it may run are
// queued for another: an idle worker takes them (keyed items excepted; see
// pool.WithStealing). Ordered, results that finish early wait in a
// bounded reorder window for the items before them, so one slow item
// holds back the output behind it, not the workers, until the window
// (sixteen times the stage's unordered window) is full.
//
// # Errors
//
// By default the first error stops the flow: the context of the run is
// cancelled with it, items in progress are dropped, and the sink returns
// it as it was made, so errors.Is and errors.As work. With
// [WithContinueOnError] an item whose function fails is dropped, the
// flow goes on, and the sink returns the results of the other items and
// every error, joined in the order they happened.
//
// A panic in a user function (a stage's, a source's, a sink's callback,
// the progress observer) is caught into a *future.PanicError, with the
// value and stack, and stops the flow in either mode, as does a call of
// runtime.Goexit (future.ErrGoexit). If the caller's context is done
// first, the sink returns its cause. Construction errors (bad options, a
// misplaced [Flow.Unordered]) are returned by the sink, which then runs
// nothing, with messages that start "flow: " and name the stage; nil
// functions, channels and contexts are programmer errors and panic where
// they are passed.
//
// # Cancellation
//
// A run ends when its source is exhausted, on the first error, when the
// caller's context is done, or when the sink stops early: a break out of
// a range over [Flow.All], a stop of [Flow.Chan]. In every case the sink
// cancels the run's context, waits until every goroutine of the flow has
// exited and every user function in progress has returned, and only then
// returns: nothing is left behind. User functions get the run's context
// and should return when it is done.
//
// # Backpressure
//
// Items travel between goroutines in chunks (slices of up to 64 items)
// over bounded channels, so a stage takes items only as fast as the one
// after it gives them on, and a slow sink slows the source. A producer
// sends a partial chunk when its own input would make it wait, so a slow
// stream is not held back; under load chunks fill.
//
// The items alive in a run (taken from the source and not yet handed to
// the caller) never exceed [Flow.Capacity]: the sum of the stages'
// capacities plus one chunk for the sink, each stage counting chunks of
// its own items (a batch counts as one item) of size S (64; a [Batch]
// stage's output chunks hold max(1, 64/size) batches):
//
//	source                  2 chunks (one being filled, one sent)
//	Map, Filter, Throttle   3 chunks (one read, one being filled, one sent)
//	Buffer(n)               2 + ceil(n/S) chunks
//	Batch(size, wait)       one chunk of input, size items, 2 chunks of batches
//	Unbatch                 one chunk of batches, 2 chunks of items
//	Pool                    W*(Q+1) + W + 3 chunks, ordered 16*W*(Q+1) + W + 3
//
// where W is the number of workers and Q = ceil(MaxQueued/S), at least
// 1: the stage admits W*(Q+1) chunks at once, queued or running (an
// ordered stage 16 times as many, its reorder window, where results that
// finished early wait for their turn), the output holds W chunks, and 3
// chunks are in hand between goroutines. With the defaults (16 queued: Q = 1) an
// unordered pool stage of 8 workers holds at most 27 chunks, 1,728 items,
// and an ordered one 267 chunks, 17,088 items.
//
// # Costs
//
// A pool stage costs the user function plus a share of the chunk
// traffic: tens of nanoseconds per item and no allocation once warm. It
// times a sample of calls and sends cheap items to its workers in full
// chunks, items of 200 µs or more one by one and those between in pieces
// of about 200 µs of work, so a few slow items still spread over all the
// workers. Measured in bench/ (bench/RESULTS.md: 8 workers, a noop
// function, a slice source, medians of five interleaved rounds on the
// project's 2-core AMD EPYC, go1.26.8): 46 ns per item unordered and 48
// ns ordered, no allocation per item, against 250-1050 ns for pond, conc,
// errgroup and ants; the channel stage alone, the layer under the pool
// stage, 18 ns either way. go test -run=^$ -bench=. ./flow measures the sinks
// one by one.
//
// Map, Filter, Throttle and Buffer cost a goroutine hop per chunk;
// Throttle also one limiter acquisition per item; Batch one allocation
// per batch, which the receiver may keep.
package flow
