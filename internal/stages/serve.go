package stages

import "time"

// serve is the body of a goroutine serving worker s; fresh is false for
// one that takes over from a goroutine ended by runtime.Goexit.
func (g *Group[T]) serve(s *slot[T], fresh bool) {
	if fresh && g.started != nil {
		g.started(s.idx)
	}
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
		g.wg.Go(func() { g.serve(s, false) }) // alive already counts it
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
	if g.ended != nil {
		g.ended(s.idx)
	}
}

// finishItem lowers s's load for the item its goroutine ran, unless
// Release did.
func (g *Group[T]) finishItem(s *slot[T]) { s.release() }

// next returns the item worker s runs next: its own, else stolen, else the
// first to arrive while it is parked. It returns false when the goroutine
// is to end: the worker is retired, or the group is closing and no work is
// left for it, or (on demand) it lingered idle.
func (g *Group[T]) next(s *slot[T]) (T, bool) {
	s.mu.Lock()
	s.running = false // s.cur is overwritten next, or cleared below
	for {
		if v, ok := s.popLocked(); ok {
			s.running, s.cur = true, v
			s.mu.Unlock()
			return v, true
		}
		var zero T
		s.cur = zero // nothing to run: let the last item go
		if s.retired {
			return g.exitLocked(s)
		}
		// A persistent worker that runs dry parks at once: park looks
		// for work to steal once it is on the idle stack, as it must
		// anyway, so a lone task's worker does one look, not two,
		// before its caller can run. Others look first: a closing
		// worker helps with what is left before it exits, and an
		// on-demand one before it lingers or ends.
		if g.steal && (s.closing || g.onDemand) && g.stealLocked(s) {
			continue
		}
		if s.closing {
			return g.exitLocked(s)
		}
		parked := parkLingered
		var given T
		if !(g.onDemand && g.linger == 0) {
			parked, given = g.park(s)
		}
		switch parked {
		case parkGiven:
			return given, true
		case parkWoken:
			continue
		case parkSawWork:
			g.stealLocked(s)
			continue
		}
		if g.exitIdle(s) {
			continue
		}
		return zero, false
	}
}

// stealLocked steals into s, with s.mu held on entry and on return (and
// released in between), and reports whether s has work or is retired.
func (g *Group[T]) stealLocked(s *slot[T]) bool {
	s.mu.Unlock()
	stole := g.stealInto(s)
	s.mu.Lock()
	return stole || s.q.len()+s.pinned.len() > 0 || s.retired
}

// exitIdle ends s's goroutine for lack of work, with s.mu held, which it
// releases, unless work to steal has turned up since s last looked: an
// enqueue onto a busy worker that saw this goroutine still counted alive
// started no other, so s looks once more after it stopped counting. It
// reports whether s serves on, with s.mu held again.
func (g *Group[T]) exitIdle(s *slot[T]) bool {
	g.exitLocked(s)
	if !g.steal {
		return false
	}
	if victim, _ := g.mostLoaded(s); victim == nil {
		return false
	}
	s.mu.Lock()
	if s.serving || s.retired || s.closing { // another goroutine has s
		s.mu.Unlock()
		return false
	}
	s.serving = true
	g.alive.Add(1)
	return true
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

// parkOutcome is how a park ended.
type parkOutcome uint8

const (
	parkLingered parkOutcome = iota // on demand, idle for the linger time: the goroutine is to end
	parkWoken                       // woken to look at its queue, or for a resize or close
	parkSawWork                     // not parked after all: there is work to steal
	parkGiven                       // handed an item, as taken (see put)
)

// park waits until s is woken, with s.mu held on entry and on return, and
// says how it ended; if it was given an item, it returns that too, and
// s.mu is not held.
//
// A worker that parks after it last looked for work to steal could miss an
// item enqueued on a busy worker in between. So it looks again once it is
// on the idle stack, and an enqueue onto a busy worker looks at the stack
// after it queued: with both orders sequentially consistent, one of the two
// sees the other.
func (g *Group[T]) park(s *slot[T]) (parkOutcome, T) {
	var zero T
	s.parked = true
	g.pushIdle(s)
	s.mu.Unlock()
	if g.steal {
		if victim, _ := g.mostLoaded(s); victim != nil {
			s.mu.Lock()
			if cancelled, w := g.cancelPark(s, true); !cancelled {
				return g.woken(s, w)
			}
			return parkSawWork, zero
		}
	}
	if !g.onDemand {
		return g.woken(s, <-s.wake)
	}
	timer := time.NewTimer(g.linger)
	defer timer.Stop()
	select {
	case w := <-s.wake:
		return g.woken(s, w)
	case <-timer.C:
	}
	s.mu.Lock()
	if cancelled, w := g.cancelPark(s, false); !cancelled {
		return g.woken(s, w)
	}
	return parkLingered, zero
}

// woken ends a park on the token w that s received, taking s.mu unless w
// gives an item.
func (g *Group[T]) woken(s *slot[T], w wakeup[T]) (parkOutcome, T) {
	if w.given {
		return parkGiven, w.v
	}
	s.mu.Lock()
	return parkWoken, w.v
}

// cancelPark ends a park of s that its goroutine gives up itself, with
// s.mu held: if no waker has s, it takes s off the idle stack; if one has,
// it waits for the waker's token. A waker that took s gives it an item, so
// s will not look for the work it saw (sawWork): it calls another thief
// for that work instead. It reports whether s took itself off the stack,
// with s.mu still held; if not, a waker had it, and it returns the
// waker's token, with s.mu released.
func (g *Group[T]) cancelPark(s *slot[T], sawWork bool) (cancelled bool, w wakeup[T]) {
	if s.parked && g.removeIdle(s) {
		s.parked = false
		return true, w
	}
	s.mu.Unlock()
	w = <-s.wake // the waker's: sent, or about to be, since s.parked is false
	if sawWork {
		g.callThief(g.view.Load())
	}
	return false, w
}

// wakeThief wakes the worker that parked last, if any, so that it steals
// work just queued on a busy worker, and reports whether it woke one.
func (g *Group[T]) wakeThief() bool {
	s := g.popIdle()
	if s == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.parked {
		return false
	}
	g.unpark(s, false)
	return true
}

// stealInto moves half of the movable items of the most loaded active
// worker (at least one; the first it would have run) to thief, and reports
// whether it moved any.
func (g *Group[T]) stealInto(thief *slot[T]) bool {
	n := g.moveTo(thief)
	if n > 1 {
		g.callThief(g.view.Load()) // the rest wait behind the first
	}
	return n > 0
}

// moveTo moves half of the movable items of the most loaded active worker
// to thief and returns how many.
func (g *Group[T]) moveTo(thief *slot[T]) int {
	victim, _ := g.mostLoaded(thief)
	if victim == nil {
		return 0
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
	// Checked under both locks: an Abort that has drained the thief has
	// set aborted first, and one that has not will drain it after. And a
	// thief that was given work since it looked runs that instead: stolen
	// items queued behind newer ones could wait behind a task that waits
	// for them.
	if n == 0 || thief.retired || g.aborted.Load() || thief.q.len()+thief.pinned.len() > 0 {
		return 0
	}
	// The thief's queues are empty, so the items keep the victim's
	// sequence numbers: whatever the thief is given from now on is
	// numbered after every one of them.
	victim.q.moveFront(&thief.q, n)
	thief.seq = max(thief.seq, victim.seq)
	victim.load.Add(loadDelta(-n, -n))
	thief.load.Add(loadDelta(n, n))
	thief.assigned.Add(uint64(n))
	return n
}

// mostLoaded returns the active worker other than thief with the most
// movable items, and how many, or nil if none has any.
func (g *Group[T]) mostLoaded(thief *slot[T]) (*slot[T], int) {
	view := g.view.Load()
	var victim *slot[T]
	var most int
	for _, s := range view.all[:view.n] {
		if m := s.movable(); m > most && s != thief {
			victim, most = s, m
		}
	}
	return victim, most
}
