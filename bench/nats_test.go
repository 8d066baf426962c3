package bench_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/natsb"
	"github.com/sluice-go/sluice/natsb/embedded"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/remote"
)

// natsInFlight is the pipelined rows' calls in flight.
const natsInFlight = 64

// natsRig is an embedded server and one worker on a connection of its
// own (TCP loopback, the same for both subjects): natsb.Serve for the
// pool, and a raw responder doing the same work (gob in, square, gob
// out) for nats.go request-reply.
type natsRig struct {
	s      *embedded.Server
	worker *nats.Conn
	client *nats.Conn
	cancel context.CancelFunc
	served chan error
}

func newNATSRig(b *testing.B) *natsRig {
	ctx := context.Background()
	s, err := embedded.Start(ctx)
	if err != nil {
		b.Fatal(err)
	}
	r := &natsRig{s: s, served: make(chan error, 1)}
	if r.worker, err = nats.Connect(s.URL()); err != nil {
		b.Fatal(err)
	}
	if r.client, err = nats.Connect(s.URL()); err != nil {
		b.Fatal(err)
	}
	_, err = r.worker.Subscribe("bench.raw", func(m *nats.Msg) {
		var n int
		if err := remote.Gob.Unmarshal(m.Data, &n); err != nil {
			return
		}
		n *= n
		out, _ := remote.Gob.Marshal(&n)
		m.Respond(out)
	})
	if err != nil {
		b.Fatal(err)
	}
	sctx, cancel := context.WithCancel(ctx)
	r.cancel = cancel
	go func() { r.served <- natsb.Serve(sctx, r.worker, natsb.WithWorkerLanes(natsInFlight)) }()
	return r
}

func (r *natsRig) close() {
	r.cancel()
	<-r.served
	r.client.Close()
	r.worker.Close()
	r.s.Shutdown()
}

func (r *natsRig) raw(ctx context.Context, n int) (int, error) {
	in, _ := remote.Gob.Marshal(&n)
	m, err := r.client.RequestWithContext(ctx, "bench.raw", in)
	if err != nil {
		return 0, err
	}
	var out int
	err = remote.Gob.Unmarshal(m.Data, &out)
	return out, err
}

// natsPool is a pool of workers×lanes on the rig's worker.
func (r *natsRig) pool(b *testing.B, workers, lanes int) (*pool.Pool[int, int], *natsb.Dispatcher) {
	ctx := context.Background()
	d, err := natsb.NewDispatcher(ctx, r.client)
	if err != nil {
		b.Fatal(err)
	}
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := d.AwaitLanes(actx, square.Name(), 1); err != nil {
		b.Fatal(err)
	}
	be, err := natsb.NewBackend(d, square, natsb.WithLanes(lanes))
	if err != nil {
		b.Fatal(err)
	}
	p, err := pool.NewOn(ctx, be, pool.WithMaxWorkers(workers), pool.WithMaxQueued(lanes))
	if err != nil {
		b.Fatal(err)
	}
	return p, d
}

// BenchmarkNATSLatency: one call at a time, back to back, on an idle
// worker: subject=nats-request is raw nats.go request-reply to the same
// worker (the floor), subject=sluice-natsb a pool of one worker on the
// NATS backend (Submit and Await). p50-ns and p99-ns are per call.
func BenchmarkNATSLatency(b *testing.B) {
	r := newNATSRig(b)
	defer r.close()
	ctx := context.Background()
	run := func(b *testing.B, call func(i int) (int, error)) {
		for i := range 100 { // warm up: connections, gob, the session
			call(i)
		}
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			t := time.Now()
			v, err := call(i % 1000)
			lat = append(lat, time.Since(t))
			if err != nil || v != (i%1000)*(i%1000) {
				b.Fatalf("call %d: %v, %v", i, v, err)
			}
		}
		slices.Sort(lat)
		b.ReportMetric(float64(percentile(lat, 0.50)), "p50-ns")
		b.ReportMetric(float64(percentile(lat, 0.99)), "p99-ns")
	}
	b.Run("subject=nats-request", func(b *testing.B) {
		run(b, func(i int) (int, error) { return r.raw(ctx, i) })
	})
	b.Run("subject=sluice-natsb", func(b *testing.B) {
		p, d := r.pool(b, 1, 1)
		defer d.Close()
		defer p.Stop(ctx)
		run(b, func(i int) (int, error) { return p.Submit(ctx, i).Await(ctx) })
	})
}

// BenchmarkNATSThroughput: 64 calls in flight: subject=nats-request is
// 64 goroutines each making raw requests back to back; subject=sluice-natsb
// every call submitted at once to a pool of 8 workers of 8 lanes on the
// NATS backend (64 in flight), then awaited. calls/s is the throughput.
func BenchmarkNATSThroughput(b *testing.B) {
	r := newNATSRig(b)
	defer r.close()
	ctx := context.Background()
	b.Run("subject=nats-request", func(b *testing.B) {
		var next atomic.Int64
		b.ResetTimer()
		var wg sync.WaitGroup
		for range natsInFlight {
			wg.Go(func() {
				for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
					if _, err := r.raw(ctx, int(i%1000)); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	})
	b.Run("subject=sluice-natsb", func(b *testing.B) {
		p, d := r.pool(b, 8, 8)
		defer d.Close()
		defer p.Stop(ctx)
		futs := make([]*future.Future[int], b.N)
		b.ResetTimer()
		for i := range futs {
			futs[i] = p.Submit(ctx, i%1000)
		}
		if _, err := future.All(ctx, futs...); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
	})
}
