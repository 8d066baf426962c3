package stage

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
func (v *View[T]) Active(i int) int { return int(v.all[i].active.Load()) }

// Assigned returns the items ever assigned to worker i.
func (v *View[T]) Assigned(i int) uint64 { return v.all[i].assigned.Load() }

// Enqueue gives x to worker i of this view without blocking, with priority
// prio: see [Group.EnqueuePriority]. It fails with [ErrRetired] if the
// worker was retired since the view was taken, and [ErrClosed] once the
// group is closing.
func (v *View[T]) Enqueue(i int, x T, prio int) error {
	if !v.g.overflow {
		panic("stage: Enqueue on a group not made WithOverflow; use Send")
	}
	s := v.all[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return ErrClosed
	}
	if s.retired {
		return ErrRetired
	}
	s.assign()
	if s.handed < v.g.queue && s.over.len() == 0 {
		s.handed++
		s.ch <- x // never blocks: the channel holds at most handed-1 items
	} else {
		s.over.push(x, prio)
	}
	v.g.wakeLocked(s)
	return nil
}

func (s *slot[T]) assign() {
	s.active.Add(1)
	s.assigned.Add(1)
}

func (s *slot[T]) finish(n int) { s.active.Add(-int64(n)) }

var _ balance.Workers = (*View[int])(nil)

// Resize sets the number of active workers to n. Growing takes effect at
// once: workers retired earlier come back (with their index), new ones are
// made. Shrinking retires workers n and up: a retired worker finishes the
// item it runs, and every item still queued for it is taken away and given
// to rehome, in the order the worker would have run them, so the owner can
// enqueue it again on the workers that remain. Nothing is lost or given
// twice. Resize is only for groups made [WithOverflow]; it fails with
// [ErrClosed] once the group is closing. n < 1 panics.
func (g *Group[T]) Resize(n int, rehome func(v T)) error {
	if n < 1 {
		panic("stage: Resize to fewer than 1 worker")
	}
	if !g.overflow {
		panic("stage: Resize on a group not made WithOverflow")
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
			all[i] = g.newSlot(i)
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

// retire takes worker s out: no new items, its queued items taken back (and
// returned), its channel closed so its goroutine ends after the item it
// runs.
func (g *Group[T]) retire(s *slot[T]) []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retired = true
	var taken []T
	for len(s.ch) > 0 {
		taken = append(taken, <-s.ch)
		s.handed--
	}
	taken = append(taken, s.over.drain()...)
	s.finish(len(taken))
	if !s.chClosed {
		close(s.ch)
		s.chClosed = true
	}
	return taken
}

// revive brings a retired worker back, on a new channel; a goroutine still
// finishing its last item moves over to it.
func (g *Group[T]) revive(s *slot[T]) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retired = false
	if s.chClosed {
		s.ch = make(chan T, g.queue)
		s.chClosed = false
	}
	if !g.onDemand && !s.serving {
		s.serving = true
		g.start(s)
	}
}

// switchChan is called by a goroutine whose channel ch was closed: if the
// worker was revived on a new channel meanwhile, it returns that channel to
// serve on (even if it is closed since: items may wait in it); otherwise
// the goroutine stops serving.
func (g *Group[T]) switchChan(s *slot[T], ch chan T) (chan T, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ch != ch {
		return s.ch, true
	}
	s.serving = false
	// Under the lock: a goroutine woken for this worker from now on must
	// not be counted beside this exiting one.
	g.alive.Add(-1)
	return nil, false
}
