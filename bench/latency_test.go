package bench_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"

	"github.com/sluice-go/sluice/pool"
)

// A latencySubject sets up an idle pool (untimed) and returns call, which
// submits one noop task with input i and returns its result once it is
// back, and stop, which releases the pool.
type latencySubject struct {
	name  string
	start func(b *testing.B) (call func(i int) int, stop func())
}

// BenchmarkIdleLatency submits ONE noop task to an idle pool of 8 workers,
// waits for its result, and repeats, back to back: the latency of a lone
// request, wake-up included, rather than throughput. Each submit→result
// latency is timed on its own; p50-ns and p99-ns are their median and 99th
// percentile, ns/op their mean (with the two clock reads per op).
//
// Every subject hands back a per-task result: sluice's future (Submit and
// Await), pond's ResultTask (Submit and Wait), and for ants, chan (8
// goroutines reading one shared channel) and goroutine (a go statement per
// task) a result channel of one made per task. sluice-1worker is a sluice
// pool of one worker. conc and errgroup are left out: they give no
// per-task result, only a Wait for all. One op is one task.
func BenchmarkIdleLatency(b *testing.B) {
	subjects := []latencySubject{
		{"sluice", sluiceLatency(workers)},
		{"sluice-1worker", sluiceLatency(1)},
		{"ants", antsLatency},
		{"pond", pondLatency},
		{"chan", chanLatency},
		{"goroutine", goroutineLatency},
	}
	for _, s := range subjects {
		b.Run("subject="+s.name, func(b *testing.B) {
			call, stop := s.start(b)
			defer stop()
			lat := make([]time.Duration, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				t0 := time.Now()
				v := call(i)
				lat[i] = time.Since(t0)
				if v != i {
					b.Fatalf("task %d returned %d", i, v)
				}
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(percentile(lat, 0.50)), "p50-ns")
			b.ReportMetric(float64(percentile(lat, 0.99)), "p99-ns")
		})
	}
}

// percentile returns the p-quantile of sorted (nearest rank).
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// sluice: a pool of n workers; Submit, then Await the future.
func sluiceLatency(n int) func(b *testing.B) (func(int) int, func()) {
	return func(b *testing.B) (func(int) int, func()) {
		p, err := pool.New(noop, pool.WithMaxWorkers(n))
		if err != nil {
			b.Fatal(err)
		}
		call := func(i int) int {
			v, err := p.Submit(bg, i).Await(bg)
			if err != nil {
				b.Fatal(err)
			}
			return v
		}
		return call, func() { _ = p.Stop(bg) }
	}
}

// ants: Submit a closure that sends its result on a channel made for it.
func antsLatency(b *testing.B) (func(int) int, func()) {
	p, err := ants.NewPool(workers)
	if err != nil {
		b.Fatal(err)
	}
	call := func(i int) int {
		res := make(chan int, 1)
		if err := p.Submit(func() { v, _ := noop(bg, i); res <- v }); err != nil {
			b.Fatal(err)
		}
		return <-res
	}
	return call, func() { _ = p.ReleaseTimeout(time.Minute) }
}

// pond: a ResultPool; Submit, then Wait for the ResultTask.
func pondLatency(b *testing.B) (func(int) int, func()) {
	p := pond.NewResultPool[int](workers)
	call := func(i int) int {
		v, err := p.Submit(func() int { v, _ := noop(bg, i); return v }).Wait()
		if err != nil {
			b.Fatal(err)
		}
		return v
	}
	return call, p.StopAndWait
}

// A chanJob is one task of the hand-rolled worker sets: its input and the
// channel its result goes to.
type chanJob struct {
	in  int
	res chan int
}

// chan: 8 goroutines reading one shared channel of jobs, each job with a
// result channel of one made for it.
func chanLatency(*testing.B) (func(int) int, func()) {
	jobs := make(chan chanJob, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				v, _ := noop(bg, j.in)
				j.res <- v
			}
		})
	}
	call := func(i int) int {
		res := make(chan int, 1)
		jobs <- chanJob{i, res}
		return <-res
	}
	return call, func() { close(jobs); wg.Wait() }
}

// goroutine: a go statement per task, sending on a result channel of one
// made for it.
func goroutineLatency(*testing.B) (func(int) int, func()) {
	call := func(i int) int {
		res := make(chan int, 1)
		go func() { v, _ := noop(bg, i); res <- v }()
		return <-res
	}
	return call, func() {}
}
