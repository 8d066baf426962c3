package flow_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/future"
)

func TestFrom(t *testing.T) {
	for _, n := range []int{0, 1, 63, 64, 65, 1000} {
		got, err := flow.From(ints(n)).Collect(t.Context())
		require.NoError(t, err)
		require.Equal(t, ints(n), append([]int{}, got...))
	}
	got, err := flow.From[int](nil).Collect(t.Context())
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestFromChan(t *testing.T) {
	ch := make(chan int, 10)
	go func() {
		defer close(ch)
		for i := range 500 {
			ch <- i
		}
	}()
	got, err := flow.FromChan(ch).Collect(t.Context())
	require.NoError(t, err)
	require.Equal(t, ints(500), got)
	require.PanicsWithValue(t, "flow: FromChan with nil channel", func() { flow.FromChan[int](nil) })
}

// TestFromChanStops: a run from a channel that never closes ends when
// the sink stops.
func TestFromChanStops(t *testing.T) {
	ch := make(chan int)
	quit := make(chan struct{})
	defer close(quit)
	go func() {
		for i := 0; ; i++ {
			select {
			case ch <- i:
			case <-quit:
				return
			}
		}
	}()
	n := 0
	for v, err := range flow.FromChan(ch).All(t.Context()) {
		require.NoError(t, err)
		require.Equal(t, n, v)
		if n++; n == 300 {
			break
		}
	}
}

func TestFromSeqStopsTheSequence(t *testing.T) {
	returned := make(chan int, 1)
	seq := func(yield func(int) bool) {
		i := 0
		for ; yield(i); i++ {
		}
		returned <- i
	}
	for v, err := range flow.FromSeq(seq).All(t.Context()) {
		require.NoError(t, err)
		if v == 100 {
			break
		}
	}
	// The sink returned only after the sequence did.
	require.Len(t, returned, 1)
	require.GreaterOrEqual(t, <-returned, 100)
	require.PanicsWithValue(t, "flow: FromSeq with nil sequence", func() { flow.FromSeq[int](nil) })
}

type ctxKey struct{}

func TestFromFunc(t *testing.T) {
	ctx := context.WithValue(t.Context(), ctxKey{}, "value")
	gen := func(ctx context.Context, yield func(string) bool) error {
		for range 3 {
			if !yield(ctx.Value(ctxKey{}).(string)) {
				return nil
			}
		}
		return nil
	}
	got, err := flow.FromFunc(gen).Collect(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{"value", "value", "value"}, got)

	failing := func(_ context.Context, yield func(int) bool) error {
		yield(1)
		return errBoom
	}
	_, err = flow.FromFunc(failing).Collect(t.Context())
	require.Same(t, errBoom, err)

	panicking := func(context.Context, func(int) bool) error { panic("no items") }
	_, err = flow.FromFunc(panicking).Collect(t.Context())
	pe, ok := errors.AsType[*future.PanicError](err)
	require.True(t, ok, "got %v", err)
	require.Equal(t, "no items", pe.Value)
	require.Contains(t, string(pe.Stack), "source_test.go")

	require.PanicsWithValue(t, "flow: FromFunc with nil function", func() { flow.FromFunc[int](nil) })
}

// TestFromFuncSeesCancellation: the generator's context is done when the
// run stops, so a generator waiting on something else can give up.
func TestFromFuncSeesCancellation(t *testing.T) {
	gen := func(ctx context.Context, yield func(int) bool) error {
		for i := 0; yield(i); i++ {
		}
		<-ctx.Done()
		return ctx.Err() // ignored: the run is over
	}
	var got []int
	for v, err := range flow.FromFunc(gen).All(t.Context()) {
		require.NoError(t, err)
		if v == 10 {
			break
		}
		got = append(got, v)
	}
	require.Equal(t, ints(10), got)
}
