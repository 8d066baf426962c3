package future_test

import (
	"context"
	"errors"
	"runtime"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
)

func TestGo(t *testing.T) {
	f := future.Go(context.Background(), func(context.Context) (int, error) { return 42, nil })
	v, err := f.Wait()
	require.NoError(t, err)
	require.Equal(t, 42, v)

	g := future.Go(context.Background(), func(context.Context) (int, error) { return 1, errBoom })
	v, err = g.Wait()
	require.ErrorIs(t, err, errBoom)
	require.Equal(t, 1, v, "a value returned beside an error is kept")
}

func TestGoPanic(t *testing.T) {
	f := future.Go(context.Background(), func(context.Context) (int, error) { panic(errBoom) })
	_, err := f.Wait()
	var pe *future.PanicError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, errBoom, pe.Value)
	require.ErrorIs(t, err, errBoom, "PanicError unwraps an error value")
	require.Contains(t, string(pe.Stack), "go_test.go", "the stack shows where it panicked")
}

func TestGoGoexit(t *testing.T) {
	f := future.Go(context.Background(), func(context.Context) (int, error) {
		runtime.Goexit()
		return 1, nil
	})
	_, err := f.Wait() // must not block
	require.ErrorIs(t, err, future.ErrGoexit)
}

func TestGoNilArgumentsPanic(t *testing.T) {
	require.PanicsWithValue(t, "future: Go with nil function", func() {
		future.Go[int](context.Background(), nil)
	})
	require.PanicsWithValue(t, "future: New with nil context", func() {
		future.Go(nilCtx, func(context.Context) (int, error) { return 0, nil })
	})
}

func TestGoCancelReachesWork(t *testing.T) {
	started := make(chan struct{})
	returned := make(chan struct{})
	f := future.Go(context.Background(), func(ctx context.Context) (int, error) {
		defer close(returned)
		close(started)
		<-ctx.Done()
		return 5, nil // dropped: the future is already cancelled
	})
	<-started
	require.True(t, f.Cancel())
	<-returned
	v, err := f.Wait()
	require.ErrorIs(t, err, future.ErrCancelled)
	require.Zero(t, v)
}

func TestGoParentCancelReachesWork(t *testing.T) {
	parent, cancel := context.WithCancelCause(context.Background())
	f := future.Go(parent, func(ctx context.Context) (int, error) {
		<-ctx.Done()
		return 0, context.Cause(ctx)
	})
	cancel(errBoom)
	_, err := f.Wait()
	require.ErrorIs(t, err, errBoom)
}

func TestRun(t *testing.T) {
	f, p := future.New[string](context.Background())
	p.Run(func(ctx context.Context) (string, error) {
		require.NoError(t, ctx.Err(), "the work's context is live while it runs")
		return "ran", nil
	})
	v, err := f.Wait()
	require.NoError(t, err)
	require.Equal(t, "ran", v)

	require.PanicsWithValue(t, "future: Run with nil function", func() { p.Run(nil) })
}

func TestRunSkipsSettledFuture(t *testing.T) {
	f, p := future.New[int](context.Background())
	f.Cancel()
	called := false
	p.Run(func(context.Context) (int, error) { called = true; return 1, nil })
	require.False(t, called)
}

func TestRunRecoversPanic(t *testing.T) {
	f, p := future.New[int](context.Background())
	require.NotPanics(t, func() {
		p.Run(func(context.Context) (int, error) { panic("boom") })
	})
	_, err := f.Wait()
	var pe *future.PanicError
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "boom", pe.Value)
}

func TestThenChains(t *testing.T) {
	f, p := future.New[int](context.Background())
	g := future.Then(future.Then(f, func(v int) (int, error) { return v + 1, nil }),
		func(v int) (string, error) { return strconv.Itoa(v), nil })
	require.False(t, g.Settled())
	p.Resolve(41)
	v, err := g.Wait()
	require.NoError(t, err)
	require.Equal(t, "42", v)
}

func TestThenOnSettledRunsAtOnce(t *testing.T) {
	g := future.Then(future.Resolved(2), func(v int) (int, error) { return v * 2, nil })
	v, err, ok := g.TryResult()
	require.True(t, ok)
	require.NoError(t, err)
	require.Equal(t, 4, v)
}

func TestThenFailures(t *testing.T) {
	called := false
	g := future.Then(future.Failed[int](errBoom), func(int) (int, error) { called = true; return 0, nil })
	_, err := g.Wait()
	require.ErrorIs(t, err, errBoom)
	require.False(t, called, "fn is skipped when f fails")

	other := errors.New("other")
	_, err = future.Then(future.Resolved(1), func(int) (int, error) { return 0, other }).Wait()
	require.ErrorIs(t, err, other)

	_, err = future.Then(future.Resolved(1), func(int) (int, error) { panic(other) }).Wait()
	var pe *future.PanicError
	require.ErrorAs(t, err, &pe)
	require.ErrorIs(t, err, other)
}

func TestThenGoexit(t *testing.T) {
	f, p := future.New[int](context.Background())
	g := future.Then(f, func(int) (int, error) { runtime.Goexit(); return 0, nil })
	later := make(chan int, 1)
	f.OnSettled(func(v int, _ error) { later <- v })
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		p.Resolve(7) // the callback's Goexit ends this goroutine
	}()
	<-exited
	_, err := g.Wait()
	require.ErrorIs(t, err, future.ErrGoexit)
	require.Equal(t, 7, <-later, "callbacks after a Goexit still run")
}

func TestCancelThenLeavesSource(t *testing.T) {
	f, p := future.New[int](context.Background())
	g := future.Then(f, func(v int) (int, error) { return v, nil })
	require.True(t, g.Cancel())
	require.False(t, f.Settled())
	require.True(t, p.Resolve(1))
	_, err := g.Wait()
	require.ErrorIs(t, err, future.ErrCancelled)
}

func TestThenNilArgumentsPanic(t *testing.T) {
	id := func(v int) (int, error) { return v, nil }
	require.PanicsWithValue(t, "future: Then with nil future", func() { future.Then[int, int](nil, id) })
	require.PanicsWithValue(t, "future: Then with nil function", func() { future.Then[int, int](future.Resolved(1), nil) })
}
