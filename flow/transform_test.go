package flow_test

import (
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/future"
)

func TestMapAndFilter(t *testing.T) {
	even := func(v int) bool { return v%2 == 0 }
	got, err := flow.Map(flow.From(ints(1000)).Filter(even), strconv.Itoa).Collect(t.Context())
	require.NoError(t, err)
	require.Len(t, got, 500)
	for i, s := range got {
		require.Equal(t, strconv.Itoa(2*i), s)
	}
	sq, err := flow.From(ints(5)).Map(func(v int) int { return v * v }).Collect(t.Context())
	require.NoError(t, err)
	require.Equal(t, []int{0, 1, 4, 9, 16}, sq)

	require.PanicsWithValue(t, "flow: Map with nil function", func() { flow.From(ints(1)).Map(nil) })
	require.PanicsWithValue(t, "flow: Filter with nil function", func() { flow.From(ints(1)).Filter(nil) })
}

func TestMapPanicStopsTheFlow(t *testing.T) {
	_, err := flow.From(ints(1000)).Map(func(v int) int {
		if v == 500 {
			panic(errBoom)
		}
		return v
	}).Collect(t.Context())
	pe, ok := errors.AsType[*future.PanicError](err)
	require.True(t, ok, "got %v", err)
	require.ErrorIs(t, err, errBoom)
	require.Contains(t, string(pe.Stack), "transform_test.go")
}

func TestBuffer(t *testing.T) {
	got, err := flow.From(ints(1000)).Buffer(10).Pool(double).Buffer(500).Collect(t.Context())
	require.NoError(t, err)
	require.Equal(t, doubled(ints(1000)), got)
	_, err = flow.From(ints(1)).Buffer(-1).Collect(t.Context())
	require.EqualError(t, err, "flow: Buffer(-1): want at least 1 item")
}

// TestBufferSizes: a buffer past 1<<20 items is an error naming it (1<<40
// used to end the process with "out of memory", math.MaxInt to panic in
// NewChunks); 1<<20 itself works.
func TestBufferSizes(t *testing.T) {
	_, err := flow.From(ints(1)).Buffer(1 << 40).Collect(t.Context())
	require.EqualError(t, err, "flow: Buffer(1099511627776): at most 1048576 items")
	_, err = flow.From(ints(1)).Buffer(math.MaxInt).Collect(t.Context())
	require.EqualError(t, err, "flow: Buffer(9223372036854775807): at most 1048576 items")
	_, err = flow.From(ints(1)).Buffer(1<<20 + 1).Collect(t.Context())
	require.EqualError(t, err, "flow: Buffer(1048577): at most 1048576 items")

	got, err := flow.From(ints(1000)).Buffer(1 << 20).Collect(t.Context())
	require.NoError(t, err)
	require.Equal(t, ints(1000), got)
}
