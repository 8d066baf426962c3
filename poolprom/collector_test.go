package poolprom_test

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolprom"
)

func TestAddErrors(t *testing.T) {
	c, err := poolprom.New()
	require.NoError(t, err)

	err = c.Add(nil)
	require.ErrorContains(t, err, "poolprom: Add(nil): want a Source")
	var p *pool.Pool[int, int]
	err = c.Add(p)
	require.ErrorContains(t, err, "poolprom: Add(*pool.Pool[int,int](nil)): want a Source")

	err = c.Add(fakeSource{name: ""})
	require.ErrorIs(t, err, poolprom.ErrNoName)
	require.ErrorContains(t, err, "pool.WithName")

	err = c.Add(fakeSource{name: "bad\xff"})
	require.ErrorContains(t, err, "not valid UTF-8")

	require.NoError(t, c.Add(fakeSource{name: "a", stats: pool.Stats{Submitted: 1}}))
	err = c.Add(fakeSource{name: "a", stats: pool.Stats{Submitted: 2}})
	require.ErrorIs(t, err, poolprom.ErrDuplicate)
	require.ErrorContains(t, err, `"a"`)

	// The first "a" is still the one exported.
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(`
		# HELP sluice_pool_tasks_submitted_total Tasks accepted by Submit.
		# TYPE sluice_pool_tasks_submitted_total counter
		sluice_pool_tasks_submitted_total{pool="a"} 1
	`), "sluice_pool_tasks_submitted_total"))
}

// A real pool is a Source, and an unnamed one is refused.
func TestAddUnnamedPool(t *testing.T) {
	c, err := poolprom.New()
	require.NoError(t, err)
	p, err := pool.New(task(nil), pool.WithMaxWorkers(1))
	require.NoError(t, err)
	defer p.Stop(t.Context())
	require.ErrorIs(t, c.Add(p), poolprom.ErrNoName)
}

// Remove takes away a pool's series, histograms included, and the name can
// be added again, starting from zero.
func TestRemove(t *testing.T) {
	ctx := t.Context()
	c, err := poolprom.New()
	require.NoError(t, err)
	require.False(t, c.Remove("a"))

	require.NoError(t, c.Add(fakeSource{name: "a"}))
	require.NoError(t, c.Add(fakeSource{name: "b"}))
	for _, name := range []string{"a", "b"} {
		c.TaskStarted(ctx, pool.TaskStart{Pool: name, Waited: time.Millisecond})
		c.TaskFinished(ctx, pool.TaskEnd{Pool: name, Ran: time.Millisecond, Outcome: pool.Succeeded})
	}
	require.Equal(t, 2, testutil.CollectAndCount(c, "sluice_pool_task_wait_seconds"))
	// Add starts a run histogram for every outcome, each at 0.
	require.Equal(t, 2*3, testutil.CollectAndCount(c, "sluice_pool_task_run_seconds"))
	require.Equal(t, 2, testutil.CollectAndCount(c, "sluice_pool_tasks_submitted_total"))

	require.True(t, c.Remove("a"))
	require.False(t, c.Remove("a"))
	require.Equal(t, 1, testutil.CollectAndCount(c, "sluice_pool_task_wait_seconds"))
	require.Equal(t, 3, testutil.CollectAndCount(c, "sluice_pool_task_run_seconds"))
	require.Equal(t, 1, testutil.CollectAndCount(c, "sluice_pool_tasks_submitted_total"))

	// Reports for a removed pool are ignored.
	c.TaskStarted(ctx, pool.TaskStart{Pool: "a", Waited: time.Millisecond})
	c.TaskFinished(ctx, pool.TaskEnd{Pool: "a", Ran: time.Millisecond, Outcome: pool.Failed})
	require.Equal(t, 1, testutil.CollectAndCount(c, "sluice_pool_task_wait_seconds"))

	require.NoError(t, c.Add(fakeSource{name: "a"}))
	c.TaskFinished(ctx, pool.TaskEnd{Pool: "a", Ran: time.Millisecond, Outcome: pool.Failed})
	f := gather(t, c)
	require.Equal(t, uint64(0), f.count(t, "sluice_pool_task_wait_seconds", "pool", "a"))
	require.Equal(t, uint64(1), f.count(t, "sluice_pool_task_wait_seconds", "pool", "b"))
	require.Equal(t, uint64(1), f.count(t, "sluice_pool_task_run_seconds", "pool", "a", "outcome", "failed"))
	require.Equal(t, uint64(0), f.count(t, "sluice_pool_task_run_seconds", "pool", "a", "outcome", "succeeded"))
}
