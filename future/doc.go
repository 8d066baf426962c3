// Package future provides [Future], a value of type T or an error that
// becomes known later, the [Promise] that settles it, and ways to wait on
// many at once: [All], [AllSettled], [AsCompleted], [Completed], [Wait] and
// [First]. Pools hand back futures from Submit; [Go] makes one from a
// function.
//
// # Settling
//
// A future settles exactly once: with a value, with an error, or cancelled.
// [Promise.Resolve], [Promise.Reject], [Promise.Settle], [Future.Cancel] and
// the end of the work started by [Go] or [Promise.Run] all race to settle it;
// the first wins and every later attempt does nothing and reports false.
// Once settled, a future never changes, and every waiter and callback sees
// the same value and error.
//
// # Waiting
//
// Completion is a closed channel, [Future.Done]; nothing in this package
// polls. [Future.Wait] blocks until the future settles. [Future.Await] also
// gives up when its ctx is done, and then returns context.Cause(ctx) and
// leaves the future untouched: giving up waiting is not cancelling, since
// the future may have other waiters. [Future.TryResult] and
// [Future.Settled] never block. Whenever an outcome is already in hand it
// wins over a done ctx, here and in every gathering function.
//
// # Cancelling
//
// Cancellation is cooperative. [Future.Cancel] settles a pending future at
// once with [ErrCancelled] (which matches context.Canceled), releasing its
// waiters, and cancels the work's context ([Promise.Context]) so the work can
// stop early; what the work returns afterwards is dropped. On a future that
// has already settled, Cancel does nothing and returns false. The work's
// context is also done when the ctx given to [New] or [Go] is done, and
// once the future settles, so whatever the work derived from it (a
// context.WithTimeout, say) is released. Deriving from it starts no
// goroutine, and a derived context is done by the time Cancel returns.
//
// # Callbacks
//
// [Future.OnSettled] runs a function with the outcome: at once if the future
// has settled, otherwise in the goroutine that settles it, after its waiters
// are released, in the order registered. Callbacks must be quick and must
// not block. [Then] chains a function onto a future this way.
//
// Settling never panics because of a callback, since the goroutine that
// settles a future is often a pool's worker with tasks queued behind it. A
// callback's panic is recovered into a [*PanicError], with the value and
// the stack, and goes no further: the other callbacks still run, every
// waiter has woken, and the call that settled the future returns as usual
// (as does OnSettled, for a callback run at once). The panic is reported
// once: to the handler given with [WithPanicHandler] for that callback, or
// else through the standard library's log package, as "future: callback
// panic: VALUE" and the stack, which goes to os.Stderr unless the program
// redirects its log (log.SetOutput, slog.SetDefault). There is no
// package-wide handler: whoever registers a callback decides where its
// panics go. A panic in the function given to [Then] is not lost either:
// it is the derived future's outcome, as below, and is not logged.
//
// A callback that calls runtime.Goexit cannot be stopped: the other
// callbacks still run, and then the settling goroutine goes on exiting.
//
// # Panics and Goexit
//
// A panic in the function run by [Go], [Promise.Run] or [Then] settles its
// future with a [*PanicError], which keeps the value and the stack and
// unwraps to the value if that is an error; the panic does not go on. A
// function that calls runtime.Goexit (t.FailNow does) settles its future with
// [ErrGoexit] and the goroutine goes on exiting. The hand-off is made in a
// deferred call, so neither ever leaves a waiter blocked. A callback's
// panic has no future of its own to settle: see "Callbacks".
//
// # Gathering
//
// [All] returns every value in input order and fails on the first error,
// cancelling the rest. [AllSettled] returns every [Result]. [AsCompleted]
// (an iterator) and [Completed] (a channel) deliver each future's index and
// result in the order they settle. [Wait] splits futures into done and
// pending once [AllCompleted], [FirstCompleted] or [FirstError] holds.
// [First] returns the first success and cancels the rest. If their ctx ends
// first they report context.Cause(ctx) and leave the futures untouched,
// cancelling nothing. None of them starts a goroutine per future, or at all:
// each puts a callback on every pending future that pushes into a buffer
// with room for all of them, so nothing ever waits to deliver and nothing
// leaks when a caller stops listening.
//
// # Bad input
//
// A nil ctx, a nil function, a nil future in a list, a nil error given to
// [Failed] or [Promise.Reject], and a [ReturnWhen] other than the constants
// are programmer errors: they panic at the call with a message that starts
// "future: ". An empty list is fine: [All] and [AllSettled] return an empty
// slice and nil, [Wait] returns nil slices and nil, [AsCompleted] yields
// nothing, [Completed] returns a closed channel, and [First] returns an
// error, as there is nothing to succeed.
//
// # Costs
//
// Medians of `go test -run='^$' -bench=. -count=5 ./future` on the
// project's 2-core machine (go1.26.8, 2026-12-02; an Intel Xeon unless said
// otherwise; read them as ratios):
//
//   - BenchmarkNewResolveAwait: making, resolving and awaiting a future in
//     one goroutine, 87 ns and 1 allocation of 160 bytes on the Intel Xeon
//     of the day's earlier runs; with the future slimmed to 104 bytes, 1
//     allocation of 112 bytes, and 116 ns against 158 for the 160-byte
//     future in 5 interleaved runs of both builds on the AMD EPYC of the
//     evening's runs. Now a Future[int] is 88 bytes (1 allocation of 96)
//     and a settle nothing hooked takes no lock: 92 ns against 118 for the
//     104-byte future, medians of 5 interleaved runs of both builds on the
//     EPYC, under load.
//   - BenchmarkAwaitSettled: awaiting a settled future, 2.0 ns on the Xeon,
//     3 to 4 ns on the EPYC, no allocation.
//   - BenchmarkGo: [Go] with a no-op and awaiting it, 528 ns and 2
//     allocations; the goroutine and its wake-up are most of it.
//   - BenchmarkAll: gathering settled futures costs 69 ns per future at
//     n=1024 (4 allocations per call); gathering n=1024 fresh [Go] tasks
//     costs 590 ns per future, all in. Since [All] and [AllSettled] wake
//     their caller once, not once per future, and see to settled futures
//     without a callback, the EPYC's medians of 5 interleaved runs of both
//     builds are 7.5 against 69 ns per settled future at n=1024 (8 KiB
//     against 41 KiB per call), and 392 against 464 ns per fresh [Go]
//     task (475 against 750 at n=16).
//
// Doing nothing with the work's context costs nothing: it lives inside the
// future and builds its channel only when asked for Done.
package future
