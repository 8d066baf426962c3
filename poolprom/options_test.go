package poolprom_test

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolprom"
)

func TestOptionErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		opt  poolprom.Option
		want string
	}{
		{"nil", nil, "poolprom: nil Option"},
		{"namespace digit", poolprom.WithNamespace("1x"), `poolprom: WithNamespace("1x")`},
		{"namespace dash", poolprom.WithNamespace("my-app"), `poolprom: WithNamespace("my-app")`},
		{"wait empty", poolprom.WithWaitBuckets(), "poolprom: WithWaitBuckets: want at least one bucket bound"},
		{"wait order", poolprom.WithWaitBuckets(1, 1), "poolprom: WithWaitBuckets: bounds 1 and 1 are not strictly increasing"},
		{"run order", poolprom.WithRunBuckets(2, 1), "poolprom: WithRunBuckets: bounds 2 and 1 are not strictly increasing"},
		{"run NaN", poolprom.WithRunBuckets(1, math.NaN()), "poolprom: WithRunBuckets: bound 1 is NaN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := poolprom.New(tc.opt)
			require.Nil(t, c)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestWithNamespace(t *testing.T) {
	for _, tc := range []struct{ ns, want string }{
		{"app", "app_pool_tasks_submitted_total"},
		{"", "pool_tasks_submitted_total"},
	} {
		c, err := poolprom.New(poolprom.WithNamespace(tc.ns))
		require.NoError(t, err)
		require.NoError(t, c.Add(fakeSource{name: "a", stats: pool.Stats{Submitted: 4}}))
		f := gather(t, c)
		require.Equal(t, float64(4), f.value(t, tc.want, "pool", "a"), "namespace %q", tc.ns)
		for name := range f {
			require.True(t, strings.HasPrefix(name, strings.TrimSuffix(tc.want, "tasks_submitted_total")), name)
		}
	}
}

func TestWithBuckets(t *testing.T) {
	ctx := t.Context()
	c, err := poolprom.New(poolprom.WithWaitBuckets(0.001, 0.01), poolprom.WithRunBuckets(1))
	require.NoError(t, err)
	require.NoError(t, c.Add(fakeSource{name: "a"}))
	c.TaskStarted(ctx, pool.TaskStart{Pool: "a", Waited: 5 * time.Millisecond})
	c.TaskFinished(ctx, pool.TaskEnd{Pool: "a", Ran: 2 * time.Second, Outcome: pool.Failed})
	require.NoError(t, testutil.CollectAndCompare(c, strings.NewReader(`
		# HELP sluice_pool_task_wait_seconds Time tasks waited between Submit and the start of their run.
		# TYPE sluice_pool_task_wait_seconds histogram
		sluice_pool_task_wait_seconds_bucket{pool="a",le="0.001"} 0
		sluice_pool_task_wait_seconds_bucket{pool="a",le="0.01"} 1
		sluice_pool_task_wait_seconds_bucket{pool="a",le="+Inf"} 1
		sluice_pool_task_wait_seconds_sum{pool="a"} 0.005
		sluice_pool_task_wait_seconds_count{pool="a"} 1
		# HELP sluice_pool_task_run_seconds Time tasks ran, by outcome.
		# TYPE sluice_pool_task_run_seconds histogram
		sluice_pool_task_run_seconds_bucket{outcome="cancelled",pool="a",le="1"} 0
		sluice_pool_task_run_seconds_bucket{outcome="cancelled",pool="a",le="+Inf"} 0
		sluice_pool_task_run_seconds_sum{outcome="cancelled",pool="a"} 0
		sluice_pool_task_run_seconds_count{outcome="cancelled",pool="a"} 0
		sluice_pool_task_run_seconds_bucket{outcome="failed",pool="a",le="1"} 0
		sluice_pool_task_run_seconds_bucket{outcome="failed",pool="a",le="+Inf"} 1
		sluice_pool_task_run_seconds_sum{outcome="failed",pool="a"} 2
		sluice_pool_task_run_seconds_count{outcome="failed",pool="a"} 1
		sluice_pool_task_run_seconds_bucket{outcome="succeeded",pool="a",le="1"} 0
		sluice_pool_task_run_seconds_bucket{outcome="succeeded",pool="a",le="+Inf"} 0
		sluice_pool_task_run_seconds_sum{outcome="succeeded",pool="a"} 0
		sluice_pool_task_run_seconds_count{outcome="succeeded",pool="a"} 0
	`), "sluice_pool_task_wait_seconds", "sluice_pool_task_run_seconds"))
}

// The bucket slice given is copied: changing it later changes nothing.
func TestWithBucketsCopies(t *testing.T) {
	b := []float64{1, 2}
	c, err := poolprom.New(poolprom.WithRunBuckets(b...))
	require.NoError(t, err)
	b[0] = 5
	require.NoError(t, c.Add(fakeSource{name: "a"}))
	f := gather(t, c)
	h := f.find("sluice_pool_task_run_seconds", "pool", "a", "outcome", "failed")[0].GetHistogram()
	require.Equal(t, 1.0, h.GetBucket()[0].GetUpperBound())
}

func TestDefaultBuckets(t *testing.T) {
	b := poolprom.DefaultBuckets()
	require.Len(t, b, 19)
	require.Equal(t, 10e-6, b[0])
	require.Equal(t, 10.0, b[len(b)-1])
	for i := 1; i < len(b); i++ {
		require.Less(t, b[i-1], b[i])
	}
	b[0] = 42
	require.Equal(t, 10e-6, poolprom.DefaultBuckets()[0], "a new slice each call")
}

// The metric names follow Prometheus conventions (promlint).
func TestLint(t *testing.T) {
	c, err := poolprom.New()
	require.NoError(t, err)
	require.NoError(t, c.Add(fakeSource{name: "a", stats: pool.Stats{Workers: make([]pool.WorkerStats, 2)}}))
	problems, err := testutil.CollectAndLint(c)
	require.NoError(t, err)
	require.Empty(t, problems)
}
