package pool

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/sluice-go/sluice/future"
)

// Outcome is how a task ended.
type Outcome int

const (
	// Succeeded: the task returned a nil error.
	Succeeded Outcome = iota
	// Failed: the task returned an error, panicked or called runtime.Goexit.
	Failed
	// Cancelled: the task's future was cancelled (by its caller or a stop)
	// before the task could settle it.
	Cancelled
)

// String returns "succeeded", "failed" or "cancelled".
func (o Outcome) String() string {
	switch o {
	case Succeeded:
		return "succeeded"
	case Failed:
		return "failed"
	case Cancelled:
		return "cancelled"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// TaskStart is what an [Observer] hears when a worker starts a task.
type TaskStart struct {
	// Pool is the pool's name ([WithName]); it tells the pools that share
	// an Observer apart.
	Pool string
	// Worker is the index of the worker that runs the task, from 0.
	Worker int
	// Waited is how long the task waited in the queues, from Submit to
	// its start.
	Waited time.Duration
}

// TaskEnd is what an [Observer] hears when a started task ends.
type TaskEnd struct {
	// Pool, Worker and Waited are those of the task's [TaskStart].
	Pool   string
	Worker int
	Waited time.Duration
	// Ran is how long the task ran, from its start to the return of its
	// function (or its panic or runtime.Goexit). A task that timed out
	// ends when its function returns, not at the deadline.
	Ran time.Duration
	// Outcome is how the task ended; it agrees with [Pool.Stats].
	Outcome Outcome
	// Err is the error the task's future settled with: nil if the task
	// succeeded; if it failed, the function's error, a
	// *future.PanicError, future.ErrGoexit, or the timeout's error
	// (matching context.DeadlineExceeded); future.ErrCancelled if it was
	// cancelled while it ran.
	Err error
}

// Observer hears of every task a pool starts, with the task's context, so
// that it can measure latencies, log, or trace: a span per task.
// TaskStarted is called as a worker starts a task, before the task's
// function runs, and returns the context the task runs with; TaskFinished
// is called once when that task ends, on every path (success, error,
// panic, runtime.Goexit, cancellation, timeout), with the context
// TaskStarted returned. Tasks that never start (cancelled while queued,
// taken away by a cancelling stop) are reported to neither; [Pool.Stats]
// counts them. Counts need no observer.
//
// Pools call an Observer from their workers, so its methods must be quick,
// safe for concurrent use, and must not call back into the pool. One
// Observer may serve many pools; TaskStart.Pool tells them apart.
//
// A pool without an observer reads no clock and pays nothing for this
// hook. With one it reads the clock three times per task and makes the two
// calls: an observer that does nothing adds about 95 ns to submitting and
// awaiting a noop task (which takes 370 to 440 ns without one), and one
// whose TaskStarted derives a context with context.WithValue, as a tracer
// does, 120 to 150 ns and one allocation of 48 bytes (BenchmarkObserver:
// paired medians of go test -run='^$' -bench=Observer ./pool, in two
// sessions of 10 and 15 interleaved rounds on the project's loaded 2-core
// machine). Whatever the observer itself does comes on top.
//
// A panic in an Observer method never reaches the worker: it is recovered,
// the task it reported on goes on and settles as usual (with the context
// it had, if TaskStarted panicked, and still reported to TaskFinished),
// and the panic is reported once through the standard library's log
// package, as "pool NAME: observer panic: VALUE" and the stack (to
// os.Stderr unless the program redirects its log), as future callbacks do
// by default.
type Observer interface {
	// TaskStarted is called when a worker starts a task. ctx is the
	// task's context; TaskStarted returns the context the task's function
	// is given (through the pool's timeout and limit, if any): ctx itself
	// to leave it, or a context derived from ctx, such as one carrying a
	// span, so that what the task starts nests under it. A nil result is
	// taken as ctx. The returned context must be done when ctx is, or the
	// task would not see its cancellation.
	TaskStarted(ctx context.Context, t TaskStart) context.Context
	// TaskFinished is called when a started task ends, just after its
	// future settles: a caller waiting on the future may go on before
	// TaskFinished returns, while Stop and Cancel wait for it. ctx is the
	// context TaskStarted returned; it is done by then (the task is
	// over), so use it for its values, not to wait on.
	TaskFinished(ctx context.Context, t TaskEnd)
}

// WithObserver makes the pool report every task to obs.
func WithObserver(obs Observer) Option {
	return func(o *config) {
		if obs == nil {
			o.Fail("WithObserver(nil): want an observer")
		}
		o.Observer = obs
	}
}

// taskStarted tells the observer that worker w started a task with
// context ctx that waited for waited, and returns the context the task
// runs with; a panic in the observer is logged, not raised, and leaves
// ctx.
func (p *Pool[In, Out]) taskStarted(ctx context.Context, w int, waited time.Duration) (tctx context.Context) {
	tctx = ctx
	defer p.observerPanic()
	if c := p.opts.Observer.TaskStarted(ctx, TaskStart{Pool: p.opts.Name, Worker: w, Waited: waited}); c != nil {
		tctx = c
	}
	return tctx
}

// taskFinished tells the observer that a task ended; a panic in it is
// logged, not raised.
func (p *Pool[In, Out]) taskFinished(ctx context.Context, t TaskEnd) {
	defer p.observerPanic()
	p.opts.Observer.TaskFinished(ctx, t)
}

// observerPanic logs a panic of an Observer method, deferred by the calls
// above.
func (p *Pool[In, Out]) observerPanic() {
	if r := recover(); r != nil {
		log.Printf("pool %q: observer %v", p.opts.Name, future.NewPanicError(r))
	}
}
