package bench_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/gammazero/workerpool"
	"github.com/panjf2000/ants/v2"
	concpool "github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

// BenchmarkSubmit submits a noop task and gets its result back, one
// producer, 8 workers: the producer submits a batch of 1024 tasks, then
// collects their 1024 results, and so on. Subjects with futures await each
// one; the others write each result into a slice and the producer waits for
// the batch (a WaitGroup or the library's Wait). chan is the hand-rolled
// floor of the latter kind; chan-future, of the former: a result channel
// per task, received from in turn. One op is one task.
func BenchmarkSubmit(b *testing.B) {
	for _, s := range submitSubjects {
		b.Run("subject="+s.name, func(b *testing.B) {
			run, stop := s.start(b)
			defer stop()
			sum := 0
			b.ReportAllocs()
			b.ResetTimer()
			inBatches(b, func(n int) { sum += run(n) })
			b.StopTimer()
			checkSum(b, sum)
		})
	}
}

// A submitSubject is one library's way to run a batch of noop tasks and
// collect their results. start sets it up (untimed) and returns run, which
// submits tasks 0..n-1 (n <= batch), waits for all of them and returns the
// sum of their results, and stop, which releases everything start made.
type submitSubject struct {
	name  string
	start func(b *testing.B) (run func(n int) int, stop func())
}

var submitSubjects = []submitSubject{
	{"sluice", sluiceSubmit()},
	{"pond", pondSubmit},
	{"ants", antsSubmit},
	{"conc", concSubmit},
	{"errgroup", errgroupSubmit},
	{"workerpool", workerpoolSubmit},
	{"chan", chanSubmit},
	{"chan-future", chanFutureSubmit},
}

// sluiceSubmit: pool.Submit returns a *future.Future; Await each.
func sluiceSubmit(opts ...pool.Option) func(b *testing.B) (func(int) int, func()) {
	return func(b *testing.B) (func(int) int, func()) {
		ctx := context.Background()
		p, err := pool.New(noop, append([]pool.Option{pool.WithMaxWorkers(workers)}, opts...)...)
		if err != nil {
			b.Fatal(err)
		}
		futs := make([]*future.Future[int], batch)
		run := func(n int) int {
			for j := range n {
				futs[j] = p.Submit(ctx, j)
			}
			sum := 0
			for j := range n {
				v, err := futs[j].Await(ctx)
				if err != nil {
					b.Fatal(err)
				}
				sum += v
			}
			return sum
		}
		return run, func() { _ = p.Stop(ctx) }
	}
}

// pond: a ResultPool's Submit returns a ResultTask; Wait each.
func pondSubmit(b *testing.B) (func(int) int, func()) {
	p := pond.NewResultPool[int](workers)
	futs := make([]pond.ResultTask[int], batch)
	run := func(n int) int {
		for j := range n {
			futs[j] = p.Submit(func() int { return j })
		}
		sum := 0
		for j := range n {
			v, err := futs[j].Wait()
			if err != nil {
				b.Fatal(err)
			}
			sum += v
		}
		return sum
	}
	return run, p.StopAndWait
}

// ants: Submit a closure that writes its result; a WaitGroup per batch.
// Submit blocks while all workers are busy: ants has no queue.
func antsSubmit(b *testing.B) (func(int) int, func()) {
	p, err := ants.NewPool(workers)
	if err != nil {
		b.Fatal(err)
	}
	res := make([]int, batch)
	var wg sync.WaitGroup
	run := func(n int) int {
		wg.Add(n)
		for j := range n {
			if err := p.Submit(func() { res[j] = j; wg.Done() }); err != nil {
				b.Fatal(err)
			}
		}
		wg.Wait()
		return sumOf(res[:n])
	}
	return run, func() { _ = p.ReleaseTimeout(time.Minute) }
}

// conc: a ResultPool cannot be reused after Wait, so one per batch; Wait
// returns the batch's results (in completion order).
func concSubmit(*testing.B) (func(int) int, func()) {
	run := func(n int) int {
		p := concpool.NewWithResults[int]().WithMaxGoroutines(workers)
		for j := range n {
			p.Go(func() int { return j })
		}
		return sumOf(p.Wait())
	}
	return run, func() {}
}

// errgroup: one group per batch with SetLimit(8); tasks write their results.
func errgroupSubmit(b *testing.B) (func(int) int, func()) {
	res := make([]int, batch)
	run := func(n int) int {
		var g errgroup.Group
		g.SetLimit(workers)
		for j := range n {
			g.Go(func() error { res[j] = j; return nil })
		}
		if err := g.Wait(); err != nil {
			b.Fatal(err)
		}
		return sumOf(res[:n])
	}
	return run, func() {}
}

// workerpool: Submit a closure that writes its result; a WaitGroup per batch.
func workerpoolSubmit(*testing.B) (func(int) int, func()) {
	p := workerpool.New(workers)
	res := make([]int, batch)
	var wg sync.WaitGroup
	run := func(n int) int {
		wg.Add(n)
		for j := range n {
			p.Submit(func() { res[j] = j; wg.Done() })
		}
		wg.Wait()
		return sumOf(res[:n])
	}
	return run, p.StopWait
}

// chan, the floor: 8 goroutines, each with its own buffered channel of 16
// task indices, fed round robin; results written into a slice.
func chanSubmit(*testing.B) (func(int) int, func()) {
	res := make([]int, batch)
	var wg, done sync.WaitGroup
	ins := make([]chan int, workers)
	for w := range ins {
		ins[w] = make(chan int, 16)
		done.Go(func() {
			for j := range ins[w] {
				res[j] = j
				wg.Done()
			}
		})
	}
	run := func(n int) int {
		wg.Add(n)
		for j := range n {
			ins[j%workers] <- j
		}
		wg.Wait()
		return sumOf(res[:n])
	}
	stop := func() {
		for _, in := range ins {
			close(in)
		}
		done.Wait()
	}
	return run, stop
}

// chan-future, the floor for a pool with a future per task: chan's 8
// goroutines and round-robin feeding, but every task carries a result
// channel of one made for it (chanJob), which the producer receives from
// when it collects the batch, as it would await a future.
func chanFutureSubmit(*testing.B) (func(int) int, func()) {
	var done sync.WaitGroup
	ins := make([]chan chanJob, workers)
	for w := range ins {
		ins[w] = make(chan chanJob, 16)
		done.Go(func() {
			for j := range ins[w] {
				v, _ := noop(bg, j.in)
				j.res <- v
			}
		})
	}
	futs := make([]chan int, batch)
	run := func(n int) int {
		for j := range n {
			futs[j] = make(chan int, 1)
			ins[j%workers] <- chanJob{j, futs[j]}
		}
		sum := 0
		for j := range n {
			sum += <-futs[j]
		}
		return sum
	}
	stop := func() {
		for _, in := range ins {
			close(in)
		}
		done.Wait()
	}
	return run, stop
}

func sumOf(xs []int) int {
	sum := 0
	for _, x := range xs {
		sum += x
	}
	return sum
}
