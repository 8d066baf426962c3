package pool

import (
	"context"
	"errors"
)

// Stop stops intake and waits, until ctx is done, for every accepted task
// to finish: queued tasks still run. It returns nil once all workers have
// exited. If ctx is done first, Stop takes the cancel path ([Pool.Cancel]):
// queued tasks are settled with an error matching [ErrStopped] and
// context.Canceled, running tasks are cancelled (their futures settle with
// future.ErrCancelled, which matches context.Canceled); Stop then waits
// for the running calls to return and returns ctx's cause. Stop may be called more than once and together
// with Cancel. A nil ctx panics.
func (p *Pool[In, Out]) Stop(ctx context.Context) error {
	if ctx == nil {
		panic("pool: Stop with nil context")
	}
	p.stopIntake()
	p.g.Close()
	done := make(chan struct{})
	go func() {
		p.g.Wait()
		close(done)
	}()
	select {
	case <-done:
		return p.closeStates()
	case <-ctx.Done():
	}
	select {
	case <-done: // drained just as ctx ended: that is a clean stop
		return p.closeStates()
	default:
	}
	p.abort()
	<-done
	return errors.Join(context.Cause(ctx), p.closeStates())
}

// Cancel stops the pool at once: intake stops, every task not finished is
// settled with an error matching context.Canceled (queued ones also match
// [ErrStopped]), and the running ones have their contexts cancelled. Cancel
// returns once every worker has exited, that is once the running calls
// have returned: work that ignores its context delays it. Cancel closes
// the backend too; errors from closing it (a stateful pool's W) are
// dropped; Stop returns them.
func (p *Pool[In, Out]) Cancel() {
	p.stopIntake()
	p.abort()
	p.g.Wait()
	p.closeStates()
}

// stopIntake makes Submit refuse new tasks and wakes the ones blocked on a
// full pool.
func (p *Pool[In, Out]) stopIntake() {
	p.halt.Do(func() {
		p.stopped.Store(true)
		close(p.stopping)
	})
}

// closeStates closes the backend once its workers have ended, and returns
// what the first call got.
func (p *Pool[In, Out]) closeStates() error { return p.host.Close() }

func (p *Pool[In, Out]) abort() {
	p.aborted.Store(true)
	p.g.Abort(func(w int, t *task[In, Out]) {
		t.p.Reject(errCancelledByStop) // fails if the caller cancelled it first
		p.worker(w).cancelled.Add(1)
	})
	p.g.Running(func(_ int, t *task[In, Out]) {
		// A task a worker took but had not started counts as queued.
		if t.phase.CompareAndSwap(taskWaiting, taskStopped) {
			t.p.Reject(errCancelledByStop)
			return
		}
		t.f.Cancel()
	})
}
