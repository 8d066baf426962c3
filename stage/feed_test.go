package stage_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/stage"
)

// TestGroup_SendBlocksWhileFull checks Send's backpressure: it returns at
// once while the worker has room, blocks while its channel is full, goes on
// when the worker takes an item, and gives up with the ctx's cause.
func TestGroup_SendBlocksWhileFull(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newGated(1, 2)
		g := h.g
		ctx := context.Background()
		for v := range 3 { // one running, two waiting
			require.NoError(t, g.Send(ctx, 0, v))
		}
		sent := make(chan error, 1)
		go func() { sent <- g.Send(ctx, 0, 3) }()
		synctest.Wait()
		require.Empty(t, sent, "Send returned while the worker's channel was full")
		require.Equal(t, 4, g.View().Active(0), "a blocked Send counts as load")

		h.gates[0] <- false
		synctest.Wait()
		require.NoError(t, <-sent)
		require.Equal(t, []int{0, 1}, h.startedBy(0))

		// Full again: a cancelled Send returns the cause and leaves no load.
		cause := errors.New("test: gave up")
		cctx, cancel := context.WithCancelCause(ctx)
		go func() { sent <- g.Send(cctx, 0, 4) }()
		synctest.Wait()
		require.Empty(t, sent)
		cancel(cause)
		require.Equal(t, cause, <-sent)
		require.Equal(t, 3, g.View().Active(0))

		// A done ctx only matters while Send would block.
		h.gates[0] <- false
		synctest.Wait()
		require.NoError(t, g.Send(cctx, 0, 5))

		g.Close()
		for range 3 {
			h.gates[0] <- false
		}
		g.Wait()
		require.Equal(t, []int{0, 1, 2, 3, 5}, h.startedBy(0))
		require.Zero(t, g.View().Active(0))
	})
}

// TestGroup_EnqueueNeverBlocks gives a thousand items to one worker that
// is stuck on its first: every Enqueue returns at once, only queue items
// are handed to the worker, and Close still delivers all of them in order.
func TestGroup_EnqueueNeverBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const items, queue = 1000, 3
		h := newGated(1, queue, stage.WithOverflow())
		g := h.g
		for v := range items {
			require.NoError(t, g.Enqueue(0, v))
			require.LessOrEqual(t, g.Handed(0), queue)
		}
		synctest.Wait()
		require.Equal(t, queue, g.Handed(0))
		require.Equal(t, items-1, g.Queued(0))
		require.Equal(t, items, g.View().Active(0))

		g.Close()
		require.ErrorIs(t, g.Enqueue(0, items), stage.ErrClosed)
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
	for _, overflow := range []bool{false, true} {
		name := "send"
		if overflow {
			name = "enqueue"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var opts []stage.GroupOption
				if overflow {
					opts = append(opts, stage.WithOverflow())
				}
				h := newGated(2, 3, opts...)
				g := h.g
				for v := range 8 {
					if overflow {
						require.NoError(t, g.Enqueue(v%2, v))
					} else {
						require.NoError(t, g.Send(context.Background(), v%2, v))
					}
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

// TestGroup_WrongFeedPanics checks that a group fed the other way than it
// was made for panics with a message that says which to use.
func TestGroup_WrongFeedPanics(t *testing.T) {
	send := stage.NewGroup(1, 1, func(int, int) {})
	require.PanicsWithValue(t, "stage: Enqueue on a group not made WithOverflow; use Send", func() { _ = send.Enqueue(0, 1) })
	send.Close()
	send.Wait()

	enq := stage.NewGroup(1, 1, func(int, int) {}, stage.WithOverflow())
	require.PanicsWithValue(t, "stage: Send on a group made WithOverflow; use Enqueue", func() { _ = enq.Send(context.Background(), 0, 1) })
	enq.Close()
	enq.Wait()
}

// TestGroup_ConcurrentProducers has producers racing to give items to every
// kind of group while workers sometimes Goexit, and checks from inside the
// workers that calls never overlap, each producer's items reach a worker in
// the order sent, Handed stays within queue and Alive within n.
func TestGroup_ConcurrentProducers(t *testing.T) {
	const (
		n         = 3
		queue     = 2
		producers = 4
		each      = 300
	)
	kinds := []struct {
		name string
		opts []stage.GroupOption
	}{
		{"send/persistent", nil},
		{"send/on-demand", []stage.GroupOption{stage.WithOnDemand(0)}},
		{"enqueue/persistent", []stage.GroupOption{stage.WithOverflow()}},
		{"enqueue/on-demand", []stage.GroupOption{stage.WithOverflow(), stage.WithOnDemand(0)}},
		{"enqueue/on-demand-linger", []stage.GroupOption{stage.WithOverflow(), stage.WithOnDemand(time.Microsecond)}},
	}
	type item struct{ producer, seq int }
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			var (
				g        *stage.Group[item]
				in       [n]atomic.Int32
				mu       sync.Mutex
				last     [n][producers]int
				handled  int
				problems []string
			)
			for w := range last {
				for p := range last[w] {
					last[w][p] = -1
				}
			}
			overflow := strings.HasPrefix(k.name, "enqueue")
			g = stage.NewGroup(n, queue, func(w int, v item) {
				if in[w].Add(1) != 1 {
					mu.Lock()
					problems = append(problems, fmt.Sprintf("worker %d: calls overlap", w))
					mu.Unlock()
				}
				alive := g.Alive()
				handed := 0
				if overflow {
					handed = g.Handed(w)
				}
				mu.Lock()
				if last[w][v.producer] >= v.seq {
					problems = append(problems, fmt.Sprintf("worker %d: item %d of producer %d after %d", w, v.seq, v.producer, last[w][v.producer]))
				}
				last[w][v.producer] = v.seq
				handled++
				if alive > n || alive < 1 {
					problems = append(problems, fmt.Sprintf("Alive() = %d inside a handle call, want 1..%d", alive, n))
				}
				if handed > queue || (overflow && handed < 1) {
					problems = append(problems, fmt.Sprintf("Handed(%d) = %d inside its handle call, want 1..%d", w, handed, queue))
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
						var err error
						if overflow {
							err = g.Enqueue(w, item{p, s})
						} else {
							err = g.Send(context.Background(), w, item{p, s})
						}
						if err != nil {
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
			require.Equal(t, producers*each, handled)
			require.Zero(t, g.Alive())
			var assigned uint64
			for w := range n {
				require.Zero(t, g.View().Active(w), "Active(%d)", w)
				assigned += g.View().Assigned(w)
			}
			require.EqualValues(t, producers*each, assigned)
		})
	}
}
