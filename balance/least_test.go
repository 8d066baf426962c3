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
// plain Workers and as *Loads, which the strategies read by a faster path;
// the two must also agree on the pick.
func TestLeast_PicksLeast(t *testing.T) {
	count := map[string]func(w balance.Workers, i int) uint64{
		"least-active": func(w balance.Workers, i int) uint64 { return uint64(w.Active(i)) },
		"least-total":  func(w balance.Workers, i int) uint64 { return w.Assigned(i) },
	}
	for _, newStrategy := range []func() balance.Strategy{balance.LeastActive, balance.LeastTotal} {
		name := fmt.Sprint(newStrategy())
		t.Run(name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				plain, fast := newStrategy(), newStrategy()
				for range rapid.IntRange(1, 10).Draw(t, "picks") {
					l := loadsOf(drawWorkers(t, 40))
					w := snapshot(l)
					i, j := plain.Pick(w), fast.Pick(l)
					if i != j {
						t.Fatalf("picked %d from %v but %d from the same as *Loads", i, w, j)
					}
					low := count[name](l, 0)
					for k := range l.Len() {
						low = min(low, count[name](l, k))
					}
					if got := count[name](l, i); got != low {
						t.Fatalf("picked worker %d with count %d from %v; least is %d", i, got, w, low)
					}
				}
			})
		})
	}
}

// loadsOf returns Loads with the active counts of w and, so that assigned
// is at least active, active plus assigned tasks assigned.
func loadsOf(w fixed) *balance.Loads {
	l := balance.NewLoads(w.Len())
	for i := range w.Len() {
		for range w.active[i] + int(w.assigned[i]) {
			l.Assign(i)
		}
		for range w.assigned[i] {
			l.Finish(i)
		}
	}
	return l
}

// snapshot copies the counts of w.
func snapshot(w balance.Workers) fixed {
	f := fixed{active: make([]int, w.Len()), assigned: make([]uint64, w.Len())}
	for i := range w.Len() {
		f.active[i], f.assigned[i] = w.Active(i), w.Assigned(i)
	}
	return f
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

// TestLeastTotal_WithLoadsIsRoundRobin checks that LeastTotal, as the only
// way tasks are assigned, gives them out in turn.
func TestLeastTotal_WithLoadsIsRoundRobin(t *testing.T) {
	s, loads := balance.LeastTotal(), balance.NewLoads(3)
	for k := range 9 {
		i := s.Pick(loads)
		if i != k%3 {
			t.Fatalf("pick %d = %d, want %d", k, i, k%3)
		}
		loads.Assign(i)
	}
}

// TestLeastTotal_CatchesUp checks that a worker behind on tasks (here, one
// the others got keyed tasks past) gets the next ones.
func TestLeastTotal_CatchesUp(t *testing.T) {
	s, loads := balance.LeastTotal(), balance.NewLoads(3)
	for range 4 {
		loads.Assign(0)
		loads.Assign(2)
	}
	for k := range 4 {
		if i := s.Pick(loads); i != 1 {
			t.Fatalf("pick %d = %d, want the worker behind, 1", k, i)
		}
		loads.Assign(1)
	}
}

func ExampleLeastActive() {
	s := balance.LeastActive()
	loads := balance.NewLoads(3)
	loads.Assign(0) // worker 0 is busy with a slow task
	loads.Assign(2)
	loads.Assign(2) // worker 2 has two
	i := s.Pick(loads)
	fmt.Println("next task -> worker", i)
	loads.Assign(i)
	loads.Finish(0) // the slow task is done
	fmt.Println("next task -> worker", s.Pick(loads))
	// Output:
	// next task -> worker 1
	// next task -> worker 0
}
