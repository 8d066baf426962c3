package future_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
)

func TestFirstSkipsFailuresAndCancelsTheRest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs, ps := pendingN(3)
		type answer struct {
			v   int
			err error
		}
		got := make(chan answer, 1)
		go func() {
			v, err := future.First(context.Background(), fs...)
			got <- answer{v, err}
		}()
		synctest.Wait()
		ps[0].Reject(errBoom)
		ps[2].Resolve(2)
		a := <-got
		require.NoError(t, a.err)
		require.Equal(t, 2, a.v)
		_, err := fs[1].Wait()
		require.ErrorIs(t, err, future.ErrCancelled, "the losers are cancelled")
	})
}

func TestFirstSettledSuccess(t *testing.T) {
	v, err := future.First(context.Background(), future.Failed[int](errBoom), future.Resolved(1), future.Resolved(2))
	require.NoError(t, err)
	require.Equal(t, 1, v)
}

func TestFirstAllFail(t *testing.T) {
	e0, e1, e2 := errors.New("e0"), errors.New("e1"), errors.New("e2")
	fs, ps := pendingN(3)
	go func() {
		ps[2].Reject(e2)
		ps[0].Reject(e0)
		ps[1].Reject(e1)
	}()
	_, err := future.First(context.Background(), fs...)
	require.EqualError(t, err, "future: all 3 failed: e0\ne1\ne2", "errors in input order")
	for _, e := range []error{e0, e1, e2} {
		require.ErrorIs(t, err, e)
	}
}

func TestFirstNoFutures(t *testing.T) {
	v, err := future.First[int](context.Background())
	require.EqualError(t, err, "future: all 0 failed")
	require.Zero(t, v)
}

func TestFirstContextDone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fs, ps := pendingN(2)
		ps[0].Reject(errBoom)
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := future.First(ctx, fs...)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.False(t, fs[1].Settled(), "giving up cancels nothing")
	})
}

func TestFirstBadInputPanics(t *testing.T) {
	require.PanicsWithValue(t, "future: First with nil context", func() {
		future.First[int](nilCtx)
	})
	require.PanicsWithValue(t, "future: First with nil future at index 2", func() {
		future.First(context.Background(), future.Resolved(1), future.Resolved(2), nil)
	})
}
