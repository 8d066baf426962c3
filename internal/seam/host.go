package seam

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/sluice-go/sluice/internal/policy"
	"github.com/sluice-go/sluice/internal/stages"
	"github.com/sluice-go/sluice/stage"
)

// Host runs one backend under one stages.Group (a pool's, or a flow's pool
// stage for one run). The group has Lanes() slots per worker, slot s
// serving worker s/Lanes(), so each lane is a group worker of its own and
// the group's stealing, parking and MaxQueued bound hold for lanes as they
// do for workers. The Host counts each worker's lane goroutines through the
// group's hooks ([Host.Started], [Host.Ended]) and tells the backend when
// the last one ends; a goroutine that starts for a worker waits until the
// backend has heard that the worker ended before it runs, so a backend
// never sees Run on a worker it is ending.
//
// A Host is safe for concurrent use.
type Host[In, Out any] struct {
	b      stage.Backend[In, Out]
	lanes  int
	policy policy.Policy
	plain  bool
	run    func(ctx context.Context, w int, in In) (Out, error) // b.Run

	mu    sync.Mutex // grows cells
	cells atomic.Pointer[[]*cell]

	closed   sync.Once
	closeErr error
}

// cell is one worker's lifecycle: its lane goroutines and its lock,
// held while the backend starts or ends it.
type cell struct {
	mu   sync.Mutex
	live int // lane goroutines serving the worker
}

// NewHost returns a host for b running tasks under pol, with
// min(lanes, maxQueued) lanes per worker if b is a [stage.Laned].
func NewHost[In, Out any](b stage.Backend[In, Out], pol policy.Policy, maxQueued int) (*Host[In, Out], error) {
	lanes := 1
	if l, ok := b.(stage.Laned); ok {
		lanes = l.Lanes()
		if lanes < 1 {
			return nil, fmt.Errorf("backend %T has %d lanes, want at least 1", b, lanes)
		}
		lanes = min(lanes, max(maxQueued, 1))
	}
	return &Host[In, Out]{b: b, lanes: lanes, policy: pol, plain: pol.Plain(), run: b.Run}, nil
}

// Lanes returns the group slots per worker.
func (h *Host[In, Out]) Lanes() int { return h.lanes }

// Worker returns the worker that group slot serves.
func (h *Host[In, Out]) Worker(slot int) int {
	if h.lanes == 1 {
		return slot
	}
	return slot / h.lanes
}

// Hooks returns the group option that reports lane goroutines to h.
func (h *Host[In, Out]) Hooks() stages.GroupOption {
	return stages.WithWorkerHooks(h.Started, h.Ended)
}

// cell returns worker w's cell, making cells up to w.
func (h *Host[In, Out]) cell(w int) *cell {
	if cs := h.cells.Load(); cs != nil && w < len(*cs) {
		return (*cs)[w]
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	var cs []*cell
	if old := h.cells.Load(); old != nil {
		cs = *old
	}
	if w < len(cs) {
		return cs[w]
	}
	cs = append(cs[:len(cs):len(cs)], make([]*cell, w+1-len(cs))...)
	for i := range cs {
		if cs[i] == nil {
			cs[i] = new(cell)
		}
	}
	h.cells.Store(&cs)
	return cs[w]
}

// Started is the group hook for a goroutine that starts serving slot.
// It waits while the backend ends the slot's worker.
func (h *Host[In, Out]) Started(slot int) {
	c := h.cell(h.Worker(slot))
	c.mu.Lock()
	c.live++
	c.mu.Unlock()
}

// Ended is the group hook for a goroutine that stops serving slot: the
// worker's last lane to end tells the backend.
func (h *Host[In, Out]) Ended(slot int) {
	w := h.Worker(slot)
	c := h.cell(w)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live--
	if c.live == 0 {
		h.b.WorkerEnded(w)
	}
}

// Start starts workers from..to-1 ahead of their tasks if the backend is
// a [stage.Starter], stopping at the first error, which it returns after
// ending the workers it started that no goroutine serves yet.
func (h *Host[In, Out]) Start(ctx context.Context, from, to int) error {
	s, ok := h.b.(stage.Starter)
	if !ok {
		return nil
	}
	for w := from; w < to; w++ {
		if err := h.start(s, ctx, w); err != nil {
			for v := from; v < w; v++ {
				h.endIdle(v)
			}
			return err
		}
	}
	return nil
}

func (h *Host[In, Out]) start(s stage.Starter, ctx context.Context, w int) error {
	c := h.cell(w)
	c.mu.Lock()
	defer c.mu.Unlock()
	return s.Start(ctx, w)
}

// endIdle ends worker w if no goroutine serves it.
func (h *Host[In, Out]) endIdle(w int) {
	c := h.cell(w)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live == 0 {
		h.b.WorkerEnded(w)
	}
}

// Close closes the backend once, after the group's goroutines have ended,
// and returns what the first call got.
func (h *Host[In, Out]) Close() error {
	h.closed.Do(func() { h.closeErr = h.b.Close() })
	return h.closeErr
}
