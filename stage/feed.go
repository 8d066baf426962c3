package stage

import (
	"context"
)

// Send gives v to worker i, blocking while the worker's channel is full. It
// returns context.Cause(ctx) if ctx is done first; v is then not delivered.
// Send must not be called on a group made [WithOverflow], nor after Close.
func (g *Group[T]) Send(ctx context.Context, i int, v T) error {
	if g.overflow {
		panic("stage: Send on a group made WithOverflow; use Enqueue")
	}
	s := g.view.Load().all[i]
	s.assign()
	select {
	case s.ch <- v:
	default:
		select {
		case s.ch <- v:
		case <-ctx.Done():
			s.finish(1)
			return context.Cause(ctx)
		}
	}
	if g.onDemand {
		s.mu.Lock()
		g.wakeLocked(s)
		s.mu.Unlock()
	}
	return nil
}

// Enqueue gives v to worker i without blocking: straight to the worker if
// fewer than queue items are handed to it, else to its overflow queue. It
// returns [ErrClosed] once the group is closing, and [ErrRetired] if i is
// not an active worker. Enqueue is only for groups made [WithOverflow]. It
// is EnqueuePriority with priority 0.
func (g *Group[T]) Enqueue(i int, v T) error { return g.EnqueuePriority(i, v, 0) }

// EnqueuePriority is Enqueue for an item with a priority: in worker i's
// overflow queue, items of higher priority are handed to the worker before
// items of lower priority, and items of equal priority in the order they
// came. Items already handed to the worker keep their place.
func (g *Group[T]) EnqueuePriority(i int, v T, prio int) error {
	return g.view.Load().Enqueue(i, v, prio)
}

// itemDone accounts for an item worker s has finished and, in overflow
// mode, moves the next waiting item up to the worker.
func (g *Group[T]) itemDone(s *slot[T]) {
	s.finish(1)
	if !g.overflow {
		return
	}
	s.mu.Lock()
	s.handed--
	if !s.chClosed {
		if v, ok := s.over.pop(); ok {
			s.handed++
			s.ch <- v
		}
		if s.closing && s.over.len() == 0 {
			close(s.ch)
			s.chClosed = true
		}
	}
	s.mu.Unlock()
}

// Close stops intake: Enqueue returns ErrClosed from now on, and Send must
// not be called. Workers finish every item already given to them, overflow
// queues included, and then exit. Close does not wait; call [Group.Wait].
// Close is idempotent.
func (g *Group[T]) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for _, s := range g.view.Load().all {
		s.mu.Lock()
		s.closing = true
		if s.over.len() == 0 && !s.chClosed {
			close(s.ch)
			s.chClosed = true
		}
		s.mu.Unlock()
	}
}

// Abort stops intake like Close, then takes back every item no worker has
// started and calls drop(worker, item) for each, so the owner can settle
// them. Items already running finish as usual. Abort does not wait; call
// [Group.Wait]. Calling Abort after Close takes back what is still queued.
func (g *Group[T]) Abort(drop func(worker int, v T)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for _, s := range g.view.Load().all {
		s.mu.Lock()
		s.closing = true
		taken := s.over.drain()
		if !s.chClosed {
			close(s.ch)
			s.chClosed = true
		}
		for v := range s.ch {
			taken = append(taken, v)
			if g.overflow {
				s.handed--
			}
		}
		s.finish(len(taken))
		s.mu.Unlock()
		for _, v := range taken {
			drop(s.idx, v)
		}
	}
}

// Wait blocks until every worker goroutine has exited: after Close, once all
// items are handled; after Abort, once running items return.
func (g *Group[T]) Wait() { g.wg.Wait() }
