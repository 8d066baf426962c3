package stage

import (
	"context"
	"errors"
)

// Backend is the seam through which a pool's or a flow's worker runs one
// attempt of a task: where a task runs (a goroutine, a worker process, a
// remote worker) is a Backend, and everything around the attempt (the
// balance strategy, the per-worker queues and stealing, MaxQueued,
// on-demand workers, limits, retries, timeouts, futures, Stats and the
// Observer) is the pool's or the flow's, written once for every backend.
// See "Backends" in the package doc for the lifecycle a backend sees.
//
// A Backend must be safe for concurrent use: Run is called from many
// goroutines at once, for different workers (and, with [Laned], for one
// worker).
type Backend[In, Out any] interface {
	// Run runs one attempt of a task on worker w, an index from 0 below
	// the pool's workers now (a Resize changes how many). Run is called
	// once per attempt: a policy's retries call it again, with the same
	// w. Calls for one w never overlap unless the backend is [Laned].
	// ctx is the attempt's: done on cancel, stop or timeout. A worker that
	// is lost (its process or connection died) fails every attempt it
	// had in flight with an error matching [ErrWorkerLost], at once, and
	// the backend gives the next Run on w a fresh worker.
	Run(ctx context.Context, w int, in In) (Out, error)
	// WorkerEnded tells the backend that worker w has no goroutine left
	// and no Run in progress: an on-demand worker lingered idle, a Resize
	// retired it and it finished its task, or the pool or flow stopped.
	// The backend may release what it holds for w; a later Run (or
	// [Starter.Start]) on w begins it anew.
	WorkerEnded(w int)
	// Close is called once, after every worker has ended and no other
	// method is in progress, and releases what the backend still holds.
	// A pool's Stop returns its error.
	Close() error
}

// Laned is a [Backend] that can have more than one attempt in flight per
// worker (a worker process or a remote worker that multiplexes requests):
// Lanes returns how many, at least 1. A pool or flow then gives each
// worker min(Lanes(), MaxQueued) lanes, each served like a worker of its
// own, so Run may be called that many times at once for one w.
type Laned interface {
	Lanes() int
}

// Starter is a [Backend] that makes its workers ahead of their first task:
// a persistent pool calls Start for each worker before the worker runs
// anything (all of them in pool.NewOn, the new ones in a Resize that
// grows), and fails with the error Start returns. On-demand pools never
// call it: their workers begin with their first Run. Start on a worker
// that is already there does nothing.
type Starter interface {
	Start(ctx context.Context, w int) error
}

// ErrWorkerLost is the error of an attempt whose worker was lost while it
// ran: the process died, the connection broke. Backends wrap it with the
// cause. The attempt's task fails with it (only the tasks in flight on
// that worker; the ones queued run on its replacement), and the default
// pool.Retry retries it, on the same worker index, which the backend has
// replaced by then: set Retry.If to refuse if a task must not run twice.
var ErrWorkerLost = errors.New("stage: worker lost")
