package flow_test

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/future"
)

func TestCollectOnErrorReturnsAPrefix(t *testing.T) {
	fail := func(_ context.Context, v int) (int, error) {
		if v == 700 {
			return 0, errBoom
		}
		return v, nil
	}
	got, err := flow.From(ints(1000)).Pool(fail).Collect(t.Context())
	require.Same(t, errBoom, err)
	// The results before the failure, in order: possibly all 700 of them
	// (their chunk may still go out as the flow stops), never one after.
	require.LessOrEqual(t, len(got), 700)
	require.Equal(t, ints(len(got)), got)
}

func TestDrain(t *testing.T) {
	var sum int
	err := flow.From(ints(100)).Map(func(v int) int { sum += v; return v }).Drain(t.Context())
	require.NoError(t, err)
	require.Equal(t, 4950, sum)
}

func TestForEach(t *testing.T) {
	var got []int
	require.NoError(t, flow.From(ints(300)).Pool(double).ForEach(t.Context(), func(v int) error {
		got = append(got, v)
		return nil
	}))
	require.Equal(t, doubled(ints(300)), got)

	n := 0
	err := flow.From(ints(300)).ForEach(t.Context(), func(v int) error {
		n++
		if v == 100 {
			return errBoom
		}
		return nil
	})
	require.Same(t, errBoom, err)
	require.Equal(t, 101, n, "no call after the error")

	err = flow.From(ints(300)).ForEach(t.Context(), func(v int) error {
		if v == 100 {
			panic("sink")
		}
		return nil
	})
	pe, ok := errors.AsType[*future.PanicError](err)
	require.True(t, ok, "got %v", err)
	require.Equal(t, "sink", pe.Value)
	require.PanicsWithValue(t, "flow: ForEach with nil function", func() { _ = flow.From(ints(1)).ForEach(t.Context(), nil) })
}

func TestReduce(t *testing.T) {
	sum, err := flow.From(ints(101)).Pool(double).Reduce(t.Context(), 0, func(acc, v int) int { return acc + v })
	require.NoError(t, err)
	require.Equal(t, 10100, sum)

	s, err := flow.Reduce(t.Context(), flow.From(ints(4)), "", func(acc string, v int) string {
		return acc + strconv.Itoa(v)
	})
	require.NoError(t, err)
	require.Equal(t, "0123", s)

	_, err = flow.From(ints(4)).Reduce(t.Context(), 0, func(int, int) int { panic("fold") })
	require.ErrorContains(t, err, "panic: fold")
	require.PanicsWithValue(t, "flow: Reduce with nil function", func() { _, _ = flow.From(ints(1)).Reduce(t.Context(), 0, nil) })
}

// TestCallerCancellation: a run whose caller's context is done returns
// that context's cause.
func TestCallerCancellation(t *testing.T) {
	ctx, cancel := context.WithCancelCause(t.Context())
	errCaller := errors.New("caller gave up")
	block := func(ctx context.Context, v int) (int, error) {
		if v < 10 {
			return v, nil
		}
		if v == 10 {
			cancel(errCaller)
		}
		<-ctx.Done()
		return 0, ctx.Err()
	}
	_, err := flow.From(ints(100)).Pool(block, nil...).Collect(ctx)
	require.Same(t, errCaller, err)

	_, err = flow.From(ints(100)).Collect(ctx)
	require.Same(t, errCaller, err)
}

func TestNilContextPanics(t *testing.T) {
	f := flow.From(ints(1))
	var nilCtx context.Context
	require.PanicsWithValue(t, "flow: Collect with nil context", func() { _, _ = f.Collect(nilCtx) })
	require.PanicsWithValue(t, "flow: Drain with nil context", func() { _ = f.Drain(nilCtx) })
	require.PanicsWithValue(t, "flow: All with nil context", func() { f.All(nilCtx) })
	require.PanicsWithValue(t, "flow: Chan with nil context", func() { f.Chan(nilCtx) })
}
