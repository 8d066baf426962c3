package flow_test

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/pool"
)

// TestSlowItemsUseEveryWorker: a few slow items are not bundled into one
// chunk for one worker: 20 one-second items on 8 workers take 3 seconds.
func TestSlowItemsUseEveryWorker(t *testing.T) {
	for _, ordered := range []bool{true, false} {
		synctest.Test(t, func(t *testing.T) {
			slow := func(_ context.Context, v int) (int, error) {
				time.Sleep(time.Second)
				return v, nil
			}
			f := flow.From(ints(20)).Pool(slow, pool.WithMaxWorkers(8))
			if !ordered {
				f = f.Unordered()
			}
			start := time.Now()
			got, err := f.Collect(t.Context())
			require.NoError(t, err)
			require.Len(t, got, 20)
			require.Equal(t, 3*time.Second, time.Since(start))
		})
	}
}

// TestCheapItemsShareChunks: cheap items reach each worker in chunks:
// once the stage has timed one call, a worker handles whole chunks of
// consecutive items. It runs in virtual time, where a call that does not
// block takes no time, so the cost the stage measures (and with it how it
// splits chunks) does not depend on how loaded the machine is.
func TestCheapItemsShareChunks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const items = 100_000
		var switches, calls atomic.Int64
		last := make([]atomic.Int64, 2)
		newWorker := func(_ context.Context, id int) (int, error) { return id, nil }
		fn := func(w int, _ context.Context, v int) (int, error) {
			calls.Add(1)
			if last[w].Swap(int64(v)) != int64(v-1) {
				switches.Add(1) // not the item after this worker's last one
			}
			return v, nil
		}
		_, err := flow.PoolStateful(flow.From(ints(items)), newWorker, fn, pool.WithMaxWorkers(2)).Collect(t.Context())
		require.NoError(t, err)
		require.Equal(t, int64(items), calls.Load())
		// A worker switches only where a piece of a chunk starts. Until the
		// first call is timed the stage sends items one by one (the first
		// chunk, perhaps a second one read ahead); then each chunk goes
		// whole: 1,563 chunks, 1,625 switches when measured.
		chunks := int64((items + 63) / 64)
		require.LessOrEqual(t, switches.Load(), chunks+2*64, "items should travel in whole chunks")
	})
}
