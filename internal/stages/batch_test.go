package stages_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/internal/stages"
)

// feedChunks sends parts as chunks of a new stream of chunk size size,
// sleeping gaps[i] (if given) before part i.
func feedChunks(ctx context.Context, size int, parts [][]int, gaps []time.Duration) *stages.Chunks[int] {
	s := stages.NewChunks[int](0, size)
	go func() {
		defer s.Close()
		for i, p := range parts {
			if i < len(gaps) {
				time.Sleep(gaps[i])
			}
			if !s.Send(ctx.Done(), append(s.Get(), p...)) {
				return
			}
		}
	}()
	return s
}

// drainAll reads a stream to its end.
func drainAll[T any](s *stages.Chunks[T]) []T {
	var all []T
	for c := range s.C() {
		all = append(all, c...)
		s.Put(c)
	}
	return all
}

// TestBatchBySize: however the input is chunked, batches keep the order
// and every batch but the last is full.
func TestBatchBySize(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		chunk := rapid.IntRange(1, 64).Draw(t, "chunkSize")
		parts := rapid.SliceOfN(rapid.IntRange(1, chunk), 0, 40).Draw(t, "partSizes")
		size := rapid.IntRange(1, 100).Draw(t, "batchSize")
		var in [][]int
		var want []int
		for _, n := range parts {
			p := make([]int, n)
			for i := range p {
				p[i] = len(want)
				want = append(want, len(want))
			}
			in = append(in, p)
		}
		batches := drainAll(stages.Batch(context.Background(), feedChunks(context.Background(), chunk, in, nil), size, 0))
		var got []int
		for i, b := range batches {
			if len(b) == 0 || len(b) > size || (i < len(batches)-1 && len(b) != size) {
				t.Fatalf("batch %d of %d has %d items, size %d", i, len(batches), len(b), size)
			}
			got = append(got, b...)
		}
		if !slices.Equal(want, got) {
			t.Fatalf("got %v, want %v", got, want)
		}
		flat := drainAll(stages.Unbatch(context.Background(), feedBatches(batches), rapid.IntRange(1, 64).Draw(t, "unbatchSize")))
		if !slices.Equal(want, flat) {
			t.Fatalf("unbatched %v, want %v", flat, want)
		}
	})
}

// feedBatches sends batches as a stream of batches, two to a chunk.
func feedBatches(batches [][]int) *stages.Chunks[[]int] {
	s := stages.NewChunks[[]int](1, 2)
	go func() {
		defer s.Close()
		for b := range slices.Chunk(batches, 2) {
			s.Send(nil, append(s.Get(), b...))
		}
	}()
	return s
}

// TestBatchMaxWait: in virtual time, a batch leaves wait after its first
// item arrived, by size when it fills first, and at the end of the input.
func TestBatchMaxWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		in := feedChunks(t.Context(), 8, [][]int{{0}, {1}, {2, 3, 4}, {5}, {6}}, []time.Duration{
			0, 500 * time.Millisecond, 3 * time.Second, 100 * time.Millisecond, 10 * time.Second,
		})
		start := time.Now()
		out := stages.Batch(t.Context(), in, 4, time.Second)
		type arrival struct {
			batch []int
			at    time.Duration
		}
		var got []arrival
		for c := range out.C() {
			for _, b := range c {
				got = append(got, arrival{b, time.Since(start)})
			}
			out.Put(c)
		}
		require.Equal(t, []arrival{
			{[]int{0, 1}, time.Second},                                // wait after item 0
			{[]int{2, 3, 4, 5}, 3*time.Second + 600*time.Millisecond}, // full
			{[]int{6}, 13*time.Second + 600*time.Millisecond},         // the end
		}, got)
	})
}

// TestBatchCancel: a done ctx ends the stage while its input is still
// open; goleak (TestMain) checks its goroutine is gone.
func TestBatchCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	in := stages.NewChunks[int](0, 4)
	out := stages.Batch(ctx, in, 3, time.Hour)
	in.Send(nil, append(in.Get(), 1, 2))
	cancel()
	for range out.C() {
	}
	ctx, cancel = context.WithCancel(t.Context())
	uout := stages.Unbatch(ctx, feedBatches([][]int{{1}}), 4)
	cancel()
	for range uout.C() {
	}
	in.Close()
}

// TestBatchGrowsAsItemsCome: a batch takes memory as items fill it, not in
// proportion to its size: a size of a million (or math.MaxInt, which used
// to panic in makeslice) on 100 items allocates room for about 100, and
// full batches are allocated once each, at their size.
func TestBatchGrowsAsItemsCome(t *testing.T) {
	parts := func(n, each int) [][]int {
		var ps [][]int
		for i := 0; i < n; i += each {
			p := make([]int, 0, each)
			for v := i; v < min(n, i+each); v++ {
				p = append(p, v)
			}
			ps = append(ps, p)
		}
		return ps
	}
	for _, size := range []int{1_000_000, math.MaxInt} {
		batches := drainAll(stages.Batch(t.Context(), feedChunks(t.Context(), 10, parts(100, 10), nil), size, 0))
		require.Len(t, batches, 1)
		require.Equal(t, slices.Concat(parts(100, 10)...), batches[0])
		require.LessOrEqual(t, cap(batches[0]), 200, "size %d", size)
	}

	batches := drainAll(stages.Batch(t.Context(), feedChunks(t.Context(), 64, parts(1000, 64), nil), 100, 0))
	require.Len(t, batches, 10)
	for i, b := range batches[1:] {
		require.Equal(t, 100, cap(b), "batch %d grew after it was made", i+1)
	}
}

func TestBatchBadArguments(t *testing.T) {
	in := stages.NewChunks[int](0, 4)
	require.Panics(t, func() { stages.Batch(t.Context(), in, 0, 0) })
	require.Panics(t, func() { stages.Batch(t.Context(), in, 1, -1) })
	require.Panics(t, func() { stages.Unbatch(t.Context(), stages.NewChunks[[]int](0, 1), 0) })
}
