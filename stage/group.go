package stage

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/conc"
)

var (
	// ErrClosed is returned by [Group.Enqueue] and [Group.Resize] once the
	// group is closing.
	ErrClosed = errors.New("stage: group closed")

	// ErrRetired is returned by [View.Enqueue] when a [Group.Resize] has
	// retired the worker since the view was taken: take a new view and
	// pick again.
	ErrRetired = errors.New("stage: worker retired by a resize")
)

// Group is a set of workers, each fed by its own bounded channel and each
// handling its items one at a time, in the order they arrived: calls to the
// handle function for one worker never overlap.
//
// Items reach a worker in one of two ways, and one group uses only one:
//
//   - [Group.Send] blocks while the worker's channel is full: the backpressure
//     a stream wants. At most queue items wait per worker, plus the one it
//     runs.
//   - [Group.Enqueue] never blocks: it is the two-layer queue of a pool. At
//     most queue items are handed to a worker at once (in its channel or
//     running); the rest wait in that worker's unbounded overflow queue,
//     highest priority first and in order within a priority, and move up as
//     the worker finishes items.
//
// Workers are goroutines managed by a conc.WaitGroup: persistent (started
// with the worker) or, with [WithOnDemand], started when an item arrives for
// a worker that has none and ended after lingering idle, so a burst pays
// one goroutine start per worker, not per item.
//
// Each worker counts its items, queued or running, and the items ever
// assigned to it; a [View] shows them to a balance.Strategy. Send and
// Enqueue assign, and the group finishes each item after its handle call
// returns (or when Abort or Resize takes it away).
//
// A group fed by Enqueue can be resized ([Group.Resize]) while it runs.
//
// The handle function must not panic: pools and flows recover user panics
// inside it. If it calls runtime.Goexit, the group counts the item as
// finished and starts a new goroutine for that worker.
//
// A Group is safe for concurrent use; it must not be copied. Close (or
// Abort) ends it; Wait waits for its goroutines.
type Group[T any] struct {
	handle   func(worker int, v T)
	queue    int
	onDemand bool
	overflow bool
	linger   time.Duration
	alive    atomic.Int64
	wg       conc.WaitGroup

	view   atomic.Pointer[View[T]]
	mu     sync.Mutex // serialises Resize, Close and Abort
	closed bool
}

type slot[T any] struct {
	idx      int
	active   atomic.Int64
	assigned atomic.Uint64

	mu       sync.Mutex
	ch       chan T
	over     pqueue[T] // Enqueue mode: items waiting for room in ch
	handed   int       // Enqueue mode: items in ch or running
	closing  bool
	chClosed bool
	retired  bool // a resize took this worker out
	serving  bool // a goroutine serves this worker
	_        [24]byte
}

// GroupOption configures a [Group].
type GroupOption func(*groupConfig)

type groupConfig struct {
	onDemand bool
	overflow bool
	linger   time.Duration
}

// WithOverflow makes a group fed by [Group.Enqueue], which never blocks,
// instead of [Group.Send].
func WithOverflow() GroupOption {
	return func(c *groupConfig) { c.overflow = true }
}

// WithOnDemand makes workers start only when an item arrives for them and
// exit after linger with nothing to do. linger 0 exits as soon as the
// worker's channel is empty. A negative linger panics.
func WithOnDemand(linger time.Duration) GroupOption {
	if linger < 0 {
		panic(fmt.Sprintf("stage: WithOnDemand with negative linger %v", linger))
	}
	return func(c *groupConfig) { c.onDemand, c.linger = true, linger }
}

// NewGroup returns a group of n workers, each with a channel of capacity
// queue, calling handle(worker, item) for every item. Persistent workers
// start at once. n < 1, queue < 1 or a nil handle panic: callers validate
// user input before they get here.
func NewGroup[T any](n, queue int, handle func(worker int, v T), opts ...GroupOption) *Group[T] {
	if n < 1 {
		panic(fmt.Sprintf("stage: NewGroup with %d workers, want at least 1", n))
	}
	if queue < 1 {
		panic(fmt.Sprintf("stage: NewGroup with queue %d, want at least 1", queue))
	}
	if handle == nil {
		panic("stage: NewGroup with nil handle")
	}
	var cfg groupConfig
	for _, o := range opts {
		o(&cfg)
	}
	g := &Group[T]{
		handle:   handle,
		queue:    queue,
		onDemand: cfg.onDemand,
		overflow: cfg.overflow,
		linger:   cfg.linger,
	}
	all := make([]*slot[T], n)
	for i := range all {
		all[i] = g.newSlot(i)
	}
	g.view.Store(&View[T]{g: g, all: all, n: n})
	return g
}

func (g *Group[T]) newSlot(i int) *slot[T] {
	s := &slot[T]{idx: i, ch: make(chan T, g.queue)}
	if !g.onDemand {
		s.mu.Lock()
		s.serving = true
		g.start(s)
		s.mu.Unlock()
	}
	return s
}

// Len returns the number of workers now.
func (g *Group[T]) Len() int { return g.view.Load().n }

// View returns the workers as they are now, for a strategy to pick from and
// for [View.Enqueue].
func (g *Group[T]) View() *View[T] { return g.view.Load() }

// Alive returns the number of worker goroutines running now.
func (g *Group[T]) Alive() int { return int(g.alive.Load()) }

// Queued returns the items waiting for worker i: in its channel or its
// overflow queue, not counting the one it runs. i may name a retired
// worker.
func (g *Group[T]) Queued(i int) int {
	s := g.view.Load().all[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.ch) + s.over.len()
}

// Handed returns the items handed to worker i in Enqueue mode: in its
// channel or running. It never exceeds the group's queue.
func (g *Group[T]) Handed(i int) int {
	s := g.view.Load().all[i]
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.handed
}

// wakeLocked starts a goroutine for s if on demand and none serves it. The
// caller holds s.mu.
func (g *Group[T]) wakeLocked(s *slot[T]) {
	if g.onDemand && !s.serving {
		s.serving = true
		g.start(s)
	}
}

// start runs a goroutine serving s on its current channel. The caller holds
// s.mu and has set s.serving.
func (g *Group[T]) start(s *slot[T]) {
	g.alive.Add(1)
	ch := s.ch
	g.wg.Go(func() { g.serve(s, ch) })
}
