package stages

import (
	"slices"
	"testing"
)

// TestMoveTo_StolenKeepArrivalOrder steals from a worker whose items are
// numbered far past the thief's own count, then gives the thief an item
// pinned to it at the same priority: the stolen items came first, so they
// run first, and in their order; the victim keeps the rest, in order.
func TestMoveTo_StolenKeepArrivalOrder(t *testing.T) {
	g := &Group[int]{steal: true}
	victim, thief := newSlot[int](0), newSlot[int](1)
	g.view.Store(&View[int]{g: g, all: []*slot[int]{victim, thief}, n: 2})
	thief.pushLocked(-1, 0, true) // the thief has counted one arrival, the victim will count n
	if v, ok := thief.popLocked(); !ok || v != -1 {
		t.Fatalf("thief popped %v, %v", v, ok)
	}
	thief.release()           // as its goroutine does when the item is done
	const n = 3*blockSize + 5 // past a block's end
	for i := range n {
		victim.pushLocked(i, 0, false)
	}
	moved := g.moveTo(thief)
	if a, m := thief.active(), thief.movable(); a != moved || m != moved {
		t.Fatalf("thief active %d, movable %d after the steal; want %d, %d", a, m, moved, moved)
	}
	if moved != (n+1)/2 {
		t.Fatalf("moved %d of %d; want half, rounded up", moved, n)
	}
	thief.pushLocked(1000, 0, true)
	got := popAll(thief)
	want := append(seq(0, moved), 1000)
	if !slices.Equal(got, want) {
		t.Fatalf("thief ran %v; want %v", got, want)
	}
	rest := popAll(victim)
	if !slices.Equal(rest, seq(moved, n)) {
		t.Fatalf("victim kept %v; want %v", rest, seq(moved, n))
	}
	if a, m := victim.active(), victim.movable(); a != n-moved || m != 0 {
		t.Fatalf("victim active %d, movable %d after popping all; want %d, 0", a, m, n-moved)
	}
}

// popAll pops every item s holds, in the order it would run them.
func popAll(s *slot[int]) []int {
	var out []int
	for {
		v, ok := s.popLocked()
		if !ok {
			return out
		}
		out = append(out, v)
	}
}

func seq(from, to int) []int {
	out := make([]int, 0, to-from)
	for i := from; i < to; i++ {
		out = append(out, i)
	}
	return out
}
