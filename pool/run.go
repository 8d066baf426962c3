package pool

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluice-go/sluice/future"
)

// handle runs one task on group slot s. It is the group's handle function:
// it never panics and settles the task's future on every path,
// runtime.Goexit included. The attempt itself goes through the pool's
// host (seam.Host.Invoke), the one invocation path of pools and flows.
func (p *Pool[In, Out]) handle(s int, t *task[In, Out]) {
	ws := p.worker(s)
	if p.aborted.Load() { // taken just before a cancelling stop
		t.p.Reject(errCancelledByStop)
		ws.cancelled.Add(1)
		return
	}
	ctx := t.p.Context()
	if ctx.Err() != nil {
		// Cancelled, or its Submit ctx ended, before it could start: it
		// does not run, and settles with the cause.
		t.p.Reject(t.p.Cause())
		ws.cancelled.Add(1)
		return
	}
	if !t.phase.CompareAndSwap(taskWaiting, taskStarted) {
		ws.cancelled.Add(1) // a cancelling stop rejected it (see abort)
		return
	}
	w := p.host.Worker(s)
	var ob observed
	if p.opts.Observer != nil {
		ob.start = time.Now()
		ob.waited = ob.start.Sub(p.epoch) - t.at
		ctx = p.taskStarted(ctx, w, ob.waited)
		ob.ctx = ctx
	}
	var expire func(error)
	if p.timeout > 0 {
		// The future fails at the deadline of the last attempt, and the
		// worker stays busy until the backend returns; what it returns
		// then is dropped. A task so failed counts as failed.
		expire = func(err error) { t.p.Reject(p.timedOut(err)) }
	}
	v, err, _ := p.host.Invoke(ctx, w, t.in, expire, func() {
		var zero Out
		p.finish(s, w, ws, t.p, zero, future.ErrGoexit, &ob)
	})
	if p.timeout > 0 && errors.Is(err, ErrTimeout) {
		err = p.timedOut(err)
	}
	p.finish(s, w, ws, t.p, v, err, &ob)
}

func (p *Pool[In, Out]) timedOut(err error) error {
	return fmt.Errorf("pool: task timed out after %v: %w", p.timeout, err)
}

// observed is what the observer, if any, was told of a started task.
type observed struct {
	ctx    context.Context // what TaskStarted returned
	start  time.Time
	waited time.Duration
}

// finish settles a started task's future, counts its outcome and reports
// it to the observer.
func (p *Pool[In, Out]) finish(s, w int, ws *workerState[Out], pr future.Promise[Out], v Out, err error, ob *observed) {
	p.g.Release(s) // a strategy picking after the future settles sees s free
	outcome := Succeeded
	switch {
	case !pr.Settle(v, err) && !errors.Is(err, ErrTimeout):
		outcome = Cancelled
		ws.cancelled.Add(1)
	case err != nil:
		outcome = Failed
		ws.failed.Add(1)
	default:
		ws.succeeded.Add(1)
	}
	if p.opts.Observer != nil {
		// The future's error, not err: a cancelled or timed-out task's
		// future settled before its function returned.
		_, ferr, _ := pr.Future().TryResult()
		p.taskFinished(ob.ctx, TaskEnd{
			Pool: p.opts.Name, Worker: w, Waited: ob.waited, Ran: time.Since(ob.start),
			Outcome: outcome, Err: ferr,
		})
	}
}
