package flow_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/flow"
)

func TestChan(t *testing.T) {
	ch, stop := flow.From(ints(300)).Pool(double).Chan(t.Context())
	var got []int
	for v := range ch {
		got = append(got, v)
	}
	require.Equal(t, doubled(ints(300)), got)
	require.NoError(t, stop())
	require.NoError(t, stop())
}

func TestChanStopEarly(t *testing.T) {
	ch, stop := flow.From(ints(100_000)).Pool(double).Chan(t.Context())
	require.Equal(t, 0, <-ch)
	require.Equal(t, 2, <-ch)
	require.NoError(t, stop())
	for range ch { // closed by now; what was buffered may remain
	}
}

func TestChanError(t *testing.T) {
	fail := func(_ context.Context, v int) (int, error) {
		if v == 50 {
			return 0, errBoom
		}
		return v, nil
	}
	ch, stop := flow.From(ints(100)).Pool(fail).Chan(t.Context())
	n := 0
	for range ch {
		n++
	}
	require.LessOrEqual(t, n, 50)
	require.Same(t, errBoom, stop())
}

// TestChanCallerCancels: a consumer that walks away and cancels its
// context ends the run without calling stop.
func TestChanCallerCancels(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	ch, stop := flow.From(ints(100_000)).Chan(ctx)
	<-ch
	cancel()
	for range ch {
	}
	require.ErrorIs(t, stop(), context.Canceled)
}
