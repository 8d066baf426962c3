package flow_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/internal/stages"
	"github.com/sluice-go/sluice/pool"
)

var errBoom = errors.New("boom")

// ints returns 0..n-1.
func ints(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

func double(_ context.Context, v int) (int, error) { return 2 * v, nil }

// doubled is the sequential model of a pool stage running double.
func doubled(in []int) []int {
	out := make([]int, len(in))
	for i, v := range in {
		out[i] = 2 * v
	}
	return out
}

func TestZeroFlowIsEmpty(t *testing.T) {
	var f flow.Flow[int]
	got, err := f.Collect(t.Context())
	require.NoError(t, err)
	require.Empty(t, got)
	got, err = f.Pool(double).Filter(func(int) bool { return true }).Collect(t.Context())
	require.NoError(t, err)
	require.Empty(t, got)
}

func TestFlowRunsAgain(t *testing.T) {
	f := flow.From(ints(100)).Pool(double, pool.WithMaxWorkers(3))
	for range 3 {
		got, err := f.Collect(t.Context())
		require.NoError(t, err)
		require.Equal(t, doubled(ints(100)), got)
	}
}

func TestUnorderedOnlyAfterPool(t *testing.T) {
	_, err := flow.From(ints(3)).Map(func(v int) int { return v }).Unordered().Collect(t.Context())
	require.EqualError(t, err, "flow: Unordered after Map, not after a pool stage")
	_, err = flow.From(ints(3)).Unordered().Collect(t.Context())
	require.EqualError(t, err, "flow: Unordered after From, not after a pool stage")
	var zero flow.Flow[int]
	_, err = zero.Unordered().Collect(t.Context())
	require.EqualError(t, err, "flow: Unordered after the empty flow, not after a pool stage")

	got, err := flow.From(ints(200)).Pool(double).Unordered().Unordered().Collect(t.Context())
	require.NoError(t, err)
	slices.Sort(got)
	require.Equal(t, doubled(ints(200)), got)
}

func TestFirstConstructionErrorWins(t *testing.T) {
	f := flow.From(ints(3)).Buffer(0).Pool(double, pool.WithMaxWorkers(0)).Unordered()
	_, err := f.Collect(t.Context())
	require.EqualError(t, err, "flow: Buffer(0): want at least 1 item")
}

// TestKeyedKeepsOrderPerKey: with key affinity, the items of one key run
// one after another in input order, even in an unordered stage.
func TestKeyedKeepsOrderPerKey(t *testing.T) {
	var mu sync.Mutex
	seen := map[int][]int{}
	record := func(_ context.Context, v int) (int, error) {
		mu.Lock()
		seen[v%5] = append(seen[v%5], v)
		mu.Unlock()
		return v, nil
	}
	got, err := flow.From(ints(1000)).
		Keyed(func(v int) uint64 { return uint64(v % 5) }).
		Filter(func(int) bool { return true }). // the key carries over
		Pool(record, pool.WithMaxWorkers(4), pool.WithStrategy(balance.KeyAffinity(balance.RoundRobin()))).
		Unordered().
		Collect(t.Context())
	require.NoError(t, err)
	require.Len(t, got, 1000)
	for k, vs := range seen {
		require.True(t, slices.IsSorted(vs), "key %d ran out of order", k)
		require.Len(t, vs, 200)
	}
	require.Panics(t, func() { flow.From(ints(1)).Keyed(nil) })
}

func TestCapacity(t *testing.T) {
	const s = 64
	require.Equal(t, 64, flow.Flow[int]{}.Capacity())
	src := flow.From(ints(10))
	require.Equal(t, 2*s+s, src.Capacity())
	require.Equal(t, 2*s+3*s+s, src.Map(func(v int) int { return v }).Capacity())
	require.Equal(t, 2*s+4*s+s, src.Buffer(100).Capacity())
	// 2 workers, 16 queued (one chunk each): 2 + 1 + 2*2 + 2, the
	// window of 2*2 chunks ReorderFactor times larger ordered.
	p := src.Pool(double, pool.WithMaxWorkers(2))
	require.Equal(t, 2*s+(2+1+4*stages.ReorderFactor+2)*s+s, p.Capacity())
	require.Equal(t, 2*s+(2+1+4+2)*s+s, p.Unordered().Capacity())
	// 130 queued: three chunks per worker.
	p = src.Pool(double, pool.WithMaxWorkers(1), pool.WithMaxQueued(130)).Unordered()
	require.Equal(t, 2*s+(2+1+4+1)*s+s, p.Capacity())
}
