package stages

// Close stops intake: [View.Enqueue] returns ErrClosed from now on.
// Workers finish every item already given to them and then exit. Close
// does not wait; call [Group.Wait]. Close is idempotent.
func (g *Group[T]) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for _, s := range g.view.Load().all {
		s.mu.Lock()
		s.closing = true
		if s.parked {
			g.unpark(s, true)
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
	g.aborted.Store(true) // before any slot is drained: see moveTo
	for _, s := range g.view.Load().all {
		s.mu.Lock()
		s.closing = true
		taken := s.takeAllLocked()
		if s.parked {
			g.unpark(s, true)
		}
		s.mu.Unlock()
		for _, v := range taken {
			drop(s.idx, v)
		}
	}
}

// Wait blocks until every worker goroutine has exited: after Close, once all
// items are handled; after Abort, once running items return.
func (g *Group[T]) Wait() { g.wg.Wait() }
