package stages_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/internal/stages"
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
		opts []stages.GroupOption
	}{
		{"persistent", nil},
		{"on-demand-linger", []stages.GroupOption{stages.WithOnDemand(time.Millisecond)}},
	} {
		t.Run(kind.name, func(t *testing.T) {
			const n = 4
			for round := range rounds {
				var arrived sync.WaitGroup
				arrived.Add(n)
				all := make(chan struct{})
				go func() { arrived.Wait(); close(all) }()
				g := stages.NewGroup(n, func(int, int) {
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
					t.Fatalf("round %d: a worker stayed idle while an item waited: %s", round, stages.DebugState(g))
				}
				g.Close()
				g.Wait()
			}
		})
	}
}

// TestGroup_StolenWorkNeverWaitsBehindNewer places items 0..39 in turn on
// two workers through a window of four, where every item after 25 waits
// for 25 to have run: in real time and over and over, item 25 must never
// be stuck behind a later one. It once was: a thief that had found its
// queue empty was given a newer item before it took the stolen one, and
// queued the stolen one behind it.
func TestGroup_StolenWorkNeverWaitsBehindNewer(t *testing.T) {
	rounds := 3000
	if testing.Short() {
		rounds = 300
	}
	for round := range rounds {
		const n, at, window = 40, 25, 4
		stop := make(chan struct{})
		credits := make(chan struct{}, window)
		var ran [n]atomic.Int32
		var stopped atomic.Bool
		g := stages.NewGroup(2, func(w int, v int) {
			ran[v].Add(1)
			switch {
			case v == at:
				if stopped.CompareAndSwap(false, true) {
					close(stop)
				}
			case v > at:
				<-stop
			}
			<-credits
		})
		rr := balance.RoundRobin()
		done := make(chan struct{}) // the producer has returned
		go func() {
			defer close(done)
			for v := range n {
				select {
				case credits <- struct{}{}:
				case <-stop:
					return
				}
				view := g.View()
				if err := view.Enqueue(rr.Pick(view), v, 0, false); err != nil {
					panic(err)
				}
			}
		}()
		// Item 25 runs once every item before it has: placed or not, the
		// round ends with stop closed. The time is a guard against a hang.
		select {
		case <-stop:
		case <-time.After(30 * time.Second):
			var r []int
			for i := range n {
				if ran[i].Load() > 0 {
					r = append(r, i)
				}
			}
			t.Fatalf("round %d hung: ran %v; %s", round, r, stages.DebugState(g))
		}
		<-done
		g.Close()
		g.Wait()
	}
}
