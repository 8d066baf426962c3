package stages_test

import (
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/internal/stages"
)

// TestGroup_EnqueueNeverBlocks gives a thousand items to one worker that
// is stuck on its first: every Enqueue returns at once, only the running
// item is handed to the worker, and Close still delivers all of them in
// order.
func TestGroup_EnqueueNeverBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const items = 1000
		h := newGated(1)
		g := h.g
		for v := range items {
			require.NoError(t, enqueue(g, 0, v))
			require.LessOrEqual(t, g.Handed(0), 1)
		}
		synctest.Wait()
		require.Equal(t, 1, g.Handed(0))
		queued, _ := g.Load(0)
		require.Equal(t, items-1, queued)
		require.Equal(t, items, g.View().Active(0))

		g.Close()
		require.ErrorIs(t, enqueue(g, 0, items), stages.ErrClosed)
		for range items {
			h.gates[0] <- false
		}
		g.Wait()
		want := make([]int, items)
		for i := range want {
			want[i] = i
		}
		require.Equal(t, want, h.startedBy(0))
		require.Zero(t, g.Handed(0))
		require.Zero(t, g.View().Active(0))
	})
}

// TestGroup_Abort checks that Abort hands every item no worker has started
// to drop exactly once, with its worker, while running items finish.
func TestGroup_Abort(t *testing.T) {
	for _, steal := range []bool{false, true} {
		t.Run(fmt.Sprintf("steal=%v", steal), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var opts []stages.GroupOption
				if !steal {
					opts = append(opts, stages.WithoutStealing())
				}
				h := newGated(2, opts...)
				g := h.g
				for v := range 8 {
					require.NoError(t, g.View().Enqueue(v%2, v, 0, v < 2))
				}
				synctest.Wait()
				dropped := map[int][]int{}
				g.Abort(func(w, v int) { dropped[w] = append(dropped[w], v) })
				slices.Sort(dropped[0])
				slices.Sort(dropped[1])
				require.Equal(t, map[int][]int{0: {2, 4, 6}, 1: {3, 5, 7}}, dropped)
				require.Equal(t, 1, g.View().Active(0), "the running item is still held")
				h.gates[0] <- false
				h.gates[1] <- false
				g.Wait()
				require.Equal(t, []int{0}, h.startedBy(0))
				require.Equal(t, []int{1}, h.startedBy(1))
				require.Zero(t, g.View().Active(0))
				require.Zero(t, g.View().Active(1))
			})
		})
	}
}

// TestGroup_ConcurrentProducers has producers racing to give items to every
// kind of group, in real time, while workers sometimes Goexit, and checks
// from inside the workers that calls never overlap, a pinned item runs on
// its worker and each producer's pinned items in the order sent (all items
// without stealing), Handed is the running item and Alive within n, and
// every item runs exactly once.
func TestGroup_ConcurrentProducers(t *testing.T) {
	const (
		n         = 3
		producers = 4
		each      = 300
	)
	kinds := []struct {
		name  string
		steal bool
		opts  []stages.GroupOption
	}{
		{"persistent", false, []stages.GroupOption{stages.WithoutStealing()}},
		{"on-demand", false, []stages.GroupOption{stages.WithoutStealing(), stages.WithOnDemand(0)}},
		{"steal/persistent", true, nil},
		{"steal/on-demand", true, []stages.GroupOption{stages.WithOnDemand(0)}},
		{"steal/on-demand-linger", true, []stages.GroupOption{stages.WithOnDemand(time.Microsecond)}},
	}
	type item struct {
		producer, seq, worker int
		pinned                bool
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			var (
				g        *stages.Group[item]
				in       [n]atomic.Int32
				mu       sync.Mutex
				last     [n][producers]int
				ran      [producers][each]int
				problems []string
			)
			for w := range last {
				for p := range last[w] {
					last[w][p] = -1
				}
			}
			g = stages.NewGroup(n, func(w int, v item) {
				if in[w].Add(1) != 1 {
					mu.Lock()
					problems = append(problems, fmt.Sprintf("worker %d: calls overlap", w))
					mu.Unlock()
				}
				alive := g.Alive()
				handed := g.Handed(w)
				mu.Lock()
				ran[v.producer][v.seq]++
				if v.pinned && v.worker != w {
					problems = append(problems, fmt.Sprintf("pinned item %+v ran on worker %d", v, w))
				}
				if v.pinned || !k.steal {
					if last[w][v.producer] >= v.seq {
						problems = append(problems, fmt.Sprintf("worker %d: item %d of producer %d after %d", w, v.seq, v.producer, last[w][v.producer]))
					}
					last[w][v.producer] = v.seq
				}
				if alive > n || alive < 1 {
					problems = append(problems, fmt.Sprintf("Alive() = %d inside a handle call, want 1..%d", alive, n))
				}
				if handed != 1 {
					problems = append(problems, fmt.Sprintf("Handed(%d) = %d inside its handle call, want 1", w, handed))
				}
				mu.Unlock()
				in[w].Add(-1)
				if v.seq%7 == 3 {
					runtime.Goexit()
				}
			}, k.opts...)
			var wg sync.WaitGroup
			for p := range producers {
				wg.Go(func() {
					for s := range each {
						w := (s*5 + p) % n
						pinned := !k.steal || s%3 == 0
						if err := g.View().Enqueue(w, item{p, s, w, pinned}, 0, pinned); err != nil {
							mu.Lock()
							problems = append(problems, err.Error())
							mu.Unlock()
							return
						}
						if s%50 == 0 {
							runtime.Gosched()
						}
					}
				})
			}
			wg.Wait()
			g.Close()
			g.Wait()
			require.Empty(t, problems)
			for p := range producers {
				for s := range each {
					require.Equal(t, 1, ran[p][s], "item %d of producer %d ran %d times", s, p, ran[p][s])
				}
			}
			require.Zero(t, g.Alive())
			var assigned uint64
			for w := range n {
				require.Zero(t, g.View().Active(w), "Active(%d)", w)
				assigned += g.View().Assigned(w)
			}
			require.GreaterOrEqual(t, assigned, uint64(producers*each), "stolen items count on both workers")
		})
	}
}

// TestGroup_LoadAndRunning: Load counts an item as running from when its
// worker takes it until its handle call returns, and Running shows that
// item, and nothing once the worker has gone back for more.
func TestGroup_LoadAndRunning(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newGated(1)
		g := h.g
		for v := range 3 {
			require.NoError(t, enqueue(g, 0, v))
		}
		synctest.Wait()
		queued, running := g.Load(0)
		require.Equal(t, [2]int{2, 1}, [2]int{queued, running})
		var seen []int
		g.Running(func(w, v int) { seen = append(seen, w, v) })
		require.Equal(t, []int{0, 0}, seen, "worker 0 runs item 0")

		h.gates[0] <- false
		synctest.Wait()
		seen = seen[:0]
		g.Running(func(w, v int) { seen = append(seen, w, v) })
		require.Equal(t, []int{0, 1}, seen, "then item 1")

		h.gates[0] <- false
		h.gates[0] <- false
		synctest.Wait()
		queued, running = g.Load(0)
		require.Equal(t, [2]int{0, 0}, [2]int{queued, running})
		seen = seen[:0]
		g.Running(func(w, v int) { seen = append(seen, w, v) })
		require.Empty(t, seen, "a parked worker runs nothing")
		g.Close()
		g.Wait()
	})
}
