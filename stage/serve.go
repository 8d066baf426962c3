package stage

import "time"

// serve is the body of a goroutine serving worker s.
func (g *Group[T]) serve(s *slot[T]) {
	returned := false
	defer func() {
		if returned {
			return
		}
		if r := recover(); r != nil {
			g.alive.Add(-1)
			panic(r) // a bug in the handle function: let conc report it
		}
		// handle called runtime.Goexit: that item is over; serve on in a
		// new goroutine (still counted alive, still serving).
		g.finishItem(s)
		s.mu.Lock()
		g.alive.Add(-1)
		g.start(s)
		s.mu.Unlock()
	}()
	for {
		v, ok := g.next(s)
		if !ok {
			break
		}
		s.released = false
		g.handle(s.idx, v)
		g.finishItem(s)
	}
	returned = true
}

// finishItem lowers s's load for the item its goroutine ran, unless
// Release did.
func (g *Group[T]) finishItem(s *slot[T]) {
	if !s.released {
		s.released = true
		s.active.Add(-1)
	}
}

// next returns the item worker s runs next: its own, else stolen, else the
// first to arrive while it is parked. It returns false when the goroutine
// is to end: the worker is retired, or the group is closing and no work is
// left for it, or (on demand) it lingered idle.
func (g *Group[T]) next(s *slot[T]) (T, bool) {
	s.mu.Lock()
	s.running = false
	for {
		if v, ok := s.popLocked(); ok {
			s.running = true
			s.mu.Unlock()
			return v, true
		}
		if s.retired {
			return g.exitLocked(s)
		}
		if g.steal {
			s.mu.Unlock()
			stole := g.stealInto(s)
			s.mu.Lock()
			if stole || s.q.len()+s.pinned.len() > 0 || s.retired {
				continue
			}
		}
		if s.closing || g.onDemand && g.linger == 0 {
			return g.exitLocked(s)
		}
		if !g.park(s) {
			return g.exitLocked(s)
		}
	}
}

// exitLocked ends s's goroutine. The caller holds s.mu, which it releases.
func (g *Group[T]) exitLocked(s *slot[T]) (T, bool) {
	s.serving = false
	// Under the lock: a goroutine started for s from now on must not be
	// counted beside this exiting one.
	g.alive.Add(-1)
	s.mu.Unlock()
	var zero T
	return zero, false
}

// park waits until s is woken, with s.mu held on entry and on return. It
// returns false if s, on demand, lingered idle for the linger time: the
// goroutine is then to end.
func (g *Group[T]) park(s *slot[T]) bool {
	s.parked = true
	g.pushIdle(s)
	s.mu.Unlock()
	if !g.onDemand {
		<-s.wake
		s.mu.Lock()
		return true
	}
	timer := time.NewTimer(g.linger)
	defer timer.Stop()
	select {
	case <-s.wake:
		s.mu.Lock()
		return true
	case <-timer.C:
	}
	s.mu.Lock()
	if !s.parked { // woken as the timer fired: its token is in wake
		<-s.wake
		return true
	}
	if g.removeIdle(s) {
		s.parked = false
		return false
	}
	// Someone took s off the idle stack to enqueue on it: wait for them.
	s.mu.Unlock()
	<-s.wake
	s.mu.Lock()
	return true
}

// stealInto moves half of the movable items of the most loaded active
// worker (at least one; the first it would have run) to thief, and reports
// whether it moved any.
func (g *Group[T]) stealInto(thief *slot[T]) bool {
	view := g.view.Load()
	var victim *slot[T]
	var most int64
	for _, s := range view.all[:view.n] {
		if m := s.movable.Load(); m > most && s != thief {
			victim, most = s, m
		}
	}
	if victim == nil {
		return false
	}
	first, second := thief, victim
	if second.idx < first.idx {
		first, second = second, first
	}
	first.mu.Lock()
	second.mu.Lock()
	defer first.mu.Unlock()
	defer second.mu.Unlock()
	n := (victim.q.len() + 1) / 2
	if n == 0 || thief.retired {
		return false
	}
	for range n {
		e, prio, _ := victim.q.pop()
		thief.seq++
		thief.q.push(entry[T]{e.v, thief.seq}, prio)
	}
	victim.movable.Add(-int64(n))
	thief.movable.Add(int64(n))
	victim.finish(n)
	thief.assign(n)
	return true
}
