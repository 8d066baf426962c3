package pool

import (
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

// Observer hears of every task a pool runs, for latency metrics: how long it
// waited in the queues and how long it ran. Counts need no observer: see
// [Pool.Stats]. Pools call an Observer from their workers, so its methods
// must be quick, safe for concurrent use, and must not call back into the
// pool. One Observer may serve many pools; the pool's name ([WithName])
// tells them apart.
//
// A pool with an observer reads the clock three times per task (about 60
// ns in all); a pool without one does not read it at all.
//
// A panic in an Observer method never reaches the worker: it is recovered,
// the task it reported on goes on and settles as usual, and the panic is
// reported once through the standard library's log package, as "pool
// NAME: observer panic: VALUE" and the stack (to os.Stderr unless the
// program redirects its log), as future callbacks do by default.
type Observer interface {
	// TaskStarted is called when worker starts a task that waited since
	// Submit.
	TaskStarted(pool string, worker int, waited time.Duration)
	// TaskFinished is called when a started task ends, after it ran for
	// ran, with its outcome.
	TaskFinished(pool string, worker int, ran time.Duration, outcome Outcome)
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

// taskStarted tells the observer, if any, that worker w started a task
// that waited for waited; a panic in it is logged, not raised.
func (p *Pool[In, Out]) taskStarted(w int, waited time.Duration) {
	defer p.observerPanic()
	p.opts.Observer.TaskStarted(p.opts.Name, w, waited)
}

// taskFinished tells the observer that worker w finished a task; a panic
// in it is logged, not raised.
func (p *Pool[In, Out]) taskFinished(w int, ran time.Duration, outcome Outcome) {
	defer p.observerPanic()
	p.opts.Observer.TaskFinished(p.opts.Name, w, ran, outcome)
}

// observerPanic logs a panic of an Observer method, deferred by the calls
// above.
func (p *Pool[In, Out]) observerPanic() {
	if r := recover(); r != nil {
		log.Printf("pool %q: observer %v", p.opts.Name, future.NewPanicError(r))
	}
}
