package bench_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/destel/rill"
	"github.com/panjf2000/ants/v2"
	concpool "github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

// HeavyTail workload: real sleeps, 95% short and 5% long.
const (
	heavyTailTasks = 2000
	heavyShort     = time.Millisecond
	heavyLong      = 50 * time.Millisecond
)

// tailDurations returns n task durations, each long with probability
// 1/oneIn and short otherwise, drawn from a generator with a fixed seed:
// the same sequence on every call, so every subject gets the same tasks in
// the same order.
func tailDurations(n, oneIn int, short, long time.Duration, seed uint64) []time.Duration {
	r := rand.New(rand.NewPCG(seed, 2))
	d := make([]time.Duration, n)
	for i := range d {
		d[i] = short
		if r.IntN(oneIn) == 0 {
			d[i] = long
		}
	}
	return d
}

// realIdeal is idealMakespan for durations in real time, in nanoseconds.
func realIdeal(durs []time.Duration, workers int) float64 {
	ns := make([]int64, len(durs))
	for i, d := range durs {
		ns[i] = int64(d)
	}
	return idealMakespan(ns, workers)
}

// A sleepSubject runs task i of durs (which sleeps durs[i] and returns i)
// for every i on the given number of workers, submitting them as fast as
// the library takes them, and returns the sum of the results once every
// task has finished. Whatever it sets up (a pool) it makes and tears down
// inside the call; the makespan is timed from just before the first submit
// to the last result, by calling start and stop around exactly that.
type sleepSubject struct {
	name string
	run  func(durs []time.Duration, workers int, start, stop func()) (int, error)
}

// sleepTask is the task of the sleep benchmarks: it sleeps durs[i], the
// work, and returns i.
func sleepTask(durs []time.Duration) func(context.Context, int) (int, error) {
	return func(_ context.Context, i int) (int, error) {
		time.Sleep(durs[i])
		return i, nil
	}
}

// indices returns 0..n-1.
func indices(n int) []int {
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	return idx
}

// BenchmarkHeavyTail runs 2000 tasks that sleep in real time, 95% for 1ms
// and 5% for 50ms (in an order fixed by a seeded generator, the same for
// every subject), on 8 workers, submitted all at once: the producer submits
// every task as fast as the subject takes them, then collects the results.
// It reports makespan/ideal: the time from the first submit to the last
// result over the lower bound max(total work / 8, longest task). Lower is
// better; 1 cannot be reached, if only because a sleep of 1ms takes a
// little longer.
//
// A sluice pool gives each worker its own queue and its balance strategy
// places every task at Submit, before most have run; the flows, rill and
// the libraries with one shared queue (pond, chan) or none (ants, conc,
// errgroup, whose submits wait for a free worker) hand each task to
// whichever worker is free. This is BenchmarkBalance's pending=all in real
// time, with the real cost of sleeping and waking.
//
// One op is one whole run of 2000 tasks: ns/op is about the makespan,
// allocs/op the allocations of a run, setup included.
func BenchmarkHeavyTail(b *testing.B) {
	durs := tailDurations(heavyTailTasks, 20, heavyShort, heavyLong, 1)
	benchSleep(b, durs, workers, []sleepSubject{
		{"sluice-roundrobin", sluicePoolSleep()},
		{"sluice-leastactive", sluicePoolSleep(pool.WithStrategy(balance.LeastActive()))},
		{"sluice-leasttotal", sluicePoolSleep(pool.WithStrategy(balance.LeastTotal()))},
		{"sluice-random", sluicePoolSleep(pool.WithStrategy(balance.Random()))},
		{"sluice-poweroftwo", sluicePoolSleep(pool.WithStrategy(balance.PowerOfTwo()))},
		{"sluice-flow-ordered", sluiceFlowSleep(true)},
		{"sluice-flow-unordered", sluiceFlowSleep(false)},
		{"rill", rillSleep(false)},
		{"conc", concSleep},
		{"pond", pondSleep},
		{"ants", antsSleep},
		{"errgroup", errgroupSleep},
		{"chan", chanSleep},
	})
}

// benchSleep runs each subject over durs on the given number of workers,
// b.N times, and reports the mean makespan/ideal.
func benchSleep(b *testing.B, durs []time.Duration, workers int, subjects []sleepSubject) {
	ideal := realIdeal(durs, workers)
	want := len(durs) * (len(durs) - 1) / 2
	for _, s := range subjects {
		b.Run("subject="+s.name, func(b *testing.B) {
			var ratio float64
			b.ReportAllocs()
			for range b.N {
				var t0 time.Time
				var makespan time.Duration
				sum, err := s.run(durs, workers, func() { t0 = time.Now() }, func() { makespan = time.Since(t0) })
				if err != nil {
					b.Fatal(err)
				}
				if sum != want {
					b.Fatalf("results add up to %d, want %d", sum, want)
				}
				if t0.IsZero() || makespan == 0 {
					b.Fatal("the subject did not time its run")
				}
				ratio += float64(makespan) / ideal
			}
			b.ReportMetric(ratio/float64(b.N), "makespan/ideal")
		})
	}
}

// sluicePoolSleep: a sluice pool with the given options (round robin unless
// one sets a strategy); Submit every task, then Await every future.
func sluicePoolSleep(opts ...pool.Option) func([]time.Duration, int, func(), func()) (int, error) {
	return func(durs []time.Duration, workers int, start, stop func()) (int, error) {
		p, err := pool.New(sleepTask(durs), append([]pool.Option{pool.WithMaxWorkers(workers)}, opts...)...)
		if err != nil {
			return 0, err
		}
		defer p.Stop(bg)
		sum, err := submitAwait(p, len(durs), start)
		stop()
		return sum, err
	}
}

// submitAwait submits tasks 0..n-1 to p, calling start just before the
// first, then awaits each and returns the sum of the results.
func submitAwait(p *pool.Pool[int, int], n int, start func()) (int, error) {
	start()
	futs := make([]*future.Future[int], n)
	for i := range n {
		futs[i] = p.Submit(bg, i)
	}
	sum := 0
	for _, f := range futs {
		v, err := f.Await(bg)
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

// sluiceFlowSleep: flow.From(indices).Pool(task, pool.WithMaxWorkers(n)),
// Unordered or not, collected with Collect.
func sluiceFlowSleep(ordered bool) func([]time.Duration, int, func(), func()) (int, error) {
	return func(durs []time.Duration, workers int, start, stop func()) (int, error) {
		f := flow.From(indices(len(durs))).Pool(sleepTask(durs), pool.WithMaxWorkers(workers))
		if !ordered {
			f = f.Unordered()
		}
		start()
		res, err := f.Collect(bg)
		stop()
		if err != nil {
			return 0, err
		}
		return checkedSum(res, ordered)
	}
}

// checkedSum adds up results, checking that they are 0..n-1 in order if
// ordered says they should be.
func checkedSum(res []int, ordered bool) (int, error) {
	sum := 0
	for i, v := range res {
		if ordered && v != i {
			return 0, fmt.Errorf("result %d is %d: out of order", i, v)
		}
		sum += v
	}
	return sum, nil
}

// rillSleep: rill.FromSlice, then rill.Map (or OrderedMap) with n
// goroutines, its output read by a range loop.
func rillSleep(ordered bool) func([]time.Duration, int, func(), func()) (int, error) {
	return func(durs []time.Duration, workers int, start, stop func()) (int, error) {
		task := sleepTask(durs)
		f := func(i int) (int, error) { return task(bg, i) }
		idx := indices(len(durs))
		start()
		in := rill.FromSlice(idx, nil)
		var out <-chan rill.Try[int]
		if ordered {
			out = rill.OrderedMap(in, workers, f)
		} else {
			out = rill.Map(in, workers, f)
		}
		res := make([]int, 0, len(durs))
		var err error
		for r := range out {
			if r.Error != nil && err == nil {
				err = r.Error
			}
			res = append(res, r.Value)
		}
		stop()
		if err != nil {
			return 0, err
		}
		return checkedSum(res, ordered)
	}
}

// conc: a ResultPool of at most n goroutines (Go waits for a free one);
// Wait returns the results.
func concSleep(durs []time.Duration, workers int, start, stop func()) (int, error) {
	task := sleepTask(durs)
	p := concpool.NewWithResults[int]().WithMaxGoroutines(workers)
	start()
	for i := range durs {
		p.Go(func() int { v, _ := task(bg, i); return v })
	}
	res := p.Wait()
	stop()
	return sumOf(res), nil
}

// pond: a ResultPool (one shared, unbounded queue); Submit every task, then
// Wait for each.
func pondSleep(durs []time.Duration, workers int, start, stop func()) (int, error) {
	task := sleepTask(durs)
	p := pond.NewResultPool[int](workers)
	defer p.StopAndWait()
	start()
	futs := make([]pond.ResultTask[int], len(durs))
	for i := range durs {
		futs[i] = p.Submit(func() int { v, _ := task(bg, i); return v })
	}
	sum := 0
	for _, f := range futs {
		v, err := f.Wait()
		if err != nil {
			return 0, err
		}
		sum += v
	}
	stop()
	return sum, nil
}

// ants: Submit waits for a free worker (ants has no queue); each task
// writes its result into a slice, a WaitGroup waits for them.
func antsSleep(durs []time.Duration, workers int, start, stop func()) (int, error) {
	task := sleepTask(durs)
	p, err := ants.NewPool(workers)
	if err != nil {
		return 0, err
	}
	defer p.ReleaseTimeout(time.Minute)
	res := make([]int, len(durs))
	var wg sync.WaitGroup
	start()
	wg.Add(len(durs))
	for i := range durs {
		if err := p.Submit(func() { res[i], _ = task(bg, i); wg.Done() }); err != nil {
			return 0, err
		}
	}
	wg.Wait()
	stop()
	return sumOf(res), nil
}

// errgroup: SetLimit(n) (Go waits for a free slot); each task writes its
// result into a slice.
func errgroupSleep(durs []time.Duration, workers int, start, stop func()) (int, error) {
	task := sleepTask(durs)
	res := make([]int, len(durs))
	var g errgroup.Group
	g.SetLimit(workers)
	start()
	for i := range durs {
		g.Go(func() (err error) { res[i], err = task(bg, i); return err })
	}
	err := g.Wait()
	stop()
	return sumOf(res), err
}

// chan: n goroutines reading one shared channel of task indices (1024
// deep); each writes its result into a slice, a WaitGroup waits for them.
func chanSleep(durs []time.Duration, workers int, start, stop func()) (int, error) {
	task := sleepTask(durs)
	res := make([]int, len(durs))
	in := make(chan int, batch)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range in {
				res[i], _ = task(bg, i)
			}
		})
	}
	start()
	for i := range durs {
		in <- i
	}
	close(in)
	wg.Wait()
	stop()
	return sumOf(res), nil
}
