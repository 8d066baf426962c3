package balance_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/sluice-go/sluice/balance"
)

func TestRoundRobin_InTurn(t *testing.T) {
	s, w := balance.RoundRobin(), busyLoads(3)
	var got []int
	for range 7 {
		got = append(got, s.Pick(w))
	}
	if want := []int{0, 1, 2, 0, 1, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("picks %v, want %v", got, want)
	}
}

func TestRoundRobin_IgnoresLoad(t *testing.T) {
	s, w := balance.RoundRobin(), fixedOf([]int{9, 0, 9})
	for k := range 6 {
		if got := s.Pick(w); got != k%3 {
			t.Fatalf("pick %d = %d, want %d", k, got, k%3)
		}
	}
}

// TestRoundRobin_LenChanges checks the documented rule: the k-th pick is
// k mod Len, whatever Len was at earlier picks.
func TestRoundRobin_LenChanges(t *testing.T) {
	s := balance.RoundRobin()
	for k, n := range []int{3, 3, 5, 5, 5, 2, 7, 1, 4} {
		if got := s.Pick(equalLoads(n, 0)); got != k%n {
			t.Errorf("pick %d among %d = %d, want %d", k, n, got, k%n)
		}
	}
}

func TestRoundRobin_ValuesAreIndependent(t *testing.T) {
	a, b, w := balance.RoundRobin(), balance.RoundRobin(), busyLoads(4)
	a.Pick(w)
	a.Pick(w)
	if got := b.Pick(w); got != 0 {
		t.Errorf("fresh value's first pick = %d, want 0", got)
	}
	if got := a.Pick(w); got != 2 {
		t.Errorf("third pick = %d, want 2", got)
	}
}

// TestRoundRobin_ExactUnderConcurrency checks that picks from many goroutines
// still take exact turns: a multiple of n picks gives each worker as many.
func TestRoundRobin_ExactUnderConcurrency(t *testing.T) {
	const n, goroutines, perG = 6, 8, 3 * 6 * 50
	s, w := balance.RoundRobin(), busyLoads(n)
	counts := make([][n]int, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for range perG {
				counts[g][s.Pick(w)]++
			}
		})
	}
	wg.Wait()
	for i := range n {
		got := 0
		for g := range goroutines {
			got += counts[g][i]
		}
		if want := goroutines * perG / n; got != want {
			t.Errorf("worker %d got %d picks, want %d", i, got, want)
		}
	}
}

func ExampleRoundRobin() {
	s := balance.RoundRobin()
	w := counts{0, 0, 0} // three idle workers
	for task := 1; task <= 5; task++ {
		fmt.Printf("task %d -> worker %d\n", task, s.Pick(w))
	}
	// Output:
	// task 1 -> worker 0
	// task 2 -> worker 1
	// task 3 -> worker 2
	// task 4 -> worker 0
	// task 5 -> worker 1
}
