package pool

import (
	"context"
)

// Stop stops intake and waits, until ctx is done, for every accepted task
// to finish: queued tasks still run. It returns nil once all workers have
// exited. If ctx is done first, Stop takes the cancel path ([Pool.Cancel]):
// queued tasks are settled with an error matching [ErrStopped] and
// context.Canceled, running tasks are cancelled (their futures settle with
// future.ErrCancelled, which matches context.Canceled); Stop then waits for the running calls to return
// and returns ctx's cause. Stop may be called more than once and together
// with Cancel.
func (p *Pool[In, Out]) Stop(ctx context.Context) error {
	p.stopped.Store(true)
	p.g.Close()
	done := make(chan struct{})
	go func() {
		p.g.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		p.abort()
		<-done
		return context.Cause(ctx)
	}
}

// Cancel stops the pool at once: intake stops, every task not finished is
// settled with an error matching context.Canceled (queued ones also match
// [ErrStopped]), and the running ones have their contexts cancelled. Cancel returns once every
// worker has exited, that is once the running calls have returned: work
// that ignores its context delays it.
func (p *Pool[In, Out]) Cancel() {
	p.stopped.Store(true)
	p.abort()
	p.g.Wait()
}

func (p *Pool[In, Out]) abort() {
	p.aborted.Store(true)
	p.g.Abort(func(w int, t task[In, Out]) {
		t.p.Reject(errCancelledByStop) // fails if the caller cancelled it first
		p.workers[w].cancelled.Add(1)
		p.release()
	})
	for i := range p.workers {
		if f := p.workers[i].current.Load(); f != nil {
			f.Cancel()
		}
	}
}
