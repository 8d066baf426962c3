package bench_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/pool"
)

// Balance workload: heavy-tailed task durations in virtual time units.
const (
	balanceTasks = 2000
	shortTask    = 1   // 95% of tasks
	longTask     = 100 // 5% of tasks
)

// balanceDurations returns the same task durations on every call: 95% take
// shortTask, 5% longTask, in an order fixed by a seeded generator.
func balanceDurations() []int64 {
	r := rand.New(rand.NewPCG(1, 2))
	d := make([]int64, balanceTasks)
	for i := range d {
		d[i] = shortTask
		if r.IntN(20) == 0 {
			d[i] = longTask
		}
	}
	return d
}

// idealMakespan is the lower bound no schedule beats: the total work spread
// evenly over the workers, or the longest task, whichever is more.
func idealMakespan(durs []int64, workers int) float64 {
	var total, longest int64
	for _, d := range durs {
		total += d
		longest = max(longest, d)
	}
	return max(float64(total)/float64(workers), float64(longest))
}

// BenchmarkBalance sends 2000 tasks, 95% of 1 time unit and 5% of 100,
// through 8 workers, and reports makespan/ideal: the time until the last
// task finished over the lower bound max(total work / 8, longest task).
//
// The pools are real (sluice pools with each strategy, pond, ants and a
// plain shared channel), but the tasks sleep on a virtual clock
// (vclock_test.go) that moves only when the whole pool is idle, so makespans
// depend only on which worker got which task: deterministic, save for the
// random strategies' draws, and quick. testing/synctest would do this, but
// synctest.Test takes a *testing.T.
//
// Two ways of submitting:
//
//   - pending=16: the producer keeps at most 16 tasks (2 per worker)
//     submitted and unfinished, submitting the next as one finishes (as
//     pool.WithMaxPending(16, pool.Block) would). Per-worker strategies see
//     which workers are stuck behind long tasks.
//   - pending=64: the same with 8 per worker.
//   - pending=all: the producer submits all 2000 at once. A strategy then
//     places every task before any has run, knowing nothing of durations,
//     so per-worker queues cannot balance by time; a shared queue can.
//
// One op is one simulated run of 2000 tasks. ns/task and allocs/task are
// the simulation's cost per task (the clock's bookkeeping dominates), not
// the pools' throughput: BenchmarkSubmit measures that.
func BenchmarkBalance(b *testing.B) {
	subjects := []struct {
		name string
		run  func(c *vclock, durs []int64) (int64, error)
	}{
		{"sluice-roundrobin", sluiceBalance(balance.RoundRobin, true)},
		{"sluice-leastactive", sluiceBalance(balance.LeastActive, true)},
		{"sluice-leasttotal", sluiceBalance(balance.LeastTotal, true)},
		{"sluice-random", sluiceBalance(balance.Random, true)},
		{"sluice-poweroftwo", sluiceBalance(balance.PowerOfTwo, true)},
		{"pond", pondBalance},
		{"ants", antsBalance},
		{"chan", chanBalance},
	}
	durs := balanceDurations()
	ideal := idealMakespan(durs, workers)
	for _, pending := range []struct {
		name  string
		limit int
	}{{"16", 2 * workers}, {"64", 8 * workers}, {"all", len(durs)}} {
		for _, s := range subjects {
			b.Run("subject="+s.name+"/pending="+pending.name, func(b *testing.B) {
				var ratio float64
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				b.ResetTimer()
				for range b.N {
					makespan, err := s.run(newVClock(workers, pending.limit), durs)
					if err != nil {
						b.Fatal(err)
					}
					ratio += float64(makespan) / ideal
				}
				b.StopTimer()
				runtime.ReadMemStats(&after)
				tasks := float64(b.N * len(durs))
				b.ReportMetric(ratio/float64(b.N), "makespan/ideal")
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/tasks, "ns/task")
				b.ReportMetric(float64(after.Mallocs-before.Mallocs)/tasks, "allocs/task")
			})
		}
	}
}

// produce submits every task through c, then reports the producer done.
func produce(c *vclock, durs []int64, submit func(i int, d int64)) {
	for i, d := range durs {
		c.admit()
		c.submit(func() { submit(i, d) })
	}
	c.done()
}

// spy passes picks through to a strategy and keeps the workers the pool
// picked from last (the pool's own load counters), which the clock reads
// to know when every worker is idle.
type spy struct {
	balance.Strategy
	seen atomic.Pointer[seenWorkers]
}

type seenWorkers struct{ w balance.Workers }

func (s *spy) Pick(w balance.Workers) int {
	if old := s.seen.Load(); old == nil || old.w != w {
		s.seen.Store(&seenWorkers{w})
	}
	return s.Strategy.Pick(w)
}

func (s *spy) active(i int) int {
	if seen := s.seen.Load(); seen != nil {
		return seen.w.Active(i)
	}
	return 0
}

// sluiceBalance runs the simulation on a sluice pool with per-worker queues,
// the strategy newStrategy makes, and work stealing on or off. The pool is
// stateful only to tell each task its worker's index.
func sluiceBalance(newStrategy func() balance.Strategy, stealing bool) func(c *vclock, durs []int64) (int64, error) {
	return func(c *vclock, durs []int64) (int64, error) {
		ctx := context.Background()
		s := &spy{Strategy: newStrategy()}
		p, err := pool.NewStateful(ctx,
			func(_ context.Context, id int) (int, error) { return id, nil },
			func(w int, _ context.Context, d int64) (struct{}, error) { c.sleep(w, d); return struct{}{}, nil },
			pool.WithMaxWorkers(workers), pool.WithStrategy(s), pool.WithStealing(stealing))
		if err != nil {
			return 0, err
		}
		defer p.Stop(ctx)
		defer c.release()
		go produce(c, durs, func(_ int, d int64) { p.Submit(ctx, d) })
		return c.run(len(durs), c.perWorkerQuiet(s.active, stealing))
	}
}

// pondBalance: pond's one shared, unbounded queue.
func pondBalance(c *vclock, durs []int64) (int64, error) {
	p := pond.NewPool(workers)
	defer p.StopAndWait()
	defer c.release()
	go produce(c, durs, func(_ int, d int64) { p.Go(func() { c.sleep(-1, d) }) })
	return c.run(len(durs), c.sharedQuiet)
}

// antsBalance: ants has no queue; Submit blocks until a worker is free.
func antsBalance(c *vclock, durs []int64) (int64, error) {
	p, err := ants.NewPool(workers)
	if err != nil {
		return 0, err
	}
	defer p.ReleaseTimeout(time.Minute)
	defer c.release()
	go produce(c, durs, func(_ int, d int64) {
		if err := p.Submit(func() { c.sleep(-1, d) }); err != nil {
			panic(err)
		}
	})
	return c.run(len(durs), c.sharedQuiet)
}

// chanBalance: 8 goroutines reading one shared buffered channel.
func chanBalance(c *vclock, durs []int64) (int64, error) {
	ch := make(chan int64, batch)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for d := range ch {
				c.sleep(-1, d)
			}
		})
	}
	defer wg.Wait()
	defer close(ch)
	defer c.release()
	go produce(c, durs, func(_ int, d int64) { ch <- d })
	return c.run(len(durs), c.sharedQuiet)
}
