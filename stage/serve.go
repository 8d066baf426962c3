package stage

import "time"

// serve is the body of a goroutine serving worker s, starting on channel
// ch.
func (g *Group[T]) serve(s *slot[T], ch chan T) {
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
		g.itemDone(s)
		s.mu.Lock()
		g.alive.Add(-1)
		g.start(s)
		s.mu.Unlock()
	}()
	if g.onDemand {
		g.serveOnDemand(s, ch)
	} else {
		for {
			for v := range ch {
				g.handle(s.idx, v)
				g.itemDone(s)
			}
			var ok bool
			if ch, ok = g.switchChan(s, ch); !ok {
				break
			}
		}
	}
	returned = true
}

// serveOnDemand serves worker s until its channel has been empty for the
// linger time, or is closed and empty.
func (g *Group[T]) serveOnDemand(s *slot[T], ch chan T) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		select {
		case v, ok := <-ch:
			if !ok {
				if ch, ok = g.switchChan(s, ch); !ok {
					return
				}
				continue
			}
			g.handle(s.idx, v)
			g.itemDone(s)
			continue
		default:
		}
		if g.linger > 0 {
			if timer == nil {
				timer = time.NewTimer(g.linger)
			} else {
				timer.Reset(g.linger)
			}
			select {
			case v, ok := <-ch:
				if !ok {
					if ch, ok = g.switchChan(s, ch); !ok {
						return
					}
					continue
				}
				g.handle(s.idx, v)
				g.itemDone(s)
				continue
			case <-timer.C:
			}
		}
		// Idle: exit unless an item arrived meanwhile. Senders wake the
		// worker under the same lock, after their send, so no item is
		// left without a goroutine.
		s.mu.Lock()
		if s.ch != ch { // revived on a new channel
			ch = s.ch
			s.mu.Unlock()
			continue
		}
		if len(ch) > 0 {
			s.mu.Unlock()
			continue
		}
		s.serving = false
		// Under the lock: a goroutine woken for this worker from now on
		// must not be counted beside this exiting one.
		g.alive.Add(-1)
		s.mu.Unlock()
		return
	}
}
