package stages

import "github.com/sluice-go/sluice/balance"

// View is the workers of a [Group] at one moment: it implements
// balance.Workers, so a strategy picks from it, and [View.Enqueue] hands an
// item to the worker picked. A resize publishes a new View; an old one stays
// valid, and enqueueing through it onto a worker retired since fails with
// [ErrRetired].
type View[T any] struct {
	g   *Group[T]
	all []*slot[T] // every worker ever made, by index
	n   int        // workers 0..n-1 are active
}

// Len returns the number of active workers.
func (v *View[T]) Len() int { return v.n }

// Active returns the items worker i holds now: queued for it or running.
func (v *View[T]) Active(i int) int { return v.all[i].active() }

// Assigned returns the items ever assigned to worker i.
func (v *View[T]) Assigned(i int) uint64 { return v.all[i].assigned.Load() }

var _ balance.Workers = (*View[int])(nil)

// Enqueue gives x to worker i of this view without blocking. In i's queue,
// items of higher prio are taken before items of lower prio, and items of
// equal prio in the order they came. A pinned item runs on worker i; an
// item that is not may go to the worker that parked last instead, if one
// is parked, and may be taken by a worker that runs out of work (unless
// the group is made [WithoutStealing]).
//
// Enqueue fails with [ErrRetired] if worker i was retired since the view
// was taken, and [ErrClosed] once the group is closing.
func (v *View[T]) Enqueue(i int, x T, prio int, pinned bool) error {
	g := v.g
	movable := !pinned && g.steal
	if movable && g.nidle.Load() > 0 {
		if s := g.popIdle(); s != nil {
			if _, err := g.put(s, x, prio, false, false); err == nil {
				return nil
			}
		}
	}
	busy, err := g.put(v.all[i], x, prio, pinned, true)
	if err != nil || !movable || !busy {
		return err
	}
	g.callThief(v) // x waits behind other work
	return nil
}

// put queues x on s and makes sure a goroutine will take it; busy reports
// whether s had work already. stacked is false if the caller took s off
// the idle stack itself.
func (g *Group[T]) put(s *slot[T], x T, prio int, pinned, stacked bool) (busy bool, err error) {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return false, ErrClosed
	}
	if s.retired {
		s.mu.Unlock()
		return false, ErrRetired
	}
	s.assigned.Add(1)
	if s.parked {
		// A parked worker's queues are empty: hand x over in the token,
		// as taken (see next), and send it once the lock is free, so
		// that the worker does not wake only to wait for it.
		g.claimLocked(s, stacked)
		s.load.Add(loadDelta(1, 0))
		s.running, s.cur = true, x
		s.mu.Unlock()
		s.wake <- wakeup[T]{v: x, given: true} // never blocks: one token per park
		return false, nil
	}
	// Busy unless its goroutine waits for work or there is none yet: one
	// that is looking for work may come back with a stolen item first.
	busy = s.running || s.q.len()+s.pinned.len() > 0 || s.serving
	s.pushLocked(x, prio, pinned)
	g.wakeLocked(s)
	s.mu.Unlock()
	return busy, nil
}

// callThief makes sure a free worker comes for an item that waits behind
// other work: one that parked as the item was queued (see park) or, on
// demand, one that has no goroutine (see exitIdle).
func (g *Group[T]) callThief(v *View[T]) {
	if g.nidle.Load() > 0 && g.wakeThief() {
		return
	}
	if g.onDemand && g.alive.Load() < int64(v.n) {
		g.startThief(v)
	}
}

// startThief starts a goroutine for an on-demand worker of v that has
// none, so that it takes work queued behind a busy one.
func (g *Group[T]) startThief(v *View[T]) {
	for _, s := range v.all[:v.n] {
		s.mu.Lock()
		idle := !s.serving && !s.retired && !s.closing
		if idle {
			s.serving = true
			g.start(s)
		}
		s.mu.Unlock()
		if idle {
			return
		}
	}
}

// Resize sets the number of active workers to n. Growing takes effect at
// once: workers retired earlier come back (with their index), new ones are
// made. Shrinking retires workers n and up: a retired worker finishes the
// item it runs, and every item still queued for it is taken away and given
// to rehome, in the order the worker would have run them, so the owner can
// enqueue it again on the workers that remain. Nothing is lost or given
// twice, and Resize never waits for a worker. It fails with [ErrClosed]
// once the group is closing. n < 1 panics.
func (g *Group[T]) Resize(n int, rehome func(v T)) error {
	if n < 1 {
		panic("stages: Resize to fewer than 1 worker")
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return ErrClosed
	}
	old := g.view.Load()
	all := old.all
	if n > len(all) {
		all = append(all[:len(all):len(all)], make([]*slot[T], n-len(all))...)
		for i := len(old.all); i < n; i++ {
			all[i] = newSlot[T](i)
			defer g.serveFirst(all[i]) // once the view that has it is out
		}
	}
	for i := old.n; i < min(n, len(old.all)); i++ {
		g.revive(all[i])
	}
	g.view.Store(&View[T]{g: g, all: all, n: n})
	for i := n; i < old.n; i++ {
		for _, v := range g.retire(all[i]) {
			rehome(v)
		}
	}
	return nil
}

// retire takes worker s out: no new items, its queued items taken back
// (and returned), its goroutine woken to end after the item it runs.
func (g *Group[T]) retire(s *slot[T]) []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retired = true
	taken := s.takeAllLocked()
	if s.parked {
		g.unpark(s, true)
	}
	return taken
}

// revive brings a retired worker back; a goroutine still finishing its
// last item goes on serving it.
func (g *Group[T]) revive(s *slot[T]) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retired = false
	if !g.onDemand && !s.serving {
		s.serving = true
		g.start(s)
	}
}
