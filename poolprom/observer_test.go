package poolprom_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolprom"
)

// The observer records waits and run times in seconds, by pool and outcome.
func TestObserver(t *testing.T) {
	ctx := t.Context()
	c, err := poolprom.New()
	require.NoError(t, err)
	require.NoError(t, c.Add(fakeSource{name: "a"}))

	c.TaskStarted(ctx, pool.TaskStart{Pool: "a", Waited: 3 * time.Millisecond})
	c.TaskStarted(ctx, pool.TaskStart{Pool: "a", Worker: 1, Waited: time.Millisecond})
	c.TaskFinished(ctx, pool.TaskEnd{Pool: "a", Ran: 2 * time.Millisecond, Outcome: pool.Succeeded})
	c.TaskFinished(ctx, pool.TaskEnd{Pool: "a", Worker: 1, Ran: 4 * time.Millisecond, Outcome: pool.Cancelled})
	c.TaskStarted(ctx, pool.TaskStart{Pool: "unknown", Waited: time.Second}) // not added: ignored
	c.TaskFinished(ctx, pool.TaskEnd{Pool: "unknown", Ran: time.Second, Outcome: pool.Failed})
	// An outcome this package does not know is still recorded.
	c.TaskFinished(ctx, pool.TaskEnd{Pool: "a", Ran: time.Millisecond, Outcome: pool.Outcome(7)})

	f := gather(t, c)
	h := f.find("sluice_pool_task_wait_seconds", "pool", "a")[0].GetHistogram()
	require.Equal(t, uint64(2), h.GetSampleCount())
	require.InDelta(t, 0.004, h.GetSampleSum(), 1e-12)
	require.Equal(t, uint64(1), f.count(t, "sluice_pool_task_run_seconds", "pool", "a", "outcome", "succeeded"))
	require.Equal(t, uint64(0), f.count(t, "sluice_pool_task_run_seconds", "pool", "a", "outcome", "failed"))
	require.Equal(t, uint64(1), f.count(t, "sluice_pool_task_run_seconds", "pool", "a", "outcome", "cancelled"))
	require.Equal(t, uint64(1), f.count(t, "sluice_pool_task_run_seconds", "pool", "a", "outcome", "Outcome(7)"))
	require.Empty(t, f.find("sluice_pool_task_wait_seconds", "pool", "unknown"))
	require.Empty(t, f.find("sluice_pool_task_run_seconds", "pool", "unknown"))
}

// Observing, adding, removing and collecting may all happen at once.
func TestObserverConcurrent(t *testing.T) {
	ctx := t.Context()
	c, err := poolprom.New()
	require.NoError(t, err)
	require.NoError(t, c.Add(fakeSource{name: "steady"}))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for range 1000 {
				c.TaskStarted(ctx, pool.TaskStart{Pool: "steady", Worker: w, Waited: time.Microsecond})
				c.TaskFinished(ctx, pool.TaskEnd{Pool: "steady", Worker: w, Ran: time.Microsecond, Outcome: pool.Succeeded})
				c.TaskStarted(ctx, pool.TaskStart{Pool: "flicker", Worker: w, Waited: time.Microsecond})
			}
		})
	}
	wg.Go(func() {
		for range 200 {
			_ = c.Add(fakeSource{name: "flicker"})
			c.Remove("flicker")
		}
	})
	for range 20 {
		gather(t, c)
	}
	wg.Wait()
	f := gather(t, c)
	require.Equal(t, uint64(4000), f.count(t, "sluice_pool_task_wait_seconds", "pool", "steady"))
	require.Equal(t, uint64(4000), f.count(t, "sluice_pool_task_run_seconds", "pool", "steady", "outcome", "succeeded"))
	require.Empty(t, f.find("sluice_pool_task_wait_seconds", "pool", "flicker"))
}
