package stages

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/conc"
)

var (
	// ErrClosed is returned by [View.Enqueue] and [Group.Resize] once the
	// group is closing.
	ErrClosed = errors.New("stages: group closed")

	// ErrRetired is returned by [View.Enqueue] when a [Group.Resize] has
	// retired the worker since the view was taken: take a new view and
	// pick again.
	ErrRetired = errors.New("stages: worker retired by a resize")
)

// Group is a set of workers, each with its own unbounded queue and each
// handling its items one at a time: calls to the handle function for one
// worker never overlap.
//
// [View.Enqueue] never blocks: the owner's strategy picks a worker and the
// item joins that worker's queue, highest priority first and in order
// within a priority. A worker takes its next item when it finishes one, so
// it holds one item at a time and every other item waits where the group
// can still move it. With stealing (the default; see [WithoutStealing]),
// no worker stays idle while items it may run wait elsewhere:
//
//   - a worker whose queue is empty takes half of the queue of the most
//     loaded worker (the oldest, highest-priority items) before it parks;
//   - while a worker is parked, a movable item goes to the worker that
//     parked last, whatever the owner picked, so an idle group hands work
//     to a warm goroutine.
//
// Items enqueued pinned never move: they run on the worker they were given
// to, in the order they were given.
//
// Workers are goroutines managed by a conc.WaitGroup: persistent (started
// with the worker) or, with [WithOnDemand], started when an item arrives for
// a worker that has none and ended after lingering idle, so a burst pays
// one goroutine start per worker, not per item.
//
// Each worker counts its items, queued or running, and the items ever
// assigned to it; a [View] shows them to a balance.Strategy. A running
// item's load is lowered when its handle call returns, or earlier by
// [Group.Release].
//
// The handle function must not panic: pools and flows recover user panics
// inside it. If it calls runtime.Goexit, the group counts the item as
// finished and starts a new goroutine for that worker.
//
// A Group is safe for concurrent use; it must not be copied. Close (or
// Abort) ends it; Wait waits for its goroutines.
type Group[T any] struct {
	handle   func(worker int, v T)
	onDemand bool
	steal    bool
	linger   time.Duration
	alive    atomic.Int64
	wg       conc.WaitGroup
	started  func(worker int) // see WithWorkerHooks; nil if none
	ended    func(worker int)

	view    atomic.Pointer[View[T]]
	mu      sync.Mutex // serialises Resize, Close and Abort
	closed  bool
	aborted atomic.Bool // no steal may move items once Abort has begun

	idleMu sync.Mutex   // innermost lock: taken with or without a slot's
	idle   []*slot[T]   // parked workers, the one that parked last at the end
	nidle  atomic.Int32 // len(idle), read without the lock
}

// slot is one worker. Its mutex guards the queues and the flags; the
// atomics are read by strategies and thieves without it. Two slots' locks
// are only ever held together by a steal, in index order.
type slot[T any] struct {
	idx      int
	load     atomic.Uint64 // the items queued or running (low half) and q.len() (high half): see loadDelta
	assigned atomic.Uint64 // items ever given, stolen ones included

	mu       sync.Mutex
	q        pqueue[T] // items that may move to another worker
	pinned   pqueue[T] // items that run here
	seq      uint64    // arrival order across q and pinned
	running  bool      // the worker took an item and has not finished it
	cur      T         // that item, for Running
	closing  bool
	retired  bool // a resize took this worker out
	serving  bool // a goroutine serves this worker
	parked   bool // its goroutine waits on wake; it is in the idle stack
	wake     chan wakeup[T]
	released bool // the running item's load is lowered; its goroutine's own
	_        [24]byte
}

// wakeup is the token that ends a park: one per park. An enqueue onto a
// parked worker hands it the item in the token (given), so the worker
// runs it without taking its lock or going through its queue.
type wakeup[T any] struct {
	v     T
	given bool
}

func newSlot[T any](i int) *slot[T] {
	return &slot[T]{idx: i, wake: make(chan wakeup[T], 1)}
}

// GroupOption configures a [Group].
type GroupOption func(*groupConfig)

type groupConfig struct {
	onDemand       bool
	noSteal        bool
	linger         time.Duration
	started, ended func(worker int)
}

// WithOnDemand makes workers start only when an item arrives for them and
// exit after linger with nothing to do. linger 0 exits as soon as the
// worker's queue is empty. A negative linger panics.
func WithOnDemand(linger time.Duration) GroupOption {
	if linger < 0 {
		panic(fmt.Sprintf("stages: WithOnDemand with negative linger %v", linger))
	}
	return func(c *groupConfig) { c.onDemand, c.linger = true, linger }
}

// WithoutStealing keeps every item on the worker it was enqueued on: no
// worker takes another's items, and an idle worker gets only what is
// enqueued on it.
func WithoutStealing() GroupOption {
	return func(c *groupConfig) { c.noSteal = true }
}

// WithWorkerHooks calls started(w) in each goroutine that serves worker w
// before it takes its first item, and ended(w) in that goroutine after
// its last, as it exits: on demand after its linger, after a Resize
// retired w, or once the group is closing and w's work is done. A
// goroutine that replaces one ended by runtime.Goexit calls neither: the
// worker serves on. Hooks run outside the group's locks and off its hot
// path, but a goroutine for w may start while an ended(w) for the one
// before it still runs, so a hook that needs the two in order orders them
// itself. A nil hook is skipped.
func WithWorkerHooks(started, ended func(worker int)) GroupOption {
	return func(c *groupConfig) { c.started, c.ended = started, ended }
}

// NewGroup returns a group of n workers calling handle(worker, item) for
// every item. Persistent workers start at once. n < 1 or a nil handle
// panic: callers validate user input before they get here.
func NewGroup[T any](n int, handle func(worker int, v T), opts ...GroupOption) *Group[T] {
	if n < 1 {
		panic(fmt.Sprintf("stages: NewGroup with %d workers, want at least 1", n))
	}
	if handle == nil {
		panic("stages: NewGroup with nil handle")
	}
	var cfg groupConfig
	for _, o := range opts {
		o(&cfg)
	}
	g := &Group[T]{
		handle:   handle,
		onDemand: cfg.onDemand,
		steal:    !cfg.noSteal,
		linger:   cfg.linger,
		started:  cfg.started,
		ended:    cfg.ended,
	}
	all := make([]*slot[T], n)
	for i := range all {
		all[i] = newSlot[T](i)
	}
	g.view.Store(&View[T]{g: g, all: all, n: n})
	for _, s := range all {
		g.serveFirst(s)
	}
	return g
}

// serveFirst starts a persistent worker's goroutine. The view it reads
// must be published first.
func (g *Group[T]) serveFirst(s *slot[T]) {
	if !g.onDemand {
		s.mu.Lock()
		s.serving = true
		g.start(s)
		s.mu.Unlock()
	}
}

// Len returns the number of workers now.
func (g *Group[T]) Len() int { return g.view.Load().n }

// View returns the workers as they are now, for a strategy to pick from and
// for [View.Enqueue].
func (g *Group[T]) View() *View[T] { return g.view.Load() }

// Alive returns the number of worker goroutines running now.
func (g *Group[T]) Alive() int { return int(g.alive.Load()) }

// Load returns the items waiting for worker i and the ones it runs (0 or
// 1), with one lock: an item counts as running from when the worker takes
// it until its handle call returns or [Group.Release] lowers its load. i
// may name a retired worker.
func (g *Group[T]) Load(i int) (queued, running int) {
	s := g.view.Load().all[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	queued = s.q.len() + s.pinned.len()
	return queued, max(0, s.active()-queued)
}

// Running calls fn for the item each worker has taken and not yet come
// back from (a worker that went on to look for its next item has none):
// once a cancelling stop has begun ([Group.Abort]), its owner cancels
// these. fn runs outside the group's locks (settling a future runs its
// callbacks, which may call back into the group), so the worker may have
// finished v by then.
func (g *Group[T]) Running(fn func(worker int, v T)) {
	for _, s := range g.view.Load().all {
		s.mu.Lock()
		running, v := s.running, s.cur
		s.mu.Unlock()
		if running {
			fn(s.idx, v)
		}
	}
}

// Handed returns the items worker i has taken and not finished: 0 or 1.
func (g *Group[T]) Handed(i int) int {
	s := g.view.Load().all[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return 1
	}
	return 0
}

// Release lowers worker w's load for the item it runs now, before its
// handle call returns, so that a strategy picking next sees the worker as
// free: a pool calls it just before it settles the item's result. Only
// the handle call of worker w may call it, at most once per item.
func (g *Group[T]) Release(w int) {
	g.view.Load().all[w].release()
}

// release lowers s's load for the item its goroutine runs, once.
func (s *slot[T]) release() {
	if !s.released {
		s.released = true
		s.load.Add(loadDelta(-1, 0))
	}
}

// loadDelta is the change to a slot's load word for da more items queued
// or running and dm more movable ones. The two counts share one word so
// that queueing a movable item, or stealing, is one atomic add for both;
// each stays below 2^31 (a worker holding that many items would hold 256
// GiB of tasks), so neither carries into the other.
func loadDelta(da, dm int) uint64 { return uint64(int64(dm)<<32 + int64(da)) }

// active returns the items s holds, queued or running.
func (s *slot[T]) active() int { return int(uint32(s.load.Load())) }

// movable returns the items in s.q, for thieves.
func (s *slot[T]) movable() int { return int(s.load.Load() >> 32) }

// pushLocked queues x on s and counts it. The caller holds s.mu and has
// counted x in s.assigned.
func (s *slot[T]) pushLocked(x T, prio int, pinned bool) {
	s.seq++
	e := entry[T]{x, s.seq}
	if pinned {
		s.pinned.push(e, prio)
		s.load.Add(loadDelta(1, 0))
		return
	}
	s.q.push(e, prio)
	s.load.Add(loadDelta(1, 1))
}

// popLocked takes the item s runs next: the higher priority of its two
// queues' heads, the earlier one on a tie. The caller holds s.mu.
func (s *slot[T]) popLocked() (T, bool) {
	pp, ps, pok := s.pinned.peek()
	if pok {
		qp, qs, qok := s.q.peek()
		if !qok || pp > qp || pp == qp && ps < qs {
			e, _, _ := s.pinned.pop()
			return e.v, true
		}
	}
	e, _, ok := s.q.pop()
	if ok {
		s.load.Add(loadDelta(0, -1))
	}
	return e.v, ok
}

// takeAllLocked empties both queues, in the order s would run them. The
// caller holds s.mu.
func (s *slot[T]) takeAllLocked() []T {
	n := s.q.len() + s.pinned.len()
	if n == 0 {
		return nil
	}
	out := make([]T, 0, n)
	for {
		v, ok := s.popLocked()
		if !ok {
			s.load.Add(loadDelta(-len(out), 0))
			return out
		}
		out = append(out, v)
	}
}

// wakeLocked makes sure a goroutine will look at s's queue: it wakes a
// parked one, or starts one if on demand and none serves s. The caller
// holds s.mu.
func (g *Group[T]) wakeLocked(s *slot[T]) {
	switch {
	case s.parked:
		g.unpark(s, true)
	case g.onDemand && !s.serving:
		s.serving = true
		g.start(s)
	}
}

// unpark wakes s's parked goroutine, with no item, to look at its queue
// or at the group. The caller holds s.mu and has seen s.parked.
func (g *Group[T]) unpark(s *slot[T], stacked bool) {
	g.claimLocked(s, stacked)
	s.wake <- wakeup[T]{} // never blocks: one token per park
}

// claimLocked takes s's park: its goroutine now waits for the caller's
// token, and s is off the idle stack if stacked (popIdle may have taken
// it already). The caller holds s.mu, has seen s.parked, and sends the
// token.
func (g *Group[T]) claimLocked(s *slot[T], stacked bool) {
	s.parked = false
	if stacked {
		g.removeIdle(s)
	}
}

// start runs a goroutine serving s. The caller holds s.mu and has set
// s.serving.
func (g *Group[T]) start(s *slot[T]) {
	g.alive.Add(1)
	g.wg.Go(func() { g.serve(s, true) })
}

// pushIdle puts s on top of the idle stack. The caller holds s.mu.
func (g *Group[T]) pushIdle(s *slot[T]) {
	g.idleMu.Lock()
	g.idle = append(g.idle, s)
	g.nidle.Store(int32(len(g.idle)))
	g.idleMu.Unlock()
}

// popIdle takes the worker that parked last off the idle stack, if any.
// The worker stays parked until whoever gets it enqueues on it (or a
// resize or close wakes it).
func (g *Group[T]) popIdle() *slot[T] {
	g.idleMu.Lock()
	defer g.idleMu.Unlock()
	n := len(g.idle)
	if n == 0 {
		return nil
	}
	s := g.idle[n-1]
	g.idle[n-1] = nil
	g.idle = g.idle[:n-1]
	g.nidle.Store(int32(n - 1))
	return s
}

// removeIdle takes s off the idle stack and reports whether it was there.
func (g *Group[T]) removeIdle(s *slot[T]) bool {
	g.idleMu.Lock()
	defer g.idleMu.Unlock()
	for i := len(g.idle) - 1; i >= 0; i-- {
		if g.idle[i] == s {
			copy(g.idle[i:], g.idle[i+1:])
			g.idle[len(g.idle)-1] = nil
			g.idle = g.idle[:len(g.idle)-1]
			g.nidle.Store(int32(len(g.idle)))
			return true
		}
	}
	return false
}
