package future_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/future"
)

func TestAsCompletedOrder(t *testing.T) {
	fs, ps := pendingN(4)
	ps[3].Resolve(3)
	ps[1].Reject(errBoom)
	next := []int{2, 0} // settled one at a time, each after the last was seen
	var got []int
	for i, r := range future.AsCompleted(context.Background(), fs...) {
		got = append(got, i)
		if i == 1 {
			require.Equal(t, errBoom, r.Err)
		} else {
			require.Equal(t, i, r.Value)
		}
		if len(got) >= 2 && len(next) > 0 {
			ps[next[0]].Resolve(next[0])
			next = next[1:]
		}
	}
	require.Equal(t, []int{1, 3, 2, 0}, got, "settled ones in list order, then completion order")
}

func TestAsCompletedBreakLeavesNothingBehind(t *testing.T) {
	fs, ps := pendingN(3)
	ps[0].Resolve(0)
	before := goleak.IgnoreCurrent()
	for range future.AsCompleted(context.Background(), fs...) {
		break
	}
	require.NoError(t, goleak.Find(before))
	ps[1].Resolve(1) // the abandoned callbacks run harmlessly
	ps[2].Resolve(2)
}

func TestAsCompletedContextDoneStops(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs, ps := pendingN(2)
		ps[1].Resolve(1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		var got []int
		for i := range future.AsCompleted(ctx, fs...) {
			got = append(got, i)
		}
		require.Equal(t, []int{1}, got)
		require.ErrorIs(t, context.Cause(ctx), context.DeadlineExceeded, "fewer than len(futs): ctx is why")
		require.False(t, fs[0].Settled())
	})
}

func TestAsCompletedStartsAfreshAndOwnsItsList(t *testing.T) {
	list := []*future.Future[int]{future.Resolved(0), future.Resolved(1)}
	seq := future.AsCompleted(context.Background(), list...)
	list[0] = future.Resolved(99) // must not be seen
	for range 2 {
		var got []int
		for _, r := range seq {
			got = append(got, r.Value)
		}
		require.Equal(t, []int{0, 1}, got)
	}
}

func TestAsCompletedBadInputPanics(t *testing.T) {
	require.PanicsWithValue(t, "future: AsCompleted with nil future at index 0", func() {
		future.AsCompleted[int](context.Background(), nil)
	})
	require.PanicsWithValue(t, "future: Completed with nil context", func() {
		future.Completed[int](nilCtx)
	})
}

func TestCompleted(t *testing.T) {
	fs, ps := pendingN(3)
	ps[2].Resolve(2)
	ch := future.Completed(context.Background(), fs...)
	require.Equal(t, future.Completion[int]{Index: 2, Result: future.Result[int]{Value: 2}}, <-ch)
	ps[0].Reject(errBoom)
	c := <-ch
	require.Equal(t, 0, c.Index)
	require.Equal(t, errBoom, c.Err)
	ps[1].Resolve(1)
	c = <-ch
	require.Equal(t, 1, c.Value)
	_, open := <-ch
	require.False(t, open, "closed after the last")
}

func TestCompletedNoFuturesIsClosed(t *testing.T) {
	_, open := <-future.Completed[int](context.Background())
	require.False(t, open)
}

func TestCompletedContextDoneCloses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs, ps := pendingN(2)
		ps[0].Resolve(0)
		ctx, cancel := context.WithCancelCause(context.Background())
		ch := future.Completed(ctx, fs...)
		cancel(errBoom)
		synctest.Wait()
		c, open := <-ch
		require.True(t, open, "what completed before ctx ended is kept")
		require.Equal(t, 0, c.Index)
		_, open = <-ch
		require.False(t, open)
		require.ErrorIs(t, context.Cause(ctx), errBoom)
		ps[1].Resolve(1) // a late completion is dropped, not sent on a closed channel
	})
}

func TestCompletedCancelAfterLast(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	fs, ps := pendingN(1)
	ch := future.Completed(ctx, fs...)
	ps[0].Resolve(1)
	<-ch
	_, open := <-ch
	require.False(t, open)
	cancel() // the hook on ctx was removed: nothing to close twice
}

func TestCompletedConsumerWalksAway(t *testing.T) {
	before := goleak.IgnoreCurrent()
	fs, ps := pendingN(2)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_ = future.Completed(ctx, fs...) // never read, ctx never done
	ps[0].Resolve(0)
	require.NoError(t, goleak.Find(before), "no goroutine serves the channel")
	ps[1].Resolve(1)
}

// TestAsCompletedProperty: futures settled one at a time come out in exactly
// that order, after those settled before the loop (in list order); each
// index once.
func TestAsCompletedProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(0, 16).Draw(rt, "n")
		order := rapid.Permutation(seq(n)).Draw(rt, "settleOrder")
		early := rapid.IntRange(min(n, 1), n).Draw(rt, "settledBeforeLoop")
		fs, ps := pendingN(n)
		for _, i := range order[:early] {
			ps[i].Resolve(i)
		}
		want := append(slices.Sorted(slices.Values(order[:early])), order[early:]...)
		if want == nil {
			want = []int{}
		}
		rest := order[early:]
		got := make([]int, 0, n)
		for i, r := range future.AsCompleted(context.Background(), fs...) {
			require.Equal(rt, i, r.Value)
			got = append(got, i)
			if len(got) >= early && len(rest) > 0 {
				ps[rest[0]].Resolve(rest[0])
				rest = rest[1:]
			}
		}
		require.Equal(rt, want, got)
	})
}

// TestCompletedEachIndexOnceProperty settles futures from several goroutines
// at once: the channel delivers every index exactly once, then closes.
func TestCompletedEachIndexOnceProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(0, 24).Draw(rt, "n")
		settlers := rapid.IntRange(1, 4).Draw(rt, "settlers")
		early := rapid.IntRange(0, n).Draw(rt, "settledBeforeCall")
		useSeq := rapid.Bool().Draw(rt, "iterator")
		fs, ps := pendingN(n)
		for i := range early {
			ps[i].Resolve(i)
		}
		var wg sync.WaitGroup
		for s := range settlers {
			wg.Go(func() {
				for i := early + s; i < n; i += settlers {
					ps[i].Resolve(i)
				}
			})
		}
		got := make([]int, 0, n)
		if useSeq {
			for i := range future.AsCompleted(context.Background(), fs...) {
				got = append(got, i)
			}
		} else {
			for c := range future.Completed(context.Background(), fs...) {
				got = append(got, c.Index)
			}
		}
		wg.Wait()
		slices.Sort(got)
		require.Equal(rt, seq(n), got)
	})
}
