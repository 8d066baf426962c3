package stage_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/stage"
)

// TestGroup_NoFreeWorkerWaits gives n items, each of which waits until all
// n run at once, to one worker of n, in real time and over and over: the
// round ends only if every idle worker takes one of them, whether it was
// parked, about to park or looking for work as they were enqueued. It
// guards the park protocol (a worker that parked just after it last looked
// for work must still be woken), which virtual time cannot reach.
func TestGroup_NoFreeWorkerWaits(t *testing.T) {
	rounds := 300
	if testing.Short() {
		rounds = 50
	}
	for _, kind := range []struct {
		name string
		opts []stage.GroupOption
	}{
		{"persistent", nil},
		{"on-demand-linger", []stage.GroupOption{stage.WithOnDemand(time.Millisecond)}},
	} {
		t.Run(kind.name, func(t *testing.T) {
			const n = 4
			for round := range rounds {
				var arrived sync.WaitGroup
				arrived.Add(n)
				all := make(chan struct{})
				go func() { arrived.Wait(); close(all) }()
				g := stage.NewGroup(n, func(int, int) {
					arrived.Done()
					<-all
				}, kind.opts...)
				// Let some workers park and others not, as it happens.
				for i := range n {
					require.NoError(t, g.View().Enqueue(round%n, i, 0, false))
				}
				select {
				case <-all:
				case <-time.After(5 * time.Second): // a guard against a hang, not an order
					t.Fatalf("round %d: a worker stayed idle while an item waited: %s", round, stage.DebugState(g))
				}
				g.Close()
				g.Wait()
			}
		})
	}
}
