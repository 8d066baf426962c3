// Package poolotel traces the tasks of sluice pools and exports their
// latencies and statistics with OpenTelemetry.
//
// # Contract
//
// An [Observer] is two things, as poolprom's Collector is. As a
// [pool.Observer] (pass it to pool.WithObserver, or call its two methods
// from anything that runs tasks) it makes one span per task and records how
// long each task waited in the queues and how long it ran, into two
// histograms. With [Observer.Add] it exports, at every collection, the
// [pool.Stats] of each pool added, through asynchronous instruments: the
// figures are the pool's own, from one Stats call per pool and collection,
// and the counters are cumulative in the pool, so they are reported as they
// stand.
//
// The tracer and the meter come from the providers given with
// [WithTracerProvider] and [WithMeterProvider], otel's global ones by
// default, under the instrumentation scope [ScopeName]. Nothing here starts
// a goroutine or exports anything: the providers' processors and readers do.
//
// A pool is known by its name (pool.WithName), the [AttrPool] attribute of
// every span and measurement. Spans and histograms cover every task the
// Observer hears of, whichever pool it came from; the Stats instruments
// cover the pools added, whose names must be non-empty and unique within an
// Observer ([ErrNoName], [ErrDuplicate]), from Add until the unregister
// func Add returned is called.
//
// # Spans
//
// TaskStarted starts a span named [SpanName], of kind internal, as a child of
// the span in the task's context, if any: the one that was current where
// Submit was called, since a task's context carries its Submit context's
// values. It returns the task's context with the new span in it, so the
// spans the task starts from its context are the task span's children.
// TaskFinished ends the span: its duration is the task's run time, from its
// start to the return of its function (a task that timed out runs on to
// that return, and so does its span). It ends just after the task's future
// settles, so code waiting on the future may go on before the span has
// ended; Stop and Cancel wait for it. The span's attributes:
//
//	attribute             type     set at  value
//	sluice.pool.name      string   start   the pool's name
//	sluice.worker         int64    start   the worker's index, from 0
//	sluice.task.wait      float64  start   queue wait, seconds
//	sluice.task.outcome   string   end     succeeded, failed or cancelled
//
// A failed task (an error, a panic, runtime.Goexit, a timeout) gets status
// Error, with the error's text as its description, and an "exception" event
// with the error's type and text; for a panic the text is "panic: VALUE" and
// the event's exception.stacktrace is the panicking goroutine's stack. A
// task cancelled while it ran keeps status Unset: its outcome says so.
// Tasks that never start (cancelled while they waited) have no span; the
// Stats count them.
//
// # Metrics
//
// Every measurement has the attribute sluice.pool.name; outcome is
// sluice.task.outcome.
//
//	name                        instrument                    unit      from
//	sluice.pool.task.wait       histogram                     s         Observer.TaskStarted
//	sluice.pool.task.duration   histogram, by outcome         s         Observer.TaskFinished
//	sluice.pool.task.submitted  observable counter            {task}    Stats.Submitted
//	sluice.pool.task.dropped    observable counter            {task}    Stats.Dropped
//	sluice.pool.task.completed  observable counter, outcome   {task}    Stats.Succeeded, Failed, Cancelled
//	sluice.pool.task.queued     observable up-down counter    {task}    Stats.Queued
//	sluice.pool.task.running    observable up-down counter    {task}    Stats.Running
//	sluice.pool.worker.count    observable up-down counter    {worker}  Stats.Workers not Retired
//	sluice.pool.worker.alive    observable up-down counter    {worker}  Pool.Alive
//
// The histograms count started tasks only, by outcome for the run time, so
// their counts are the started tasks' outcome counters; the completed
// counter counts every accepted task, those cancelled while they waited
// too. Queue lengths and worker counts are up-down counters, as
// OpenTelemetry advises for counts that add up across pools. The
// histograms advise the bucket bounds [DefaultBuckets] (10µs to 10s) unless
// set with [WithWaitBuckets] and [WithRunBuckets]; a view overrides them.
// The worker.alive instrument is reported for Sources that have an Alive
// method, as every pool has.
//
// # Usage
//
//	obs, err := poolotel.New() // otel's global providers
//	if err != nil { ... }
//	p, err := pool.New(resize, pool.WithName("resize"), pool.WithObserver(obs))
//	if err != nil { ... }
//	unregister, err := obs.Add(p)
//	if err != nil { ... }
//	defer unregister()
//
// # Cost
//
// The calls a pool makes per task (TaskStarted and TaskFinished) cost about
// 2.5 µs and 9 allocations (1.5 KB) with the SDK's providers, every span
// sampled, and about 190 ns and 2 allocations with the no-op ones, the
// floor: BenchmarkObserve, medians of go test -run='^$' -bench=Observe
// -count=10 in this module on the project's loaded 2-core machine (the
// fastest SDK run took 2.0 µs; a bare SDK span, started and ended with no
// attributes, took about 0.6 µs in the same runs). On top come what the
// pool pays for any observer (see pool.Observer) and what the providers'
// processors and exporters do. A collection reads one Stats per pool
// added.
package poolotel
