package stages

import (
	"cmp"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestPqueue_MatchesSortedModel checks pushes, pops, drains and moves of
// the front (what a steal takes) against a slice kept sorted by priority
// (highest first) and arrival.
func TestPqueue_MatchesSortedModel(t *testing.T) {
	type item struct{ prio, seq int }
	rapid.Check(t, func(t *rapid.T) {
		var q, thief pqueue[item] // thief is emptied after every move, as a thief's queue is before one
		var model []item
		seq := 0
		take := func() (item, bool) {
			if len(model) == 0 {
				return item{}, false
			}
			best := 0
			for i, m := range model {
				if m.prio > model[best].prio {
					best = i
				}
			}
			v := model[best]
			model = slices.Delete(model, best, best+1)
			return v, true
		}
		t.Repeat(map[string]func(*rapid.T){
			"push": func(t *rapid.T) {
				prio := rapid.IntRange(-2, 2).Draw(t, "prio")
				v := item{prio, seq}
				seq++
				q.push(entry[item]{v, uint64(v.seq)}, prio)
				model = append(model, v)
			},
			"pop": func(t *rapid.T) {
				want, wantOK := take()
				if p, s, ok := q.peek(); ok != wantOK || ok && (p != want.prio || s != uint64(want.seq)) {
					t.Fatalf("peek = %d, %d, %v; want %v, %v", p, s, ok, want, wantOK)
				}
				got, prio, ok := q.pop()
				if ok != wantOK || got.v != want || ok && (prio != want.prio || got.seq != uint64(want.seq)) {
					t.Fatalf("pop = %v, %d, %v; want %v, %v", got, prio, ok, want, wantOK)
				}
			},
			"push many": func(t *rapid.T) { // past a ring block's end
				prio := rapid.IntRange(-2, 2).Draw(t, "prio")
				for range rapid.IntRange(1, 3*blockSize).Draw(t, "n") {
					v := item{prio, seq}
					seq++
					q.push(entry[item]{v, uint64(v.seq)}, prio)
					model = append(model, v)
				}
			},
			"move front": func(t *rapid.T) {
				n := rapid.IntRange(0, len(model)).Draw(t, "n")
				sorted := slices.Clone(model)
				slices.SortStableFunc(sorted, func(a, b item) int { return cmp.Compare(b.prio, a.prio) })
				q.moveFront(&thief, n)
				if thief.len() != n {
					t.Fatalf("thief len = %d after moving %d", thief.len(), n)
				}
				var got []item
				for {
					e, prio, ok := thief.pop()
					if !ok {
						break
					}
					if prio != e.v.prio || e.seq != uint64(e.v.seq) {
						t.Fatalf("moved %v came out with prio %d, seq %d", e.v, prio, e.seq)
					}
					got = append(got, e.v)
				}
				if !slices.Equal(got, sorted[:n]) {
					t.Fatalf("moved %v; want %v", got, sorted[:n])
				}
				model = sorted[n:] // the order among equal priorities is arrival order, kept
			},
			"drain": func(t *rapid.T) {
				want := slices.Clone(model)
				slices.SortStableFunc(want, func(a, b item) int { return cmp.Compare(b.prio, a.prio) })
				model = nil
				var got []item
				for _, e := range q.drain(nil) {
					got = append(got, e.v)
				}
				if !slices.Equal(got, want) {
					t.Fatalf("drain = %v; want %v", got, want)
				}
			},
			"": func(t *rapid.T) {
				if q.len() != len(model) {
					t.Fatalf("len = %d; want %d", q.len(), len(model))
				}
			},
		})
	})
}
