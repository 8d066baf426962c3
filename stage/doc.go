// Package stage is the seam where a task runs: a [Backend] runs one
// attempt of a task on a worker (a goroutine, a worker process, a remote
// worker), and everything around the attempt is written once, beneath
// pools and flows, for every backend.
//
// The channel stages that pools and flows are made of (fan-out through a
// balance strategy into bounded per-worker queues, workers, ordered and
// unordered fan-in, batching, throttling) are internal; users reach them
// through package pool (pool.New, pool.NewStateful, pool.NewOn) and
// package flow (flow.Pool, flow.PoolOn, flow.Batch, Flow.Throttle). What
// this package holds is what a backend author needs: [Backend], the
// optional [Laned] and [Starter], and [ErrWorkerLost]. Retries, timeouts
// and validators are pool options (pool.WithRetry, pool.WithTimeout,
// pool.Validate), for pools and flows alike.
//
// # Backends
//
// A [Backend] is where a worker runs one attempt of a task: pool.New's
// and flow.Pool's backend calls the function on the worker's goroutine;
// pool.NewOn and flow.PoolOn take any other (worker processes, remote
// workers). Everything else is the pool's or the flow's, written once for
// every backend. What a backend sees:
//
//   - Run(ctx, w, in) is one attempt on worker w, an index below the
//     workers now; retries call Run again with the same w. Calls for one w
//     never overlap, unless the backend is [Laned]: then each worker has
//     min(Lanes(), MaxQueued) lanes, each served like a worker of its
//     own (so stealing, parking and the MaxQueued bound hold for lanes as
//     for workers), and Run is called up to that many times at once per w.
//   - A worker begins at its first Run, or earlier at [Starter.Start] (a
//     persistent pool starts every worker before it runs anything).
//   - WorkerEnded(w) says w has no goroutine left and no Run in progress:
//     an on-demand worker lingered idle, a Resize retired it and it
//     finished its task, or the pool or flow stopped. A goroutine
//     replacing one ended by runtime.Goexit is not an end. A worker that
//     begins again after its end is new to the backend.
//   - Close is called once, after every worker has ended.
//   - A worker that is lost (its process or connection died) fails the
//     attempts it had in flight, at once, with an error matching
//     [ErrWorkerLost], and the backend, not the pool, makes a fresh worker
//     for the next Run on w; the tasks queued for w are not touched. The
//     default pool.Retry retries ErrWorkerLost (on the same index, so on the
//     fresh worker); Retry.If can refuse it for tasks that must not run
//     twice.
//
// A panic or runtime.Goexit in Run is the task's, as with goroutine
// workers: a *future.PanicError, future.ErrGoexit.
package stage
