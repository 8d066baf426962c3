package flow_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/flow"
)

func TestAll(t *testing.T) {
	var got []int
	for v, err := range flow.From(ints(200)).Pool(double).All(t.Context()) {
		require.NoError(t, err)
		got = append(got, v)
	}
	require.Equal(t, doubled(ints(200)), got)
}

func TestAllEndsWithTheError(t *testing.T) {
	fail := func(_ context.Context, v int) (int, error) {
		if v == 150 {
			return 0, errBoom
		}
		return v, nil
	}
	var errs []error
	n := 0
	for v, err := range flow.From(ints(200)).Pool(fail).All(t.Context()) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		require.Empty(t, errs, "no result after the error")
		require.Equal(t, n, v)
		n++
	}
	require.Equal(t, []error{errBoom}, errs)
}

// TestAllContinueOnError: each item's error comes as its own pair, and
// the other results all come through, in order.
func TestAllContinueOnError(t *testing.T) {
	fail := func(_ context.Context, v int) (int, error) {
		if v%10 == 3 {
			return 0, errBoom
		}
		return v, nil
	}
	var got []int
	errs := 0
	for v, err := range flow.From(ints(200)).Pool(fail).All(t.Context(), flow.WithContinueOnError()) {
		if err != nil {
			require.Same(t, errBoom, err)
			errs++
			continue
		}
		got = append(got, v)
	}
	require.Equal(t, 20, errs)
	require.Len(t, got, 180)
	for _, v := range got {
		require.NotEqual(t, 3, v%10)
	}
}

// TestAllBodyPanics: a panic in the loop body goes to the caller, after
// the flow has stopped.
func TestAllBodyPanics(t *testing.T) {
	require.PanicsWithValue(t, "body", func() {
		for v := range flow.From(ints(1000)).Pool(double).All(t.Context()) {
			if v == 20 {
				panic("body")
			}
		}
	})
}
