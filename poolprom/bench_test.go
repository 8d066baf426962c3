package poolprom_test

import (
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolprom"
)

// BenchmarkObserve measures what a pool pays per task for the collector as
// its observer: one TaskStarted and one TaskFinished.
func BenchmarkObserve(b *testing.B) {
	ctx := b.Context()
	c, err := poolprom.New()
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Add(fakeSource{name: "bench"}); err != nil {
		b.Fatal(err)
	}
	b.Run("serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c.TaskStarted(ctx, pool.TaskStart{Pool: "bench", Waited: 50 * time.Microsecond})
			c.TaskFinished(ctx, pool.TaskEnd{Pool: "bench", Ran: 3 * time.Millisecond, Outcome: pool.Succeeded})
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.TaskStarted(ctx, pool.TaskStart{Pool: "bench", Waited: 50 * time.Microsecond})
				c.TaskFinished(ctx, pool.TaskEnd{Pool: "bench", Ran: 3 * time.Millisecond, Outcome: pool.Succeeded})
			}
		})
	})
}

// BenchmarkCollect measures a scrape of one pool of 8 workers, per-worker
// series included.
func BenchmarkCollect(b *testing.B) {
	c, err := poolprom.New()
	if err != nil {
		b.Fatal(err)
	}
	if err := c.Add(fakeSource{name: "bench", stats: pool.Stats{Workers: make([]pool.WorkerStats, 8)}}); err != nil {
		b.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}
