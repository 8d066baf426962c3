package pool

import (
	"context"
	"time"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/internal/stages"
)

// Submit hands in to a worker and returns the future of its result at once:
// it never waits for a worker (see "Queues" in the package doc). The task
// runs with a context that carries ctx's values and is done when ctx is
// done, when the future is cancelled, on a cancelled stop, or on timeout.
//
// Submit blocks only in a pool made WithMaxPending(n, Block) that is full,
// until there is room or ctx is done (the future then fails with ctx's
// cause). Submitting to a stopping or stopped pool gives a future failed
// with [ErrStopped]. A nil ctx panics.
func (p *Pool[In, Out]) Submit(ctx context.Context, in In) *future.Future[Out] {
	return p.submit(ctx, &task[In, Out]{in: in})
}

// SubmitKey is Submit for a task with a key: with a balance.KeyedStrategy
// (balance.KeyAffinity) all tasks of one key go to one worker and run in
// the order they were submitted. Other strategies ignore the key. A
// [Pool.Resize] changes which worker a key maps to.
func (p *Pool[In, Out]) SubmitKey(ctx context.Context, key uint64, in In) *future.Future[Out] {
	return p.submit(ctx, &task[In, Out]{in: in, key: key, keyed: true})
}

// SubmitPriority is Submit for a task with a priority: among the tasks
// waiting in its worker's queue, higher priorities are handed to the
// worker first, and equal priorities in the order they were submitted.
// Submit uses priority 0; negative priorities wait behind it. Tasks already
// handed to the worker (at most MaxQueued) keep their place.
func (p *Pool[In, Out]) SubmitPriority(ctx context.Context, priority int, in In) *future.Future[Out] {
	return p.submit(ctx, &task[In, Out]{in: in, key: uint64(priority)})
}

func (p *Pool[In, Out]) submit(ctx context.Context, t *task[In, Out]) *future.Future[Out] {
	if ctx == nil {
		panic("pool: Submit with nil context")
	}
	if p.stopped.Load() {
		p.dropped.Add(1)
		return future.Failed[Out](ErrStopped)
	}
	if p.pending != nil {
		if err := p.reserve(ctx); err != nil {
			p.dropped.Add(1)
			return future.Failed[Out](err)
		}
	}
	pr := future.Init(&t.f, ctx)
	f := &t.f
	if p.free != nil {
		f.OnSettled(p.free) // the token goes back as soon as the task settles
	}
	t.p = pr
	if p.opts.Observer != nil {
		t.at = time.Since(p.epoch)
	}
	p.submitted.Add(1)
	if err := p.place(t); err != nil {
		p.submitted.Add(^uint64(0))
		p.dropped.Add(1)
		pr.Reject(ErrStopped)
	}
	return f
}

// place picks a worker for t and queues it there, picking again if a resize
// retired the worker in between.
func (p *Pool[In, Out]) place(t *task[In, Out]) error {
	for {
		v := p.g.View()
		var w int
		pinned := t.keyed && p.keyed != nil
		if pinned {
			w = p.keyed.PickKey(v, t.key)
		} else {
			w = p.strategy.Pick(v)
		}
		err := v.Enqueue(w, t, t.prio(), pinned)
		if err != stages.ErrRetired {
			return err
		}
	}
}

// reserve takes a pending-task token as the pool's policy says.
func (p *Pool[In, Out]) reserve(ctx context.Context) error {
	select {
	case p.pending <- struct{}{}:
		return nil
	default:
	}
	if p.opts.FailFull {
		return ErrFull
	}
	select {
	case p.pending <- struct{}{}:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-p.stopping:
		return ErrStopped
	}
}

// Call submits in and waits for its result: the blocking form of Submit.
// If ctx is done first, the task's context is done too, and Call returns
// ctx's cause.
func (p *Pool[In, Out]) Call(ctx context.Context, in In) (Out, error) {
	return p.Submit(ctx, in).Await(ctx)
}

// Map submits every item of ins and returns their results in the order of
// ins. The first error cancels the tasks not yet finished and is returned
// (see future.All).
func (p *Pool[In, Out]) Map(ctx context.Context, ins []In) ([]Out, error) {
	futs := make([]*future.Future[Out], len(ins))
	for i, in := range ins {
		futs[i] = p.Submit(ctx, in)
	}
	return future.All(ctx, futs...)
}
