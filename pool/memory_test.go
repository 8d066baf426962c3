package pool_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestQueuesGiveMemoryBack queues a million tasks behind a gate, lets them
// all run, and checks that the pool's live heap is back within 10% of what
// the idle pool held, warm: after a burst that used every worker's queue,
// so that the blocks a queue keeps for the next burst (two of 64 tasks) are
// counted on both sides (within 10%, or 8 KiB, whichever is more). Before
// the queues shrank, a million queued tasks left 64 MiB alive in the pool
// after they ran.
func TestQueuesGiveMemoryBack(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	before := liveHeap()
	gate, warm := make(chan struct{}), make(chan struct{})
	var ran atomic.Int64
	all := make(chan struct{})
	p, err := pool.New(func(_ context.Context, x int) (int, error) {
		if x < 0 { // warming up
			<-warm
			return x, nil
		}
		<-gate
		if ran.Add(1) == int64(n) {
			close(all)
		}
		return x, nil
	}, pool.WithMaxWorkers(4))
	require.NoError(t, err)
	defer p.Cancel()
	ctx := context.Background()

	// Warm up: a burst that queues a few blocks on every worker, held until
	// all of it is queued, then drained.
	futs := make([]*future.Future[int], 4096)
	for i := range futs {
		futs[i] = p.Submit(ctx, -1)
	}
	close(warm)
	for _, f := range futs {
		_, _ = f.Wait()
	}
	futs = nil
	idle := liveHeap()
	for i := range n {
		p.Submit(ctx, i) // the futures are dropped: only the pool keeps tasks
	}
	peak := liveHeap()
	require.Greater(t, peak-idle, uint64(n)*32, "a million queued tasks take memory")
	close(gate)
	<-all
	after := liveHeap()
	t.Logf("live heap beyond the %d B before the pool: warm idle pool %d B, %d queued %d B, drained %d B", before, int64(idle)-int64(before), n, int64(peak)-int64(before), int64(after)-int64(before))
	// 10%, but no less than 8 KiB: on a loaded machine one 4 KiB queue
	// block more or less may be live on either side.
	own := max(int64(idle)-int64(before), 0)
	limit := int64(idle) + max(own/10, 8<<10)
	require.LessOrEqual(t, int64(after), limit, "drained queues keep %d B more than the warm idle pool (%d B)", int64(after)-int64(idle), own)
	runtime.KeepAlive(p)
}
