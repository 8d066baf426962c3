package poolprom_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolprom"
)

// A pool with known outcomes, scraped over HTTP while a task runs and after
// it stopped: every figure equals the pool's own Stats, and the histograms
// count the started tasks by outcome.
func TestScrapeMatchesStats(t *testing.T) {
	c, err := poolprom.New()
	require.NoError(t, err)
	url := serve(t, c)

	started := make(chan struct{})
	// One worker, so tasks run in the order submitted.
	p, err := pool.New(task(started), pool.WithName("alpha"), pool.WithMaxWorkers(1), pool.WithObserver(c))
	require.NoError(t, err)
	require.NoError(t, c.Add(p))

	submitAll(t, p, append(repeat(succeed, 5), repeat(fail, 3)...)...)

	blocker := p.Submit(t.Context(), block)
	<-started
	queued := p.Submit(t.Context(), succeed) // waits behind blocker
	require.True(t, queued.Cancel())         // so it never starts

	// Nothing moves while blocker runs: Stats is stable.
	s := p.Stats()
	require.Equal(t, 1, s.Running)
	require.Equal(t, 1, s.Queued)
	f := scrape(t, url)
	checkStats(t, f, "alpha", s)
	require.Equal(t, uint64(9), f.count(t, "sluice_pool_task_wait_seconds", "pool", "alpha"))
	require.Equal(t, uint64(5), f.count(t, "sluice_pool_task_run_seconds", "pool", "alpha", "outcome", "succeeded"))
	require.Equal(t, uint64(3), f.count(t, "sluice_pool_task_run_seconds", "pool", "alpha", "outcome", "failed"))
	require.Equal(t, uint64(0), f.count(t, "sluice_pool_task_run_seconds", "pool", "alpha", "outcome", "cancelled"))

	require.True(t, blocker.Cancel()) // cancelled while it runs
	require.NoError(t, p.Stop(t.Context()))
	_, err = p.Submit(t.Context(), succeed).Wait()
	require.ErrorIs(t, err, pool.ErrStopped) // dropped

	s = p.Stats()
	require.Equal(t, pool.Stats{
		Submitted: 10, Dropped: 1, Succeeded: 5, Failed: 3, Cancelled: 2,
		Workers: []pool.WorkerStats{{Assigned: 10, Succeeded: 5, Failed: 3, Cancelled: 2}},
	}, s)
	f = scrape(t, url)
	checkStats(t, f, "alpha", s)
	// Started: every task but the one cancelled in the queue.
	require.Equal(t, uint64(9), f.count(t, "sluice_pool_task_wait_seconds", "pool", "alpha"))
	require.Equal(t, uint64(5), f.count(t, "sluice_pool_task_run_seconds", "pool", "alpha", "outcome", "succeeded"))
	require.Equal(t, uint64(3), f.count(t, "sluice_pool_task_run_seconds", "pool", "alpha", "outcome", "failed"))
	require.Equal(t, uint64(1), f.count(t, "sluice_pool_task_run_seconds", "pool", "alpha", "outcome", "cancelled"))
	require.Equal(t, "counter", strings.ToLower(f["sluice_pool_tasks_submitted_total"].GetType().String()))
	require.Equal(t, "gauge", strings.ToLower(f["sluice_pool_tasks_running"].GetType().String()))
}

// Two pools on one collector are kept apart by their pool label, per pool
// and per worker.
func TestPoolsKeptApart(t *testing.T) {
	for _, perWorker := range []bool{true, false} {
		t.Run(map[bool]string{true: "perWorker", false: "totals"}[perWorker], func(t *testing.T) {
			c, err := poolprom.New(poolprom.WithPerWorker(perWorker))
			require.NoError(t, err)
			url := serve(t, c)

			alpha, err := pool.New(task(nil), pool.WithName("alpha"), pool.WithMaxWorkers(1), pool.WithObserver(c))
			require.NoError(t, err)
			beta, err := pool.New(task(nil), pool.WithName("beta"), pool.WithMaxWorkers(3), pool.WithObserver(c))
			require.NoError(t, err)
			require.NoError(t, c.Add(alpha))
			require.NoError(t, c.Add(beta))

			submitAll(t, alpha, repeat(succeed, 3)...)
			submitAll(t, beta, append(repeat(succeed, 2), repeat(fail, 4)...)...)
			require.NoError(t, alpha.Stop(t.Context()))
			require.NoError(t, beta.Stop(t.Context()))

			f := scrape(t, url)
			if perWorker {
				checkStats(t, f, "alpha", alpha.Stats())
				checkStats(t, f, "beta", beta.Stats())
				require.Len(t, f.find("sluice_pool_worker_tasks_assigned_total"), 1+3)
			} else {
				require.Empty(t, f.find("sluice_pool_worker_tasks_assigned_total"))
				require.Equal(t, float64(3), f.value(t, "sluice_pool_workers", "pool", "beta"))
			}
			require.Equal(t, float64(3), f.value(t, "sluice_pool_tasks_submitted_total", "pool", "alpha"))
			require.Equal(t, float64(6), f.value(t, "sluice_pool_tasks_submitted_total", "pool", "beta"))
			require.Equal(t, float64(0), f.value(t, "sluice_pool_tasks_completed_total", "pool", "alpha", "outcome", "failed"))
			require.Equal(t, float64(4), f.value(t, "sluice_pool_tasks_completed_total", "pool", "beta", "outcome", "failed"))
			require.Equal(t, uint64(3), f.count(t, "sluice_pool_task_wait_seconds", "pool", "alpha"))
			require.Equal(t, uint64(6), f.count(t, "sluice_pool_task_wait_seconds", "pool", "beta"))
			require.Equal(t, uint64(3), f.count(t, "sluice_pool_task_run_seconds", "pool", "alpha", "outcome", "succeeded"))
			require.Equal(t, uint64(2), f.count(t, "sluice_pool_task_run_seconds", "pool", "beta", "outcome", "succeeded"))
			require.Equal(t, uint64(4), f.count(t, "sluice_pool_task_run_seconds", "pool", "beta", "outcome", "failed"))
		})
	}
}

// Counters never go down between scrapes, even while pools run, and
// scraping races with nothing (run with -race).
func TestScrapeWhileRunning(t *testing.T) {
	c, err := poolprom.New()
	require.NoError(t, err)
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(c)
	p, err := pool.New(task(nil), pool.WithName("busy"), pool.WithMaxWorkers(4), pool.WithObserver(c))
	require.NoError(t, err)
	require.NoError(t, c.Add(p))

	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 2000 {
			p.Submit(t.Context(), kind(i%2)) // succeed, fail, ...
		}
	})
	last := map[string]float64{}
	for range 50 {
		mfs, err := reg.Gather()
		require.NoError(t, err)
		for _, mf := range mfs {
			if mf.GetType() != dto.MetricType_COUNTER && mf.GetType() != dto.MetricType_HISTOGRAM {
				continue
			}
			for _, m := range mf.GetMetric() {
				key := mf.GetName() + fmt.Sprint(m.GetLabel())
				v := m.GetCounter().GetValue() + float64(m.GetHistogram().GetSampleCount())
				require.GreaterOrEqual(t, v, last[key], key)
				last[key] = v
			}
		}
	}
	wg.Wait()
	require.NoError(t, p.Stop(t.Context()))

	f := gather(t, c)
	s := p.Stats()
	require.Equal(t, uint64(2000), s.Submitted)
	require.Equal(t, uint64(1000), s.Succeeded)
	checkStats(t, f, "busy", s)
	require.Equal(t, uint64(2000), f.count(t, "sluice_pool_task_wait_seconds", "pool", "busy"))
}
