// Package pool runs tasks on a long-lived pool of workers and hands back
// each result as a [future.Future].
//
// # Pools
//
// A function pool ([New]) runs one function; its workers have no state of
// their own. A stateful pool ([NewStateful]) gives every worker its own
// state W, made by a constructor that gets the worker's index: calls on one
// worker never overlap, so W needs no lock. Either way a pool has
// [WithMaxWorkers] workers, each a goroutine of its own, and the same
// [Option] set; flows take the same options for their pool stages.
//
//	p, err := pool.NewStateful(ctx, newCPUWorker, (*CPUWorker).Compute, pool.WithMaxWorkers(4))
//	futures := make([]*future.Future[int], 100)
//	for i := range futures {
//		futures[i] = p.Submit(ctx, i)
//	}
//	results, err := future.All(ctx, futures...)
//	err = p.Stop(ctx)
//
// # Backends
//
// [NewOn] runs the tasks of a pool through a stage.Backend (a worker
// process, a remote worker) instead of on the worker's goroutine; New and
// NewStateful are backends on the same seam, so balancing, queues,
// stealing, limits, retries, timeouts, futures, Stats and the Observer
// are the same for every backend. A task whose worker was lost fails with
// an error matching stage.ErrWorkerLost, and the worker's next task runs
// on a fresh one. See "Backends" in package stage.
//
// # Queues
//
// [Pool.Submit] never waits for a worker. A task goes through two layers: the
// balance strategy ([WithStrategy]; round robin unless told otherwise) picks
// a worker, and the task joins that worker's own queue, where it waits, in
// order (higher [Pool.SubmitPriority] first), until the worker takes it. A
// worker takes its next task only when it has finished one, so at most one
// task is handed to a goroutine worker at a time ([WithMaxQueued] bounds
// what backends that pipeline may hold), and a queued task can still move:
// with stealing (the default, [WithStealing]) a worker that runs out of
// work takes half of the queue of the most loaded worker, and while a
// worker is idle new tasks go to the worker that went idle last. So no free
// worker waits while tasks queue elsewhere, whatever the durations, and an
// idle pool answers from a warm goroutine. Where no worker is idle, or with
// WithStealing(false), the strategy alone places each task: round robin
// puts task i on worker i mod n, least active picks the idle worker. Tasks
// submitted with a key under key affinity never move.
//
// The only way Submit can block is a cap on pending tasks,
// [WithMaxPending] with the [Block] policy; with [Fail] it fails with
// [ErrFull] instead.
//
// # Priorities and resizing
//
// [Pool.SubmitPriority] gives a task a priority: among the tasks waiting in
// a worker's queue, higher priorities are handed to the worker first, equal
// ones in submission order. [Pool.Resize] changes the number of workers of
// a running pool: growing takes effect at once; shrinking lets the retired
// workers finish the task they run and moves their queued tasks, in order
// and with their priorities, to the workers that remain. Nothing is lost or
// run twice.
//
// # On-demand workers
//
// [WithOnDemand] starts a worker's goroutine only when a task arrives for it
// and ends it after an idle linger, so an idle pool holds no goroutines and
// a burst reuses warm ones. There are never more than MaxWorkers. A stateful
// on-demand pool makes a worker's W when the worker first runs and closes
// it when the worker's goroutine ends after the linger.
//
// # Running a task
//
// Each task runs with a context that carries the Submit context's values and
// is done when that context is done, when the task's future is cancelled,
// on a cancelled stop, or when its attempt times out ([WithTimeout]). Failed
// attempts are retried on the same worker as [WithRetry] and a [Retry]
// say (a [Backoff]: [Constant], [Linear], [Exponential], [Fibonacci] with a
// cap, or your own; full jitter; a predicate over the error):
//
//	p, err := pool.New(fetch, pool.WithRetry(pool.Retry{
//		Attempts: 3,
//		Backoff:  pool.Exponential(10*time.Millisecond, time.Second),
//		Jitter:   true,
//		If:       isTransient,
//	}))
//
// [Validate] wraps a function so that a check can reject its result and
// so demand a retry; an attempt that times out fails with [ErrTimeout].
//
// # Stopping
//
// [Pool.Stop] stops intake and drains: every accepted task still runs. If
// its context ends first it takes the cancel path of [Pool.Cancel]: tasks
// still queued settle with an error matching [ErrStopped] and
// context.Canceled, running tasks have their contexts cancelled and settle
// with future.ErrCancelled. Submit after a stop gives a future failed with
// [ErrStopped]. Nothing is lost: every accepted task settles exactly once.
//
// Cancelling a future cancels its task's context; if it was still queued it
// is skipped. The worker is not harmed either way.
//
// # Panics
//
// A task that panics settles its future with a *future.PanicError (value
// and stack) and the worker goes on serving, with the same state W: a
// stateful worker is not rebuilt, so a W that a panic may leave broken
// should repair itself, or return an error matching stage.ErrWorkerLost,
// which makes the worker's next task get a new W. A task that calls runtime.Goexit settles with
// future.ErrGoexit, and a new goroutine takes over its worker.
//
// # Observing
//
// [Pool.Stats] gives submitted, dropped, queued, running, succeeded, failed
// and cancelled counts, in total and per worker. [WithObserver] hears of
// every task as it starts and ends, with its context, queue wait, run
// time, outcome and error, and may give the task a context of its own: for
// latency metrics, a log record or a span per task. Package poolprom
// exports both to Prometheus; module poolotel makes spans and metrics with
// OpenTelemetry.
//
// # Cost
//
// Submitting a noop task and awaiting its future costs about 240 ns and one
// allocation of 128 bytes (the task and its future together) with 8
// workers and one producer on the project's 2-core machine (AMD EPYC,
// go1.26.8): bench/RESULTS.md, BenchmarkSubmit in bench/, medians of five
// interleaved rounds, where conc took 1.82×, errgroup 2.24×, ants 2.48×,
// workerpool 2.55× and pond 3.66× as long, and a hand-rolled set of
// channels with a result channel per task 0.87×. With stealing off the
// same pool costs about 8% less (medians of 4 runs of go test -run='^$'
// -bench=Submit ./pool, which runs both); that is the price of balancing
// work whose durations are unknown. Submit allocates nothing more unless the pool has a timeout (a
// timer per attempt), limits (a lease per attempt) or a pending cap (a
// callback on the future).
package pool
