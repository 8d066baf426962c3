package balance_test

import (
	"fmt"

	"github.com/sluice-go/sluice/balance"
)

// firstIdle sends each task to the lowest-numbered idle worker, so the
// high-numbered ones stay cold until load needs them, and asks another
// strategy when every worker is busy. It has no state of its own, so it is
// safe for concurrent use if busy is, and it allocates nothing.
type firstIdle struct {
	busy balance.Strategy
}

func (s firstIdle) Pick(w balance.Workers) int {
	for i := range w.Len() {
		if w.Active(i) == 0 {
			return i
		}
	}
	return s.busy.Pick(w)
}

// This example writes a Strategy of its own.
func ExampleStrategy() {
	var s balance.Strategy = firstIdle{busy: balance.LeastActive()}
	loads := balance.NewLoads(3)
	var picks []int
	for range 5 {
		i := s.Pick(loads)
		loads.Assign(i)
		picks = append(picks, i)
	}
	loads.Finish(1) // worker 1 finishes both its tasks
	loads.Finish(1)
	picks = append(picks, s.Pick(loads))
	fmt.Println(picks)
	// Output: [0 1 2 0 1 1]
}
