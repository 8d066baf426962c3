package stage

import (
	"cmp"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// TestPqueue_MatchesSortedModel checks pushes, pops and drains against a
// slice kept sorted by priority (highest first) and arrival.
func TestPqueue_MatchesSortedModel(t *testing.T) {
	type item struct{ prio, seq int }
	rapid.Check(t, func(t *rapid.T) {
		var q pqueue[item]
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
				q.push(v, prio)
				model = append(model, v)
			},
			"pop": func(t *rapid.T) {
				want, wantOK := take()
				got, ok := q.pop()
				if ok != wantOK || got != want {
					t.Fatalf("pop = %v, %v; want %v, %v", got, ok, want, wantOK)
				}
			},
			"drain": func(t *rapid.T) {
				want := slices.Clone(model)
				slices.SortStableFunc(want, func(a, b item) int { return cmp.Compare(b.prio, a.prio) })
				model = nil
				if got := q.drain(); !slices.Equal(got, want) {
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
