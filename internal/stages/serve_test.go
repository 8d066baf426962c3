package stages_test

import (
	"bytes"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/internal/stages"
)

// goroutineID returns the current goroutine's id, so tests can tell whether two
// handle calls ran on the same worker goroutine.
func goroutineID() int {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b = bytes.TrimPrefix(b, []byte("goroutine "))
	id, err := strconv.Atoi(string(b[:bytes.IndexByte(b, ' ')]))
	if err != nil {
		panic(err)
	}
	return id
}

// handleCall is one handle call as a test saw it.
type handleCall struct {
	worker, item, goroutine int
	at                      time.Duration // virtual time since the test began
}

// callRecorder records handle calls; each takes as long as its item says, in
// virtual milliseconds.
type callRecorder struct {
	start time.Time
	mu    sync.Mutex
	calls []handleCall
}

func newCallRecorder() *callRecorder { return &callRecorder{start: time.Now()} }

func (r *callRecorder) handle(w, v int) {
	r.mu.Lock()
	r.calls = append(r.calls, handleCall{w, v, goroutineID(), time.Since(r.start)})
	r.mu.Unlock()
	time.Sleep(time.Duration(v) * time.Millisecond)
}

func (r *callRecorder) last() handleCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[len(r.calls)-1]
}

// TestGroup_OnDemandLingersExactly follows one on-demand worker through its
// life in virtual time: no goroutine before the first item; one for the
// first item and the items right behind it; idle exit exactly linger after
// its last item finished; a new goroutine on the next item; and a new item
// during the linger keeping the same goroutine and restarting the linger.
func TestGroup_OnDemandLingersExactly(t *testing.T) {
	for _, pinned := range []bool{false, true} {
		t.Run(fmt.Sprintf("pinned=%v", pinned), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const linger = 10 * time.Second
				rec := newCallRecorder()
				g := stages.NewGroup(2, rec.handle, stages.WithOnDemand(linger), stages.WithoutStealing())
				t.Cleanup(func() { g.Close(); g.Wait() })
				give := func(w, v int) {
					t.Helper()
					require.NoError(t, g.View().Enqueue(w, v, 0, pinned))
				}

				synctest.Wait()
				require.Zero(t, g.Alive(), "no goroutine before the first item")

				// Two items of 3ms each: one goroutine serves both, then
				// lingers from 6ms to exactly 6ms+linger.
				give(0, 3)
				give(0, 3)
				synctest.Wait()
				require.Equal(t, 1, g.Alive())
				time.Sleep(6*time.Millisecond + linger - time.Nanosecond)
				synctest.Wait()
				require.Equal(t, 1, g.Alive(), "still lingering 1ns before linger is up")
				first := rec.last()
				require.Equal(t, handleCall{0, 3, first.goroutine, 3 * time.Millisecond}, first)
				time.Sleep(time.Nanosecond)
				synctest.Wait()
				require.Zero(t, g.Alive(), "gone exactly linger after its last item")

				// The next item starts a new goroutine.
				give(0, 0)
				synctest.Wait()
				second := rec.last()
				require.NotEqual(t, first.goroutine, second.goroutine)
				require.Equal(t, 1, g.Alive())

				// An item 4s into the linger is served by the same
				// goroutine, and the linger starts again after it.
				time.Sleep(4 * time.Second)
				give(0, 0)
				synctest.Wait()
				third := rec.last()
				require.Equal(t, second.goroutine, third.goroutine)
				require.Equal(t, second.at+4*time.Second, third.at)
				time.Sleep(linger - time.Nanosecond)
				synctest.Wait()
				require.Equal(t, 1, g.Alive())
				time.Sleep(time.Nanosecond)
				synctest.Wait()
				require.Zero(t, g.Alive())

				// Workers come and go on their own.
				give(1, 1)
				synctest.Wait()
				require.Equal(t, 1, g.Alive())
				require.Equal(t, 1, rec.last().worker)
			})
		})
	}
}

// TestGroup_OnDemandLingerZero checks that with linger 0 a worker exits as
// soon as its queue is empty and starts again for the next item.
func TestGroup_OnDemandLingerZero(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rec := newCallRecorder()
		g := stages.NewGroup(1, rec.handle, stages.WithOnDemand(0))
		require.NoError(t, enqueue(g, 0, 5))
		require.NoError(t, enqueue(g, 0, 5))
		synctest.Wait()
		require.Equal(t, 1, g.Alive())
		time.Sleep(10*time.Millisecond - time.Nanosecond)
		synctest.Wait()
		require.Equal(t, 1, g.Alive(), "busy with its second item")
		time.Sleep(time.Nanosecond)
		synctest.Wait()
		require.Zero(t, g.Alive(), "exits the moment its queue is empty")
		before := rec.last().goroutine

		require.NoError(t, enqueue(g, 0, 0))
		synctest.Wait()
		require.Zero(t, g.Alive())
		require.NotEqual(t, before, rec.last().goroutine, "a new goroutine for the next item")
		g.Close()
		g.Wait()
	})
}

// TestGroup_OnDemandBurst gives a burst of items to an on-demand group and
// checks that each worker serves its share on one goroutine, never more than
// one per worker, and that all are gone after the linger.
func TestGroup_OnDemandBurst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, items = 3, 60
		rec := newCallRecorder()
		g := stages.NewGroup(n, rec.handle, stages.WithOnDemand(time.Second), stages.WithoutStealing())
		for i := range items {
			require.NoError(t, enqueue(g, i%n, 1))
			synctest.Wait()
			require.LessOrEqual(t, g.Alive(), n)
		}
		require.Equal(t, n, g.Alive())
		time.Sleep(items/n*time.Millisecond + time.Second)
		synctest.Wait()
		require.Zero(t, g.Alive())
		g.Close()
		g.Wait()

		goroutines := map[int]map[int]bool{}
		for _, c := range rec.calls {
			if goroutines[c.worker] == nil {
				goroutines[c.worker] = map[int]bool{}
			}
			goroutines[c.worker][c.goroutine] = true
		}
		require.Len(t, rec.calls, items)
		for w := range n {
			require.Len(t, goroutines[w], 1, "worker %d started more than one goroutine in one burst", w)
		}
	})
}

// TestGroup_Goexit has handle handleCall runtime.Goexit for some items, in every
// kind of group: the item counts as finished, the worker goes on serving on
// a new goroutine, later items keep their order, and nothing leaks.
func TestGroup_Goexit(t *testing.T) {
	kinds := []struct {
		name string
		opts []stages.GroupOption
	}{
		{"persistent", nil},
		{"on-demand-linger", []stages.GroupOption{stages.WithOnDemand(time.Second)}},
		{"on-demand", []stages.GroupOption{stages.WithOnDemand(0)}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const n, items = 2, 20
				rec := newCallRecorder()
				g := stages.NewGroup(n, func(w, v int) {
					rec.handle(w, 0)
					if v%3 != 1 {
						runtime.Goexit()
					}
				}, k.opts...)
				for i := range items {
					require.NoError(t, g.View().Enqueue(i%n, i, 0, true))
				}
				synctest.Wait()
				for w := range n {
					require.Zero(t, g.View().Active(w), "items that called Goexit still count as active on worker %d", w)
					require.EqualValues(t, items/n, g.View().Assigned(w))
				}
				if k.name == "persistent" {
					require.Equal(t, n, g.Alive(), "a worker whose handle called Goexit serves on")
				} else if k.name == "on-demand-linger" {
					require.Equal(t, n, g.Alive(), "lingering after the Goexit")
				}
				require.LessOrEqual(t, g.Alive(), n)
				g.Close()
				g.Wait()
				require.Zero(t, g.Alive())

				require.Len(t, rec.calls, items)
				seen := map[int][]int{}
				for _, c := range rec.calls {
					seen[c.worker] = append(seen[c.worker], c.goroutine)
				}
				for w, ids := range seen {
					for j := 1; j < len(ids); j++ {
						// Call j-1 of worker w had item (j-1)*n+w.
						if prev := (j-1)*n + w; prev%3 != 1 {
							require.NotEqual(t, ids[j-1], ids[j], "worker %d: handleCall %d ran on the goroutine that called Goexit", w, j)
						}
					}
				}
			})
		})
	}
}

// TestGroup_HandlePanicReachesWait checks that a panic in handle, a bug the
// group does not hide, comes out of Wait with its value.
func TestGroup_HandlePanicReachesWait(t *testing.T) {
	g := stages.NewGroup(1, func(int, int) { panic("boom") })
	require.NoError(t, enqueue(g, 0, 1))
	g.Close()
	defer func() {
		r := recover()
		require.NotNil(t, r, "Wait returned normally")
		require.Contains(t, fmt.Sprint(r), "boom")
	}()
	g.Wait()
}
