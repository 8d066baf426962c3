package balance_test

import (
	"sync/atomic"

	"github.com/sluice-go/sluice/balance"
)

// view is the Workers the tests and benchmarks pick from, shaped like the
// one a pool gives its strategy (its worker group's live view): a slice of
// pointers to per-worker structs holding atomic counts, each allocated on
// its own, so every count a strategy reads is a pointer chase and an atomic
// load, as it is in a pool.
type view struct {
	all []*worker
	n   int // workers 0..n-1 are active
}

// worker is one worker's counts, alone on a 64-byte cache line: a 64-byte
// allocation is 64-byte aligned, so workers updating their own counts do
// not slow each other down.
type worker struct {
	active   atomic.Int64  // tasks queued or running
	assigned atomic.Uint64 // tasks ever given
	_        [48]byte
}

var _ balance.Workers = (*view)(nil)

// newView returns n workers holding no tasks.
func newView(n int) *view {
	v := &view{all: make([]*worker, n), n: n}
	for i := range v.all {
		v.all[i] = new(worker)
	}
	return v
}

func (v *view) Len() int              { return v.n }
func (v *view) Active(i int) int      { return int(v.all[i].active.Load()) }
func (v *view) Assigned(i int) uint64 { return v.all[i].assigned.Load() }

// assign records that worker i was given a task, as a pool does when it
// acts on a pick.
func (v *view) assign(i int) {
	v.all[i].active.Add(1)
	v.all[i].assigned.Add(1)
}

// finish records that worker i is done with a task.
func (v *view) finish(i int) { v.all[i].active.Add(-1) }

// viewOf returns a view with the counts of f.
func viewOf(f fixed) *view {
	v := newView(f.Len())
	for i, w := range v.all {
		w.active.Store(int64(f.active[i]))
		w.assigned.Store(f.assigned[i])
	}
	return v
}
