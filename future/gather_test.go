package future_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/future"
)

func TestAllValuesInOrder(t *testing.T) {
	fs, ps := pendingN(3)
	go func() {
		for i := 2; i >= 0; i-- {
			ps[i].Resolve(i * 10)
		}
	}()
	vals, err := future.All(context.Background(), fs...)
	require.NoError(t, err)
	require.Equal(t, []int{0, 10, 20}, vals)
}

func TestAllNoFutures(t *testing.T) {
	vals, err := future.All[int](context.Background())
	require.NoError(t, err)
	require.NotNil(t, vals)
	require.Empty(t, vals)
}

func TestAllFailsAndCancelsTheRest(t *testing.T) {
	fs, ps := pendingN(3)
	ps[0].Resolve(1)
	ps[2].Reject(errBoom)
	_, err := future.All(context.Background(), fs...)
	require.Equal(t, errBoom, err, "the error comes back unchanged")
	_, err = fs[1].Wait()
	require.ErrorIs(t, err, future.ErrCancelled)
	require.ErrorIs(t, ps[1].Cause(), future.ErrCancelled, "its work is told")
	v, err := fs[0].Wait()
	require.NoError(t, err)
	require.Equal(t, 1, v)
}

func TestAllFirstErrorInCompletionOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e0, e1 := errors.New("e0"), errors.New("e1")
		fs, ps := pendingN(2)
		got := make(chan error, 1)
		go func() {
			_, err := future.All(context.Background(), fs...)
			got <- err
		}()
		synctest.Wait() // All is waiting
		ps[1].Reject(e1)
		ps[0].Reject(e0)
		require.Equal(t, e1, <-got)
	})
}

func TestAllContextDoneLeavesFutures(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs, ps := pendingN(2)
		ps[0].Resolve(1)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := future.All(ctx, fs...)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.False(t, fs[1].Settled(), "giving up waiting cancels nothing")
		require.NoError(t, ps[1].Context().Err())
	})
}

func TestAllSettledFuturesWinOverDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	vals, err := future.All(ctx, future.Resolved(1), future.Resolved(2))
	require.NoError(t, err)
	require.Equal(t, []int{1, 2}, vals)
}

func TestAllBadInputPanics(t *testing.T) {
	require.PanicsWithValue(t, "future: All with nil context", func() {
		future.All[int](nilCtx)
	})
	require.PanicsWithValue(t, "future: All with nil future at index 1", func() {
		future.All(context.Background(), future.Resolved(1), nil)
	})
	require.PanicsWithValue(t, "future: AllSettled with nil future at index 0", func() {
		future.AllSettled[int](context.Background(), nil)
	})
}

// TestAllOrderProperty: whatever order futures settle in, and however many
// had settled before the call, All returns the values in input order.
func TestAllOrderProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		n := rapid.IntRange(0, 16).Draw(rt, "n")
		vals := rapid.SliceOfN(rapid.Int(), n, n).Draw(rt, "values")
		order := rapid.Permutation(seq(n)).Draw(rt, "settleOrder")
		early := rapid.IntRange(0, n).Draw(rt, "settledBeforeCall")
		fs, ps := pendingN(n)
		for _, i := range order[:early] {
			ps[i].Resolve(vals[i])
		}
		go func() {
			for _, i := range order[early:] {
				ps[i].Resolve(vals[i])
			}
		}()
		got, err := future.All(context.Background(), fs...)
		require.NoError(rt, err)
		require.Equal(rt, vals, got)
	})
}

func TestAllSettled(t *testing.T) {
	fs, ps := pendingN(3)
	go func() {
		ps[2].Resolve(2)
		ps[0].Reject(errBoom)
		fs[1].Cancel()
	}()
	res, err := future.AllSettled(context.Background(), fs...)
	require.NoError(t, err)
	require.Len(t, res, 3)
	require.Equal(t, errBoom, res[0].Err)
	require.ErrorIs(t, res[1].Err, future.ErrCancelled)
	require.Equal(t, future.Result[int]{Value: 2}, res[2])

	res, err = future.AllSettled[int](context.Background())
	require.NoError(t, err)
	require.NotNil(t, res)
	require.Empty(t, res)
}

func TestAllSettledContextDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs, _ := pendingN(1)
		ctx, cancel := context.WithCancelCause(context.Background())
		go func() { cancel(errBoom) }()
		res, err := future.AllSettled(ctx, fs...)
		require.ErrorIs(t, err, errBoom)
		require.Nil(t, res)
		require.False(t, fs[0].Settled())
	})
}

func seq(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// TestAllGathersConcurrentSettles has four goroutines settle a thousand
// futures while All and AllSettled wait on them, in real time and over and
// over: every value lands in its place, and a failure among them is the
// one returned, with every other future settled, cancelled or not.
func TestAllGathersConcurrentSettles(t *testing.T) {
	const n, settlers = 1000, 4
	for round := range 50 {
		fs, ps := pendingN(n)
		bad := -1
		if round%2 == 1 {
			bad = (round * 37) % n
		}
		type gathered struct {
			vals []int
			res  []future.Result[int]
			err  error
		}
		out := make(chan gathered, 1)
		go func() {
			vals, err := future.All(context.Background(), fs...)
			out <- gathered{vals: vals, err: err}
		}()
		settledOut := make(chan gathered, 1)
		go func() {
			res, err := future.AllSettled(context.Background(), fs...)
			settledOut <- gathered{res: res, err: err}
		}()
		var wg sync.WaitGroup
		for s := range settlers {
			wg.Go(func() {
				for i := s; i < n; i += settlers {
					if i == bad {
						ps[i].Reject(errBoom)
					} else {
						ps[i].Resolve(i)
					}
				}
			})
		}
		wg.Wait()
		all, settled := <-out, <-settledOut
		require.NoError(t, settled.err)
		if bad < 0 {
			require.NoError(t, all.err)
			for i, v := range all.vals {
				require.Equal(t, i, v, "round %d: value %d", round, i)
			}
			for i, r := range settled.res {
				require.Equal(t, future.Result[int]{Value: i}, r, "round %d: result %d", round, i)
			}
			continue
		}
		require.Equal(t, errBoom, all.err, "round %d", round)
		require.Nil(t, all.vals)
		for i, r := range settled.res {
			switch {
			case i == bad:
				require.Equal(t, errBoom, r.Err)
			case r.Err != nil: // cancelled by All before its settler got to it
				require.ErrorIs(t, r.Err, future.ErrCancelled, "round %d: result %d", round, i)
			default:
				require.Equal(t, i, r.Value, "round %d: result %d", round, i)
			}
		}
	}
}
