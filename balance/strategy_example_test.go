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

// counts is a Workers small enough for an example: worker i holds counts[i]
// tasks now, and the example moves the counts by hand. (A pool gives its
// strategy its worker group's live view, which moves as tasks come and go.)
// It does not keep how many tasks each worker was ever given; Assigned
// reports the count held now, enough for strategies that do not read it.
type counts []int

func (c counts) Len() int              { return len(c) }
func (c counts) Active(i int) int      { return c[i] }
func (c counts) Assigned(i int) uint64 { return uint64(c[i]) }

// This example writes a Strategy of its own.
func ExampleStrategy() {
	var s balance.Strategy = firstIdle{busy: balance.LeastActive()}
	w := counts{0, 0, 0} // three idle workers
	var picks []int
	for range 5 {
		i := s.Pick(w)
		w[i]++ // the task starts on worker i
		picks = append(picks, i)
	}
	w[1] -= 2 // worker 1 finishes both its tasks
	picks = append(picks, s.Pick(w))
	fmt.Println(picks)
	// Output: [0 1 2 0 1 1]
}
