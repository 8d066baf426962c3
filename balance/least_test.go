package balance_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/sluice-go/sluice/balance"
	"pgregory.net/rapid"
)

// TestLeast_PicksLeast checks both scanning strategies against the model:
// the picked worker's count is the least of all. Each draw is offered as
// the pools' shape of Workers and as a plain snapshot of the same counts;
// one value of each strategy picks from both in step, so the two picks
// must also agree.
func TestLeast_PicksLeast(t *testing.T) {
	count := map[string]func(w balance.Workers, i int) uint64{
		"least-active": func(w balance.Workers, i int) uint64 { return uint64(w.Active(i)) },
		"least-total":  func(w balance.Workers, i int) uint64 { return w.Assigned(i) },
	}
	for _, newStrategy := range []func() balance.Strategy{balance.LeastActive, balance.LeastTotal} {
		name := fmt.Sprint(newStrategy())
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				live, snap := newStrategy(), newStrategy()
				for range rapid.IntRange(1, 10).Draw(t, "picks") {
					f := drawWorkers(t, 40)
					v := viewOf(f)
					i, j := live.Pick(v), snap.Pick(f)
					if i != j {
						t.Fatalf("picked %d from the view of %v but %d from the snapshot", i, f, j)
					}
					low := count[name](f, 0)
					for k := range f.Len() {
						low = min(low, count[name](f, k))
					}
					if got := count[name](v, i); got != low {
						t.Fatalf("picked worker %d with count %d from %v; least is %d", i, got, f, low)
					}
				}
			})
		})
	}
}

// TestLeast_TiesRotate checks the documented tie-break: among equals the
// scan starts one further on at each pick, so they take exact turns.
func TestLeast_TiesRotate(t *testing.T) {
	for _, newStrategy := range []func() balance.Strategy{balance.LeastActive, balance.LeastTotal} {
		for _, load := range []int{0, 3} {
			s, w := newStrategy(), equalLoads(4, load)
			var got []int
			for range 6 {
				got = append(got, s.Pick(w))
			}
			if want := []int{0, 1, 2, 3, 0, 1}; !slices.Equal(got, want) {
				t.Errorf("%v, all holding %d: picks %v, want %v", s, load, got, want)
			}
		}
	}
}

// TestLeast_TieAmongSome checks that the rotation only chooses among the
// least loaded.
func TestLeast_TieAmongSome(t *testing.T) {
	s, w := balance.LeastActive(), fixedOf([]int{2, 1, 2, 1, 2})
	var got []int
	for range 5 {
		got = append(got, s.Pick(w))
	}
	// Scans start at 0, 1, 2, 3, 4 and take the first 1 they meet.
	if want := []int{1, 1, 3, 3, 1}; !slices.Equal(got, want) {
		t.Errorf("picks %v, want %v", got, want)
	}
}

// TestLeastTotal_AloneIsRoundRobin checks that LeastTotal, as the only
// way tasks are assigned, gives them out in turn.
func TestLeastTotal_AloneIsRoundRobin(t *testing.T) {
	s, loads := balance.LeastTotal(), newView(3)
	for k := range 9 {
		i := s.Pick(loads)
		if i != k%3 {
			t.Fatalf("pick %d = %d, want %d", k, i, k%3)
		}
		loads.assign(i)
	}
}

// TestLeastTotal_CatchesUp checks that a worker behind on tasks (here, one
// the others got keyed tasks past) gets the next ones.
func TestLeastTotal_CatchesUp(t *testing.T) {
	s, loads := balance.LeastTotal(), newView(3)
	for range 4 {
		loads.assign(0)
		loads.assign(2)
	}
	for k := range 4 {
		if i := s.Pick(loads); i != 1 {
			t.Fatalf("pick %d = %d, want the worker behind, 1", k, i)
		}
		loads.assign(1)
	}
}

func ExampleLeastActive() {
	s := balance.LeastActive()
	w := counts{1, 0, 2} // worker 0 is busy with a slow task, worker 2 has two
	i := s.Pick(w)
	fmt.Println("next task -> worker", i)
	w[i]++
	w[0]-- // the slow task is done
	fmt.Println("next task -> worker", s.Pick(w))
	// Output:
	// next task -> worker 1
	// next task -> worker 0
}
