package stage

// ring is unexported, so its test lives inside the package; the group tests
// exercise it again from the outside, as every Enqueue overflow queue.

import (
	"testing"

	"pgregory.net/rapid"
)

// TestRing_MatchesSliceModel runs random pushes, pops and drains against a
// plain slice and checks order, length, growth and that popped slots no
// longer hold their values.
func TestRing_MatchesSliceModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var r ring[*int]
		var model []*int
		peak := 0
		next := 0
		t.Repeat(map[string]func(*rapid.T){
			"push": func(t *rapid.T) {
				k := rapid.IntRange(1, 20).Draw(t, "pushes")
				for range k {
					v := new(int)
					*v = next
					next++
					r.push(v)
					model = append(model, v)
				}
				peak = max(peak, len(model))
			},
			"pop": func(t *rapid.T) {
				k := rapid.IntRange(1, 20).Draw(t, "pops")
				for range k {
					v, ok := r.pop()
					if len(model) == 0 {
						if ok || v != nil {
							t.Fatalf("pop on empty ring = %v, %v; want nil, false", v, ok)
						}
						continue
					}
					if !ok || v != model[0] {
						t.Fatalf("pop = %v, %v; want %d, true", deref(v), ok, *model[0])
					}
					model = model[1:]
				}
			},
			"drain": func(t *rapid.T) {
				got := r.drain()
				if len(got) != len(model) {
					t.Fatalf("drain returned %d items, want %d", len(got), len(model))
				}
				for i := range got {
					if got[i] != model[i] {
						t.Fatalf("drain[%d] = %d, want %d", i, deref(got[i]), *model[i])
					}
				}
				model = nil
				// Drained, the ring gives back a buffer larger than
				// keptRing, and grows again from nothing.
				if len(r.buf) > keptRing {
					t.Fatalf("a drained ring keeps %d slots, want at most %d", len(r.buf), keptRing)
				}
				if len(r.buf) == 0 {
					peak = 0
				}
			},
			"": func(t *rapid.T) {
				if r.len() != len(model) {
					t.Fatalf("len = %d, want %d", r.len(), len(model))
				}
				// The buffer grows only when full, by doubling from 8, and
				// an empty ring keeps at most keptRing slots.
				want := 0
				if peak > 0 {
					want = 8
					for want < peak {
						want *= 2
					}
				}
				if len(r.buf) != want {
					t.Fatalf("buffer holds %d slots after a peak of %d items, want %d", len(r.buf), peak, want)
				}
				// Slots outside the live range are cleared, so the ring
				// keeps no popped item alive.
				live := 0
				for _, v := range r.buf {
					if v != nil {
						live++
					}
				}
				if live != len(model) {
					t.Fatalf("%d slots hold a value, want %d", live, len(model))
				}
			},
		})
	})
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestRing_WrapsAndGrows fills a ring that has wrapped around and checks
// that growing keeps the order.
func TestRing_WrapsAndGrows(t *testing.T) {
	var r ring[int]
	for i := range 8 {
		r.push(i)
	}
	for i := range 5 {
		if v, _ := r.pop(); v != i {
			t.Fatalf("pop = %d, want %d", v, i)
		}
	}
	for i := 8; i < 20; i++ { // wraps, then grows while wrapped
		r.push(i)
	}
	got := r.drain()
	for i, v := range got {
		if v != i+5 {
			t.Fatalf("drain = %v, want 5..19 in order", got)
		}
	}
	if len(got) != 15 || r.len() != 0 {
		t.Fatalf("drained %d items, ring holds %d; want 15 and 0", len(got), r.len())
	}
	if v, ok := r.pop(); ok {
		t.Fatalf("pop after drain = %d, true; want false", v)
	}
}
