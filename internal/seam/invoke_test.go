package seam_test

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/internal/policy"
	"github.com/sluice-go/sluice/internal/seam"
)

func newHost(t *testing.T, fn func(context.Context, int) (int, error)) *seam.Host[int, int] {
	h, err := seam.NewHost[int, int](seam.Func[int, int](fn), policy.Policy{}, 16)
	require.NoError(t, err)
	return h
}

// TestInvoke: a result comes back as is, a panic as a *future.PanicError
// (every time), a Goexit calls goexit.
func TestInvoke(t *testing.T) {
	h := newHost(t, func(_ context.Context, v int) (int, error) {
		switch v {
		case 1:
			panic("one")
		case 2:
			runtime.Goexit()
		}
		return v * 10, nil
	})
	v, err, ok := h.Invoke(context.Background(), 0, 5, nil, nil)
	require.True(t, ok)
	require.NoError(t, err)
	require.Equal(t, 50, v)
	for range 2 {
		_, err, ok = h.Invoke(context.Background(), 0, 1, nil, nil)
		require.False(t, ok)
		pe, isPanic := errors.AsType[*future.PanicError](err)
		require.True(t, isPanic)
		require.Equal(t, "one", pe.Value)
		require.Contains(t, string(pe.Stack), "invoke_test.go")
	}
	exited := make(chan bool)
	go func() {
		h.Invoke(context.Background(), 0, 2, nil, func() { exited <- true })
		exited <- false // not reached
	}()
	require.True(t, <-exited)
}

func TestInvokeAllocatesNothing(t *testing.T) {
	h := newHost(t, func(_ context.Context, v int) (int, error) { return v, nil })
	ctx := context.Background()
	h.Invoke(ctx, 0, 1, nil, nil)
	require.Zero(t, testing.AllocsPerRun(100, func() { h.Invoke(ctx, 0, 1, nil, nil) }))
}

type closeCounter struct{ n *int }

func (c closeCounter) Close() error { *c.n++; return errors.New("closed") }

// TestStatefulLifecycle: Start makes once, WorkerEnded closes and forgets,
// Close closes the rest and returns every close error.
func TestStatefulLifecycle(t *testing.T) {
	closes, makes := 0, 0
	s := seam.NewStateful("x: ", func(context.Context, int) (closeCounter, error) {
		makes++
		return closeCounter{&closes}, nil
	}, func(closeCounter, context.Context, int) (int, error) { return 0, nil })
	ctx := context.Background()
	require.NoError(t, s.Start(ctx, 0))
	require.NoError(t, s.Start(ctx, 0))
	require.NoError(t, s.Start(ctx, 1))
	require.Equal(t, 2, makes)
	s.WorkerEnded(1)
	s.WorkerEnded(1)
	require.Equal(t, 1, closes)
	_, err := s.Run(ctx, 1, 0)
	require.NoError(t, err)
	require.Equal(t, 3, makes)
	err = s.Close()
	require.Equal(t, 3, closes)
	require.EqualError(t, err, "x: closing worker 1: closed\nx: closing worker 0: closed\nx: closing worker 1: closed")
}
