package pool

import (
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/stage"
)

// handle runs one task on worker w. It is the group's handle function: it
// never panics and settles the task's future on every path, runtime.Goexit
// included.
func (p *Pool[In, Out]) handle(w int, t task[In, Out]) {
	ws := &p.workers[w]
	if t.p.Settled() { // cancelled while it waited
		ws.cancelled.Add(1)
		p.release()
		return
	}
	f := t.p.Future()
	ws.current.Store(f)
	ws.running.Add(1)
	if p.aborted.Load() {
		f.Cancel()
	}
	returned := false
	defer func() {
		ws.current.Store(nil)
		ws.running.Add(-1)
		p.release()
		if returned {
			return
		}
		var zero Out
		var err error = future.ErrGoexit
		if r := recover(); r != nil {
			err = future.NewPanicError(r)
		}
		p.settle(ws, t.p, zero, err)
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
	p.settle(ws, t.p, v, err)
}

func (p *Pool[In, Out]) settle(ws *workerState[Out], pr future.Promise[Out], v Out, err error) {
	switch {
	case !pr.Settle(v, err):
		ws.cancelled.Add(1)
	case err != nil:
		ws.failed.Add(1)
	default:
		ws.succeeded.Add(1)
	}
}

// release gives back a pending-task token, if the pool counts them.
func (p *Pool[In, Out]) release() {
	if p.pending != nil {
		<-p.pending
	}
}
