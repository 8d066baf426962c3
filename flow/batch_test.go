package flow_test

import (
	"math"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/flow"
)

func TestBatch(t *testing.T) {
	got, err := flow.Batch(flow.From(ints(10)), 3, 0).Collect(t.Context())
	require.NoError(t, err)
	require.Equal(t, [][]int{{0, 1, 2}, {3, 4, 5}, {6, 7, 8}, {9}}, got)

	_, err = flow.Batch(flow.From(ints(10)), 0, 0).Collect(t.Context())
	require.EqualError(t, err, "flow: Batch(0, 0s): want size >= 1 and wait >= 0")
	_, err = flow.Batch(flow.From(ints(10)), 1, -time.Second).Collect(t.Context())
	require.EqualError(t, err, "flow: Batch(1, -1s): want size >= 1 and wait >= 0")
}

// TestBatchSizes: a batch size past 1<<20 is an error naming it (1<<40
// used to end the process with "out of memory", math.MaxInt to panic in
// makeslice), and a large size allocates only as items come.
func TestBatchSizes(t *testing.T) {
	_, err := flow.Batch(flow.From(ints(10)), 1<<40, 0).Collect(t.Context())
	require.EqualError(t, err, "flow: Batch(1099511627776, 0s): at most 1048576 items a batch")
	_, err = flow.Batch(flow.From(ints(10)), math.MaxInt, time.Second).Collect(t.Context())
	require.EqualError(t, err, "flow: Batch(9223372036854775807, 1s): at most 1048576 items a batch")
	_, err = flow.Batch(flow.From(ints(10)), 1<<20+1, 0).Collect(t.Context())
	require.EqualError(t, err, "flow: Batch(1048577, 0s): at most 1048576 items a batch")

	for _, size := range []int{1 << 20, 1_000_000} {
		got, err := flow.Batch(flow.From(ints(10)), size, 0).Collect(t.Context())
		require.NoError(t, err)
		require.Equal(t, [][]int{ints(10)}, got)
		require.LessOrEqual(t, cap(got[0]), 64, "a batch of 10 items allocated for %d", cap(got[0]))
	}
}

// TestBatchUnbatchRoundTrip: batching and unbatching gives back the items
// in order; every batch but the last is full when no time limit applies.
func TestBatchUnbatchRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(0, 2000).Draw(t, "items")
		size := rapid.IntRange(1, 300).Draw(t, "size")
		batches, err := flow.Batch(flow.From(ints(n)).Pool(double), size, 0).Collect(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for i, b := range batches {
			if len(b) == 0 || len(b) > size || (i < len(batches)-1 && len(b) != size) {
				t.Fatalf("batch %d of %d has %d items, size %d", i, len(batches), len(b), size)
			}
		}
		got, err := flow.Unbatch(flow.From(batches)).Collect(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(doubled(ints(n)), got) {
			t.Fatalf("round trip gave %v", got)
		}
	})
}

// TestBatchMaxWait: a batch leaves wait after its first item arrived, in
// virtual time.
func TestBatchMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ch := make(chan int)
		go func() {
			defer close(ch)
			ch <- 0
			ch <- 1
			time.Sleep(5 * time.Second)
			for i := 2; i < 12; i++ {
				ch <- i
			}
			time.Sleep(time.Second / 2)
			ch <- 12
		}()
		start := time.Now()
		type arrival struct {
			batch []int
			at    time.Duration
		}
		var got []arrival
		err := flow.Batch(flow.FromChan(ch), 10, time.Second).ForEach(t.Context(), func(b []int) error {
			got = append(got, arrival{b, time.Since(start)})
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, []arrival{
			{[]int{0, 1}, time.Second},                 // by time
			{ints(12)[2:], 5 * time.Second},            // by size
			{[]int{12}, 5*time.Second + time.Second/2}, // by the end
		}, got)
	})
}
