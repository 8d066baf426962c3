package pool

import (
	"time"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/stage"
)

// handle runs one task on worker w. It is the group's handle function: it
// never panics and settles the task's future on every path, runtime.Goexit
// included.
func (p *Pool[In, Out]) handle(w int, t task[In, Out]) {
	ws := p.worker(w)
	if t.p.Settled() { // cancelled while it waited
		ws.cancelled.Add(1)
		return
	}
	f := t.p.Future()
	ws.current.Store(f)
	ws.running.Add(1)
	if p.aborted.Load() {
		f.Cancel()
	}
	var started time.Time
	if obs := p.opts.Observer; obs != nil {
		started = time.Now()
		obs.TaskStarted(p.opts.Name, w, started.Sub(t.at))
	}
	returned := false
	defer func() {
		ws.current.Store(nil)
		ws.running.Add(-1)
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
	ctx := t.p.Context()
	var v Out
	var err error
	if p.plain {
		v, err = p.call(ctx, w, t.in)
	} else {
		v, err = stage.Run(ctx, &p.policy, p.call, w, t.in)
	}
	returned = true
	p.settle(w, t.p, v, err, started)
}

// settle settles a started task's future, counts its outcome and reports
// it to the observer.
func (p *Pool[In, Out]) settle(w int, pr future.Promise[Out], v Out, err error, started time.Time) {
	ws := p.worker(w)
	p.g.Release(w) // a strategy picking after the future settles sees w free
	outcome := Succeeded
	switch {
	case !pr.Settle(v, err):
		outcome = Cancelled
		ws.cancelled.Add(1)
	case err != nil:
		outcome = Failed
		ws.failed.Add(1)
	default:
		ws.succeeded.Add(1)
	}
	if obs := p.opts.Observer; obs != nil {
		obs.TaskFinished(p.opts.Name, w, time.Since(started), outcome)
	}
}
