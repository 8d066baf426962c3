package stages_test

import (
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/internal/stages"
)

// TestGroup_WorkerHooks: every goroutine that serves a worker calls
// started before its first item and ended after its last, on demand after
// the linger, on retirement and at close; one that replaces a goroutine
// ended by runtime.Goexit calls neither.
func TestGroup_WorkerHooks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		live := map[int]int{}
		var events []string
		hook := func(what string, d int) func(int) {
			return func(w int) {
				mu.Lock()
				defer mu.Unlock()
				live[w] += d
				if live[w] < 0 || live[w] > 1 {
					t.Errorf("worker %d: %d goroutines after %s", w, live[w], what)
				}
				events = append(events, what)
			}
		}
		seen := func() []string {
			mu.Lock()
			defer mu.Unlock()
			return append([]string(nil), events...)
		}
		g := stages.NewGroup(2, func(_ int, v int) {
			if v < 0 {
				runtime.Goexit()
			}
		}, stages.WithOnDemand(time.Second), stages.WithoutStealing(), stages.WithWorkerHooks(hook("started", 1), hook("ended", -1)))
		v := g.View()
		require.NoError(t, v.Enqueue(0, 1, 0, true))
		require.NoError(t, v.Enqueue(0, -1, 0, true)) // Goexit: no hook
		require.NoError(t, v.Enqueue(0, 2, 0, true))
		synctest.Wait()
		require.Equal(t, []string{"started"}, seen())
		time.Sleep(2 * time.Second)
		synctest.Wait()
		require.Equal(t, []string{"started", "ended"}, seen(), "ended after the linger")
		require.NoError(t, v.Enqueue(1, 3, 0, true))
		synctest.Wait()
		require.NoError(t, g.Resize(1, func(int) {}))
		synctest.Wait()
		require.Equal(t, []string{"started", "ended", "started", "ended"}, seen(), "ended when retired")
		require.NoError(t, g.View().Enqueue(0, 4, 0, true))
		g.Close()
		g.Wait()
		require.Equal(t, []string{"started", "ended", "started", "ended", "started", "ended"}, seen(), "ended at close")
		mu.Lock()
		require.Equal(t, map[int]int{0: 0, 1: 0}, live)
		mu.Unlock()
	})
}
