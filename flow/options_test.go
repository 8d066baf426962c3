package flow_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/future"
)

func TestWithProgress(t *testing.T) {
	var seen []flow.Progress
	observe := flow.WithProgress(func(p flow.Progress) { seen = append(seen, p) })
	_, err := flow.From(ints(1000)).Pool(double).Collect(t.Context(), observe)
	require.NoError(t, err)
	require.Equal(t, flow.Progress{Done: 0, Total: 1000}, seen[0])
	require.Equal(t, flow.Progress{Done: 1000, Total: 1000}, seen[len(seen)-1])
	for i := 1; i < len(seen); i++ {
		require.GreaterOrEqual(t, seen[i].Done, seen[i-1].Done)
	}

	seen = nil
	_, err = flow.From(ints(10)).Filter(func(v int) bool { return v < 5 }).Collect(t.Context(), observe)
	require.NoError(t, err)
	require.Equal(t, flow.Progress{Done: 5, Total: -1}, seen[len(seen)-1])

	// Chan calls the observer on its own goroutine.
	seen = nil
	ch, stop := flow.From(ints(10)).Chan(t.Context(), observe)
	for range ch {
	}
	require.NoError(t, stop())
	require.Equal(t, flow.Progress{Done: 10, Total: 10}, seen[len(seen)-1])

	// 200 items come in 4 chunks: 6 calls. Panic in the first, a middle
	// one, the last.
	for _, at := range []int{1, 3, 6} {
		calls := 0
		_, err = flow.From(ints(200)).Collect(t.Context(), flow.WithProgress(func(flow.Progress) {
			if calls++; calls == at {
				panic("bar")
			}
		}))
		_, ok := errors.AsType[*future.PanicError](err)
		require.True(t, ok, "panic at %d: got %v", at, err)
	}
}

// TestWithContinueOnError: failed items are dropped and counted, the
// others come through in order, and the errors come back joined in the
// order they happened.
func TestWithContinueOnError(t *testing.T) {
	errOdd := errors.New("odd")
	fail := func(_ context.Context, v int) (int, error) {
		if v%2 == 1 {
			return 0, errOdd
		}
		return v, nil
	}
	var last flow.Progress
	got, err := flow.From(ints(10)).Pool(fail).Collect(t.Context(),
		flow.WithContinueOnError(), flow.WithProgress(func(p flow.Progress) { last = p }))
	require.Equal(t, []int{0, 2, 4, 6, 8}, got)
	require.ErrorIs(t, err, errOdd)
	require.Len(t, err.(interface{ Unwrap() []error }).Unwrap(), 5)
	require.Equal(t, flow.Progress{Done: 5, Failed: 5, Total: 10}, last)

	// One error comes back as it is.
	_, err = flow.From(ints(10)).Pool(func(_ context.Context, v int) (int, error) {
		if v == 3 {
			return 0, errBoom
		}
		return v, nil
	}).Collect(t.Context(), flow.WithContinueOnError())
	require.Same(t, errBoom, err)

	// Errors of the sink's function count too.
	err = flow.From(ints(4)).ForEach(t.Context(), func(int) error { return errBoom }, flow.WithContinueOnError())
	require.ErrorIs(t, err, errBoom)
	require.Len(t, err.(interface{ Unwrap() []error }).Unwrap(), 4)

	// A panic still stops the flow.
	_, err = flow.From(ints(1000)).Pool(func(_ context.Context, v int) (int, error) {
		if v == 3 {
			panic("stop")
		}
		return v, nil
	}).Collect(t.Context(), flow.WithContinueOnError())
	_, ok := errors.AsType[*future.PanicError](err)
	require.True(t, ok, "got %v", err)
}

func TestNilOption(t *testing.T) {
	_, err := flow.From(ints(1)).Collect(t.Context(), nil)
	require.EqualError(t, err, "flow: nil Option")
}
