package future_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
)

var errBoom = errors.New("boom")

func TestNewNilContextPanics(t *testing.T) {
	require.PanicsWithValue(t, "future: New with nil context", func() {
		future.New[int](nilCtx)
	})
}

func TestResolvedAndFailed(t *testing.T) {
	f := future.Resolved(7)
	require.True(t, f.Settled())
	v, err, ok := f.TryResult()
	require.True(t, ok)
	require.NoError(t, err)
	require.Equal(t, 7, v)
	require.False(t, f.Cancel(), "a settled future cannot be cancelled")

	g := future.Failed[string](errBoom)
	v2, err := g.Wait()
	require.ErrorIs(t, err, errBoom)
	require.Empty(t, v2)

	require.PanicsWithValue(t, "future: Failed with nil error", func() { future.Failed[int](nil) })
}

func TestPendingNeverBlocksNonBlockingCalls(t *testing.T) {
	f, _ := future.New[int](context.Background())
	require.False(t, f.Settled())
	_, _, ok := f.TryResult()
	require.False(t, ok)
	select {
	case <-f.Done():
		t.Fatal("Done closed on a pending future")
	default:
	}
}

func TestDoneClosesOnSettle(t *testing.T) {
	f, p := future.New[int](context.Background())
	done := f.Done()
	require.Equal(t, done, f.Done(), "Done returns one channel")
	require.True(t, p.Resolve(3))
	<-done // closed, not polled
	v, err := f.Wait()
	require.NoError(t, err)
	require.Equal(t, 3, v)
}

func TestAwaitDoneContextLeavesFuturePending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, p := future.New[int](context.Background())
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := f.Await(ctx)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.False(t, f.Settled(), "giving up waiting must not settle")
		require.NoError(t, p.Context().Err(), "giving up waiting must not cancel the work")

		require.True(t, p.Resolve(5))
		v, err := f.Await(context.Background())
		require.NoError(t, err)
		require.Equal(t, 5, v)
	})
}

func TestAwaitReturnsCause(t *testing.T) {
	f, _ := future.New[int](context.Background())
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errBoom)
	_, err := f.Await(ctx)
	require.ErrorIs(t, err, errBoom)
}

func TestAwaitSettledWinsOverDoneContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v, err := future.Resolved(1).Await(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, v)
}

func TestAwaitNilContextPanics(t *testing.T) {
	require.PanicsWithValue(t, "future: Await with nil context", func() {
		future.Resolved(1).Await(nilCtx)
	})
}

func TestAwaitWakesWhenSettledElsewhere(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, p := future.New[int](context.Background())
		go p.Resolve(9)
		v, err := f.Await(context.Background())
		require.NoError(t, err)
		require.Equal(t, 9, v)
	})
}

func TestCancel(t *testing.T) {
	f, p := future.New[int](context.Background())
	work := p.Context()
	require.True(t, f.Cancel())
	_, err := f.Wait()
	require.ErrorIs(t, err, future.ErrCancelled)
	require.ErrorIs(t, err, context.Canceled)
	<-work.Done()
	require.ErrorIs(t, work.Err(), context.Canceled)
	require.ErrorIs(t, p.Cause(), future.ErrCancelled)

	require.False(t, f.Cancel(), "second cancel")
	require.False(t, p.Resolve(1), "resolve after cancel")
	_, err = f.Wait()
	require.ErrorIs(t, err, future.ErrCancelled)
}

func TestCancelSettledIsNoOp(t *testing.T) {
	f, p := future.New[int](context.Background())
	require.True(t, p.Resolve(4))
	require.False(t, f.Cancel())
	v, err := f.Wait()
	require.NoError(t, err)
	require.Equal(t, 4, v)
	require.ErrorIs(t, p.Cause(), future.ErrSettled, "a lost Cancel leaves the work's cause alone")
}

func TestOnSettled(t *testing.T) {
	f, p := future.New[int](context.Background())
	var got []string
	f.OnSettled(func(v int, err error) { got = append(got, fmt.Sprint("a", v, err)) })
	f.OnSettled(func(v int, err error) { got = append(got, fmt.Sprint("b", v, err)) })
	require.Empty(t, got)
	p.Resolve(1)
	require.Equal(t, []string{"a1 <nil>", "b1 <nil>"}, got, "run by the settler, in order")
	f.OnSettled(func(v int, err error) { got = append(got, fmt.Sprint("c", v, err)) })
	require.Equal(t, "c1 <nil>", got[2], "run at once once settled")

	require.PanicsWithValue(t, "future: OnSettled with nil function", func() { f.OnSettled(nil) })
}

func TestOnSettledGoexitStillRunsTheRest(t *testing.T) {
	f, p := future.New[int](context.Background())
	f.OnSettled(func(int, error) { runtime.Goexit() })
	second := make(chan int, 1)
	f.OnSettled(func(v int, _ error) { second <- v })
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		p.Resolve(3)
	}()
	<-exited
	require.Equal(t, 3, <-second)
}

// A future made in place with Init, inside a struct of the caller's own,
// behaves as one from New: its work context, settling, waiters, callbacks
// and cancellation.
func TestInitInPlace(t *testing.T) {
	type request struct {
		f  future.Future[int]
		in int
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := &request{in: 20}
	p := future.Init(&r.f, ctx)
	require.Same(t, &r.f, p.Future())
	require.False(t, r.f.Settled())
	var got int
	r.f.OnSettled(func(v int, err error) { got = v })
	done := make(chan struct{})
	go func() {
		defer close(done)
		v, err := r.f.Await(context.Background())
		require.NoError(t, err)
		require.Equal(t, 21, v)
	}()
	require.True(t, p.Resolve(r.in+1))
	<-done
	require.Equal(t, 21, got)
	require.Error(t, p.Context().Err(), "the work's context ends once the future settles")

	// The work's context follows the ctx given to Init.
	var q request
	pq := future.Init(&q.f, ctx)
	cancel()
	<-pq.Context().Done()
	require.ErrorIs(t, pq.Context().Err(), context.Canceled)
	require.True(t, q.f.Cancel())
	_, err := q.f.Await(context.Background())
	require.ErrorIs(t, err, future.ErrCancelled)
}

func TestInitMisusePanics(t *testing.T) {
	var f future.Future[int]
	require.PanicsWithValue(t, "future: Init with nil context", func() { future.Init(&f, nilCtx) })
	future.Init(&f, context.Background())
	require.PanicsWithValue(t, "future: Init of a future already made", func() { future.Init(&f, context.Background()) })
	require.PanicsWithValue(t, "future: Init of a future already made", func() { future.Init(future.Resolved(1), context.Background()) })
	g, _ := future.New[int](context.Background())
	require.PanicsWithValue(t, "future: Init of a future already made", func() { future.Init(g, context.Background()) })
}
