package stage

import "time"

// serve is the body of worker i's goroutine.
func (g *Group[T]) serve(i int) {
	returned := false
	defer func() {
		if returned {
			return
		}
		g.alive.Add(-1)
		if r := recover(); r != nil {
			panic(r) // a bug in the handle function: let conc report it
		}
		// handle called runtime.Goexit: that item is over; serve on in a
		// new goroutine.
		g.itemDone(i)
		g.start(i)
	}()
	if g.onDemand {
		g.serveOnDemand(i) // leaves alive itself, as it stops serving
	} else {
		for v := range g.slots[i].ch {
			g.handle(i, v)
			g.itemDone(i)
		}
		g.alive.Add(-1)
	}
	returned = true
}

// serveOnDemand serves worker i until its channel has been empty for the
// linger time, or is closed and empty.
func (g *Group[T]) serveOnDemand(i int) {
	s := &g.slots[i]
	var timer *time.Timer
	for {
		select {
		case v, ok := <-s.ch:
			if !ok {
				g.stopServing(i)
				return
			}
			g.handle(i, v)
			g.itemDone(i)
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
			case v, ok := <-s.ch:
				if !ok {
					g.stopServing(i)
					return
				}
				g.handle(i, v)
				g.itemDone(i)
				continue
			case <-timer.C:
			}
		}
		// Idle: exit unless an item arrived meanwhile. Senders wake the
		// worker under the same lock, after their send, so no item is
		// left without a goroutine.
		s.mu.Lock()
		if len(s.ch) > 0 {
			s.mu.Unlock()
			continue
		}
		s.serving = false
		// Under the lock: a goroutine woken for this worker from now on
		// must not be counted beside this exiting one.
		g.alive.Add(-1)
		s.mu.Unlock()
		if timer != nil {
			timer.Stop()
		}
		return
	}
}

func (g *Group[T]) stopServing(i int) {
	s := &g.slots[i]
	s.mu.Lock()
	s.serving = false
	g.alive.Add(-1)
	s.mu.Unlock()
}
