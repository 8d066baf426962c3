package balance_test

import (
	"slices"
	"testing"

	"github.com/sluice-go/sluice/balance"
	"pgregory.net/rapid"
)

// TestPowerOfTwo_TwoWorkers: with two workers both are always the two
// chosen, so the pick is exactly the less active one.
func TestPowerOfTwo_TwoWorkers(t *testing.T) {
	s := balance.PowerOfTwo()
	for _, tc := range []struct {
		active []int
		want   int
	}{{[]int{0, 1}, 0}, {[]int{1, 0}, 1}, {[]int{7, 3}, 1}} {
		for range 100 {
			if got := s.Pick(fixedOf(tc.active)); got != tc.want {
				t.Fatalf("loads %v: picked %d, want %d", tc.active, got, tc.want)
			}
		}
	}
}

// TestPowerOfTwo_NeverTheBusiest checks a consequence of comparing two
// distinct workers: one strictly busier than all the others is never picked.
func TestPowerOfTwo_NeverTheBusiest(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := drawWorkers(t, 20)
		if w.Len() < 2 {
			return
		}
		top := slices.Index(w.active, slices.Max(w.active))
		w.active[top] = slices.Max(w.active) + rapid.IntRange(1, 3).Draw(t, "lead")
		s := balance.PowerOfTwo()
		for range 50 {
			if i := s.Pick(w); i == top {
				t.Fatalf("picked the busiest worker %d of %v", i, w.active)
			}
		}
	})
}

// TestPowerOfTwo_PrefersIdle: with one idle worker of three, the idle one is
// in the chosen pair, and so picked, with probability 2/3, where Random
// would give 1/3. Over 30000 picks the count of idle picks has mean 20000
// and standard deviation 82; the bound of 15000 is 60 deviations away.
func TestPowerOfTwo_PrefersIdle(t *testing.T) {
	const picks = 30_000
	s, w := balance.PowerOfTwo(), fixedOf([]int{4, 0, 4})
	idle := 0
	for range picks {
		if s.Pick(w) == 1 {
			idle++
		}
	}
	if idle <= picks/2 {
		t.Errorf("idle worker got %d of %d picks, want more than half", idle, picks)
	}
}
