package future_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/future"
)

func TestWaitModes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		for _, when := range []future.ReturnWhen{future.AllCompleted, future.FirstCompleted, future.FirstError} {
			fs, ps := pendingN(3)
			type answer struct {
				done, pending []*future.Future[int]
				err           error
			}
			got := make(chan answer, 1)
			go func() {
				d, p, err := future.Wait(context.Background(), when, fs...)
				got <- answer{d, p, err}
			}()
			synctest.Wait() // Wait is waiting
			ps[1].Resolve(1)
			synctest.Wait()
			if when == future.FirstCompleted {
				a := <-got
				require.NoError(t, a.err)
				require.Equal(t, fs[1:2], a.done)
				require.Equal(t, []*future.Future[int]{fs[0], fs[2]}, a.pending)
				continue
			}
			ps[2].Reject(errBoom)
			synctest.Wait()
			if when == future.FirstError {
				a := <-got
				require.NoError(t, a.err)
				require.Equal(t, fs[1:], a.done)
				require.Equal(t, fs[:1], a.pending)
				ps[0].Resolve(0)
				continue
			}
			select {
			case <-got:
				t.Fatal("AllCompleted returned with a future pending")
			default:
			}
			ps[0].Resolve(0)
			a := <-got
			require.NoError(t, a.err)
			require.Equal(t, fs, a.done)
			require.Nil(t, a.pending)
		}
	})
}

func TestWaitContextDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs, ps := pendingN(2)
		ps[1].Resolve(1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		done, pending, err := future.Wait(ctx, future.AllCompleted, fs...)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Equal(t, fs[1:], done)
		require.Equal(t, fs[:1], pending)
		require.False(t, fs[0].Settled(), "Wait cancels nothing")
	})
}

func TestWaitNoFutures(t *testing.T) {
	for _, when := range []future.ReturnWhen{future.AllCompleted, future.FirstCompleted, future.FirstError} {
		done, pending, err := future.Wait[int](context.Background(), when)
		require.NoError(t, err)
		require.Nil(t, done)
		require.Nil(t, pending)
	}
}

func TestWaitBadInputPanics(t *testing.T) {
	require.PanicsWithValue(t, "future: Wait with invalid ReturnWhen(7)", func() {
		future.Wait[int](context.Background(), 7)
	})
	require.PanicsWithValue(t, "future: Wait with invalid ReturnWhen(-1)", func() {
		future.Wait[int](context.Background(), -1)
	})
	require.PanicsWithValue(t, "future: Wait with nil future at index 0", func() {
		future.Wait[int](context.Background(), future.FirstError, nil)
	})
}

func TestReturnWhenString(t *testing.T) {
	require.Equal(t, "AllCompleted", future.ReturnWhen(0).String())
	require.Equal(t, "FirstCompleted", future.FirstCompleted.String())
	require.Equal(t, "FirstError", future.FirstError.String())
	require.Equal(t, "ReturnWhen(9)", future.ReturnWhen(9).String())
}

// holds reports whether when's condition holds for futures whose states are
// given: 0 pending, 1 succeeded, 2 failed. It is the model Wait is held to.
func holds(when future.ReturnWhen, states []int) bool {
	settled, failed := 0, 0
	for _, s := range states {
		if s > 0 {
			settled++
		}
		if s == 2 {
			failed++
		}
	}
	switch when {
	case future.FirstCompleted:
		return len(states) == 0 || settled > 0
	case future.FirstError:
		return failed > 0 || settled == len(states)
	}
	return settled == len(states)
}

// TestWaitPartitionProperty: done and pending split the input, in input
// order; with a done ctx Wait answers from what has settled, exactly as the
// model says; with a live ctx the condition holds when it returns.
func TestWaitPartitionProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(0, 12).Draw(rt, "n")
		when := future.ReturnWhen(rapid.IntRange(0, 2).Draw(rt, "when"))
		states := rapid.SliceOfN(rapid.IntRange(0, 2), n, n).Draw(rt, "statesBeforeCall")
		fs, ps := pendingN(n)
		settle := func(i, state int) {
			if state == 2 {
				ps[i].Reject(errBoom)
			} else {
				ps[i].Resolve(i)
			}
		}
		var wantDone, wantPending []*future.Future[int]
		for i, s := range states {
			if s > 0 {
				settle(i, s)
				wantDone = append(wantDone, fs[i])
			} else {
				wantPending = append(wantPending, fs[i])
			}
		}

		ended, cancel := context.WithCancel(context.Background())
		cancel()
		done, pending, err := future.Wait(ended, when, fs...)
		require.Equal(rt, wantDone, done)
		require.Equal(rt, wantPending, pending)
		if holds(when, states) {
			require.NoError(rt, err)
		} else {
			require.ErrorIs(rt, err, context.Canceled)
		}

		// Live ctx: the rest settle concurrently, in a drawn order and way.
		rest := rapid.Permutation(seq(n)).Draw(rt, "laterOrder")
		later := rapid.SliceOfN(rapid.IntRange(1, 2), n, n).Draw(rt, "laterStates")
		var wg sync.WaitGroup
		wg.Go(func() {
			for _, i := range rest {
				if states[i] == 0 {
					settle(i, later[i])
				}
			}
		})
		done, pending, err = future.Wait(context.Background(), when, fs...)
		require.NoError(rt, err)
		now := make([]int, n)
		d, p := done, pending
		for i, f := range fs {
			switch {
			case len(d) > 0 && d[0] == f:
				d = d[1:]
				now[i] = outcomeState(f)
			case len(p) > 0 && p[0] == f:
				p = p[1:]
			default:
				rt.Fatalf("future %d is in neither done nor pending, in order", i)
			}
		}
		require.True(rt, holds(when, now), "condition %v holds on return: %v", when, now)
		wg.Wait()
	})
}

// outcomeState is f's state in the encoding holds uses.
func outcomeState(f *future.Future[int]) int {
	_, err, ok := f.TryResult()
	switch {
	case !ok:
		return 0
	case err != nil:
		return 2
	}
	return 1
}
