package stages

// ring is unexported, so its test lives inside the package; the group tests
// exercise it again from the outside, as every worker's queue.

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
			},
			"": func(t *rapid.T) {
				if r.len() != len(model) {
					t.Fatalf("len = %d, want %d", r.len(), len(model))
				}
				// A ring holds the blocks its items fill and at most two
				// more: the one being emptied and a spare.
				if most := (r.len()+blockSize-1)/blockSize + 2; r.blocks() > most {
					t.Fatalf("%d blocks for %d items, want at most %d", r.blocks(), r.len(), most)
				}
				// Slots outside the live range are cleared, so the ring
				// keeps no popped item alive.
				live := 0
				for _, b := range r.allBlocks() {
					for _, v := range b.items {
						if v != nil {
							live++
						}
					}
				}
				if live != len(model) {
					t.Fatalf("%d slots hold a value, want %d", live, len(model))
				}
			},
		})
	})
}

// allBlocks returns the ring's blocks, spare included.
func (r *ring[T]) allBlocks() []*block[T] {
	var out []*block[T]
	for b := r.head; b != nil; b = b.next {
		out = append(out, b)
	}
	if r.spare != nil {
		out = append(out, r.spare)
	}
	return out
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestRing_CrossesBlocks pushes and pops across several block boundaries
// and checks the order and that a drained ring keeps two blocks at most.
func TestRing_CrossesBlocks(t *testing.T) {
	var r ring[int]
	next, want := 0, 0
	for round := range 5 {
		for range 100 + 37*round {
			r.push(next)
			next++
		}
		for range 70 {
			if v, _ := r.pop(); v != want {
				t.Fatalf("pop = %d, want %d", v, want)
			}
			want++
		}
	}
	got := r.drain()
	for i, v := range got {
		if v != want+i {
			t.Fatalf("drain[%d] = %d, want %d", i, v, want+i)
		}
	}
	if r.len() != 0 || r.blocks() > 2 {
		t.Fatalf("drained ring holds %d items in %d blocks; want 0 in at most 2", r.len(), r.blocks())
	}
	if v, ok := r.pop(); ok {
		t.Fatalf("pop after drain = %d, true; want false", v)
	}
}
