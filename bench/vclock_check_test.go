package bench_test

import (
	"testing"

	"github.com/sluice-go/sluice/balance"
)

// TestVClock checks the virtual clock against makespans known by hand.
func TestVClock(t *testing.T) {
	equal := make([]int64, 80) // 80 tasks of 5 units: 10 rounds of 8
	for i := range equal {
		equal[i] = 5
	}
	// One long task first, then short ones: a shared queue runs the short
	// ones on the other 7 workers.
	skewed := append([]int64{100}, equal[:70]...)
	cases := []struct {
		name    string
		run     func(c *vclock, durs []int64) (int64, error)
		durs    []int64
		pending int
		want    int64
	}{
		{"chan/equal", chanBalance, equal, len(equal), 50},
		{"pond/equal", pondBalance, equal, 8, 50},
		{"ants/equal", antsBalance, equal, len(equal), 50},
		{"roundrobin/equal", sluiceBalance(balance.RoundRobin, true), equal, len(equal), 50},
		{"chan/skewed", chanBalance, skewed, len(skewed), 100},
		// Round robin alone queues every eighth short task behind the long
		// one; with stealing (the default) idle workers take them.
		{"roundrobin/skewed/nostealing", sluiceBalance(balance.RoundRobin, false), skewed, len(skewed), 100 + 8*5},
		{"roundrobin/skewed", sluiceBalance(balance.RoundRobin, true), skewed, len(skewed), 100},
		// Least active with room for 8 pending keeps worker 0 out of it.
		{"leastactive/skewed/nostealing", sluiceBalance(balance.LeastActive, false), skewed, 8, 100},
		{"leastactive/skewed", sluiceBalance(balance.LeastActive, true), skewed, 8, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.run(newVClock(workers, tc.pending), tc.durs)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("makespan %d, want %d", got, tc.want)
			}
		})
	}
}
