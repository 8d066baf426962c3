package pool

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluice-go/sluice/internal/stages"
)

// Resize sets the number of workers of a running pool to n.
//
// Growing takes effect at once: new workers start taking tasks (a
// persistent pool on a stage.Starter backend, such as a persistent
// stateful pool, starts them first, under ctx, making their W, and fails
// without changing anything if that fails). Shrinking retires the workers
// with the highest indices: each finishes the task it is running, and
// every task still queued for it is moved, in order and with its
// priority, to the workers that remain, through the pool's strategy.
// Nothing is lost or run twice. A retired worker ends once its task is
// done: its backend hears so (stage.Backend.WorkerEnded), and a stateful
// pool closes its W then; a later Resize that brings the worker back
// begins it anew, with a new W.
//
// Key affinity maps keys over the workers there are, so a resize moves
// keys between workers. Resize returns [ErrStopped] once the pool is
// stopping; n < 1 or n above the most workers a pool takes (see Options)
// is an error naming the value, and a nil ctx panics. Resizes are serialised; it
// is safe to call Resize while tasks are submitted.
func (p *Pool[In, Out]) Resize(ctx context.Context, n int) error {
	if ctx == nil {
		panic("pool: Resize with nil context")
	}
	if n < 1 {
		return fmt.Errorf("pool: Resize(%d): want at least 1 worker", n)
	}
	if n*p.lanes > maxWorkers {
		if p.lanes > 1 {
			return fmt.Errorf("pool: Resize(%d): at most %d workers of %d lanes", n, maxWorkers/p.lanes, p.lanes)
		}
		return fmt.Errorf("pool: Resize(%d): at most %d workers", n, maxWorkers)
	}
	p.resizeMu.Lock()
	defer p.resizeMu.Unlock()
	if p.stopped.Load() {
		return ErrStopped
	}
	if have := p.Workers(); n > have && !p.opts.OnDemand {
		if err := p.host.Start(ctx, have, n); err != nil {
			return err
		}
	}
	p.growStats(n * p.lanes)
	if err := p.g.Resize(n*p.lanes, p.rehome); err != nil {
		if errors.Is(err, stages.ErrClosed) {
			return ErrStopped
		}
		return err
	}
	return nil
}

// rehome queues again a task that a resize took off a retired worker.
func (p *Pool[In, Out]) rehome(t *task[In, Out]) {
	if err := p.place(t); err != nil {
		// The pool closed under the resize: settle the task as a
		// cancelled stop would.
		t.p.Reject(errCancelledByStop)
		p.worker(0).cancelled.Add(1)
	}
}
