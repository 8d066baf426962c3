package pool

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/stage"
)

// handle runs one task on worker w. It is the group's handle function: it
// never panics and settles the task's future on every path, runtime.Goexit
// included.
func (p *Pool[In, Out]) handle(w int, t task[In, Out]) {
	ws := p.worker(w)
	f := t.p.Future()
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
	ws.current.Store(f)
	var started time.Time
	if obs := p.opts.Observer; obs != nil {
		started = time.Now()
		p.taskStarted(w, started.Sub(p.epoch)-t.at)
	}
	returned := false
	defer func() {
		ws.current.Store(nil)
		if returned {
			return
		}
		var zero Out
		var err error = future.ErrGoexit
		if r := recover(); r != nil {
			err = future.NewPanicError(r)
		}
		p.settle(w, t.p, zero, err, started)
	}()
	var v Out
	var err error
	switch {
	case p.plain:
		v, err = p.call(ctx, w, t.in)
	case p.policy.Timeout > 0:
		v, err = p.runExpiring(ctx, w, t)
	default:
		v, err = stage.Run(ctx, &p.policy, p.call, w, t.in)
	}
	returned = true
	p.settle(w, t.p, v, err, started)
}

// runExpiring runs t under a policy with a timeout: if the last attempt's
// deadline passes before the function returns, the future fails then,
// with an error matching stage.ErrTimeout and context.DeadlineExceeded,
// and the worker stays busy until the function returns; what it returns
// is dropped. A task so failed counts as failed.
func (p *Pool[In, Out]) runExpiring(ctx context.Context, w int, t task[In, Out]) (Out, error) {
	v, err := stage.RunExpiring(ctx, &p.policy, p.call, w, t.in, func(err error) {
		t.p.Reject(fmt.Errorf("pool: task timed out after %v: %w", p.policy.Timeout, err))
	})
	if errors.Is(err, stage.ErrTimeout) {
		err = fmt.Errorf("pool: task timed out after %v: %w", p.policy.Timeout, err)
	}
	return v, err
}

// settle settles a started task's future, counts its outcome and reports
// it to the observer.
func (p *Pool[In, Out]) settle(w int, pr future.Promise[Out], v Out, err error, started time.Time) {
	ws := p.worker(w)
	p.g.Release(w) // a strategy picking after the future settles sees w free
	outcome := Succeeded
	switch {
	case !pr.Settle(v, err) && !errors.Is(err, stage.ErrTimeout):
		outcome = Cancelled
		ws.cancelled.Add(1)
	case err != nil:
		outcome = Failed
		ws.failed.Add(1)
	default:
		ws.succeeded.Add(1)
	}
	if p.opts.Observer != nil {
		p.taskFinished(w, time.Since(started), outcome)
	}
}
