package poolotel_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolotel"
)

// A pool with known outcomes, read while a task runs and after it
// stopped: every Stats instrument equals the pool's own Stats, the
// histograms count the started tasks by outcome, and after unregister the
// pool's Stats are no longer reported.
func TestStatsMatchPool(t *testing.T) {
	r := newRig(t)
	started := make(chan struct{})
	// One worker, so tasks run in the order submitted.
	p, err := pool.New(task(started), pool.WithName("alpha"), pool.WithMaxWorkers(1), pool.WithObserver(r.obs))
	require.NoError(t, err)
	unregister, err := r.obs.Add(p)
	require.NoError(t, err)

	ctx := t.Context()
	var futs []*future.Future[int]
	for _, k := range []kind{succeed, succeed, succeed, succeed, succeed, fail, fail, panics} {
		futs = append(futs, p.Submit(ctx, k))
	}
	_, err = future.AllSettled(ctx, futs...)
	require.NoError(t, err)

	blocker := p.Submit(ctx, block)
	<-started
	queued := p.Submit(ctx, succeed) // waits behind blocker
	require.True(t, queued.Cancel()) // so it never starts

	// Nothing moves while blocker runs: Stats is stable.
	s := p.Stats()
	require.Equal(t, 1, s.Running)
	require.Equal(t, 1, s.Queued)
	m := r.collect(t)
	checkStats(t, m, "alpha", s, 1)
	require.Equal(t, uint64(9), m.count(t, "sluice.pool.task.wait", onPool("alpha")))
	require.Equal(t, uint64(5), m.count(t, "sluice.pool.task.duration", onPool("alpha", pool.Succeeded)))
	require.Equal(t, uint64(3), m.count(t, "sluice.pool.task.duration", onPool("alpha", pool.Failed)))
	require.Equal(t, uint64(0), m.count(t, "sluice.pool.task.duration", onPool("alpha", pool.Cancelled)))

	require.True(t, blocker.Cancel()) // cancelled while it runs
	require.NoError(t, p.Stop(ctx))
	_, err = p.Submit(ctx, succeed).Wait()
	require.ErrorIs(t, err, pool.ErrStopped) // dropped

	s = p.Stats()
	require.Equal(t, pool.Stats{
		Submitted: 10, Dropped: 1, Succeeded: 5, Failed: 3, Cancelled: 2,
		Workers: []pool.WorkerStats{{Assigned: 10, Succeeded: 5, Failed: 3, Cancelled: 2}},
	}, s)
	m = r.collect(t)
	checkStats(t, m, "alpha", s, 0)
	// Started: every task but the one cancelled in the queue.
	require.Equal(t, uint64(9), m.count(t, "sluice.pool.task.wait", onPool("alpha")))
	require.Equal(t, uint64(1), m.count(t, "sluice.pool.task.duration", onPool("alpha", pool.Cancelled)))
	require.Len(t, r.taskSpans(), 9)

	require.NoError(t, unregister())
	require.NoError(t, unregister(), "a second call does nothing")
	m = r.collect(t)
	_, ok := m.sum(t, "sluice.pool.task.submitted", onPool("alpha"), true)
	require.False(t, ok, "unregistered: no Stats")
	require.Equal(t, uint64(9), m.count(t, "sluice.pool.task.wait", onPool("alpha")), "the histograms stay")

	// The name is free again.
	unregister, err = r.obs.Add(p)
	require.NoError(t, err)
	checkStats(t, r.collect(t), "alpha", s, 0)
	require.NoError(t, unregister())
}

// Two pools on one Observer are kept apart by their pool attribute, and a
// Source without Alive goes without the alive instrument.
func TestPoolsKeptApart(t *testing.T) {
	r := newRig(t)
	alpha, err := pool.New(task(nil), pool.WithName("alpha"), pool.WithMaxWorkers(1), pool.WithObserver(r.obs))
	require.NoError(t, err)
	beta, err := pool.New(task(nil), pool.WithName("beta"), pool.WithMaxWorkers(3), pool.WithObserver(r.obs))
	require.NoError(t, err)
	for _, src := range []poolotel.Source{alpha, beta, statsOnly{beta, "gamma"}} {
		unregister, err := r.obs.Add(src)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, unregister()) })
	}
	ctx := t.Context()
	for _, k := range []kind{succeed, succeed, succeed} {
		_, _ = alpha.Submit(ctx, k).Wait()
	}
	for _, k := range []kind{succeed, succeed, fail, fail, fail, fail} {
		_, _ = beta.Submit(ctx, k).Wait()
	}
	// Stopped, so the counts have settled (a future settles just before
	// its worker counts it).
	require.NoError(t, alpha.Stop(ctx))
	require.NoError(t, beta.Stop(ctx))
	m := r.collect(t)
	checkStats(t, m, "alpha", alpha.Stats(), 0)
	checkStats(t, m, "beta", beta.Stats(), 0)
	require.Equal(t, int64(6), m.value(t, "sluice.pool.task.submitted", onPool("gamma"), true))
	_, ok := m.sum(t, "sluice.pool.worker.alive", onPool("gamma"), false)
	require.False(t, ok, "gamma has no Alive")
	require.Equal(t, uint64(3), m.count(t, "sluice.pool.task.wait", onPool("alpha")))
	require.Equal(t, uint64(6), m.count(t, "sluice.pool.task.wait", onPool("beta")))
	require.Equal(t, uint64(4), m.count(t, "sluice.pool.task.duration", onPool("beta", pool.Failed)))
}

// statsOnly is a Source that has Name and Stats only.
type statsOnly struct {
	src  poolotel.Source
	name string
}

func (s statsOnly) Name() string      { return s.name }
func (s statsOnly) Stats() pool.Stats { return s.src.Stats() }

func TestAddErrors(t *testing.T) {
	r := newRig(t)
	named, err := pool.New(task(nil), pool.WithName("a"))
	require.NoError(t, err)
	defer named.Cancel()
	unnamed, err := pool.New(task(nil))
	require.NoError(t, err)
	defer unnamed.Cancel()

	unregister, err := r.obs.Add(named)
	require.NoError(t, err)
	defer unregister()

	_, err = r.obs.Add(named)
	require.ErrorIs(t, err, poolotel.ErrDuplicate)
	require.EqualError(t, err, `poolotel: pool name already added: "a"`)
	_, err = r.obs.Add(unnamed)
	require.ErrorIs(t, err, poolotel.ErrNoName)
	_, err = r.obs.Add(nil)
	require.EqualError(t, err, "poolotel: Add(nil): want a Source")
	_, err = r.obs.Add((*pool.Pool[kind, int])(nil))
	require.EqualError(t, err, "poolotel: Add((*pool.Pool[github.com/sluice-go/sluice/poolotel_test.kind,int])(nil)): want a Source")
	_, err = r.obs.Add(statsOnly{named, "\xff"})
	require.EqualError(t, err, `poolotel: pool name "\xff" is not valid UTF-8`)
}

// Tasks on several workers while collections run (real time, -race):
// counters never go down, and in the end every task has one span and one
// run time, and the Stats instruments equal the pool's.
func TestCollectWhileRunning(t *testing.T) {
	r := newRig(t)
	p, err := pool.New(task(nil), pool.WithName("busy"), pool.WithMaxWorkers(4), pool.WithObserver(r.obs))
	require.NoError(t, err)
	unregister, err := r.obs.Add(p)
	require.NoError(t, err)
	defer unregister()

	const n = 2000
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range n {
			p.Submit(context.Background(), []kind{succeed, fail, panics}[i%3])
		}
	})
	last := map[string]float64{}
	enc := attribute.DefaultEncoder()
	for range 50 {
		var rm metricdata.ResourceMetrics
		require.NoError(t, r.reader.Collect(t.Context(), &rm))
		for _, sm := range rm.ScopeMetrics {
			for _, mt := range sm.Metrics {
				var key string
				var v float64
				switch d := mt.Data.(type) {
				case metricdata.Sum[int64]:
					if !d.IsMonotonic {
						continue
					}
					for _, dp := range d.DataPoints {
						key, v = mt.Name+dp.Attributes.Encoded(enc), float64(dp.Value)
						require.GreaterOrEqual(t, v, last[key], key)
						last[key] = v
					}
				case metricdata.Histogram[float64]:
					for _, dp := range d.DataPoints {
						key, v = mt.Name+dp.Attributes.Encoded(enc), float64(dp.Count)
						require.GreaterOrEqual(t, v, last[key], key)
						last[key] = v
					}
				}
			}
		}
	}
	wg.Wait()
	require.NoError(t, p.Stop(t.Context()))

	s := p.Stats()
	require.Equal(t, uint64(n), s.Submitted)
	m := r.collect(t)
	checkStats(t, m, "busy", s, 0)
	require.Equal(t, uint64(n), m.count(t, "sluice.pool.task.wait", onPool("busy")))
	require.Equal(t, s.Succeeded, m.count(t, "sluice.pool.task.duration", onPool("busy", pool.Succeeded)))
	require.Equal(t, s.Failed, m.count(t, "sluice.pool.task.duration", onPool("busy", pool.Failed)))
	require.Len(t, r.taskSpans(), n)
}
