package balance_test

import (
	"testing"

	"github.com/sluice-go/sluice/balance"
)

// TestRandom_Uniform checks the spread of picks with Pearson's chi-square
// statistic. With 7 degrees of freedom it exceeds 100 with probability
// below 1e-17, so the test does not flake; a skewed picker fails it: one
// worker getting 1.1 times its share already scores about 114.
func TestRandom_Uniform(t *testing.T) {
	const n, perWorker = 8, 10_000
	s, w := balance.Random(), busyLoads(n)
	var count [n]int
	for range n * perWorker {
		count[s.Pick(w)]++
	}
	if chi2 := chiSquare(count[:], perWorker); chi2 > 100 {
		t.Errorf("counts %v: chi-square %.1f, want <= 100", count, chi2)
	}
}

// chiSquare returns Pearson's statistic for counts against an expected
// count per cell.
func chiSquare(counts []int, expected float64) float64 {
	var sum float64
	for _, c := range counts {
		d := float64(c) - expected
		sum += d * d / expected
	}
	return sum
}
