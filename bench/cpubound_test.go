package bench_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/alitto/pond/v2"
	"github.com/destel/rill"
	"github.com/panjf2000/ants/v2"
	concpool "github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/pool"
)

// CPUBound workload: tasks that hash for about cpuTaskCost each.
const (
	cpuTasks    = 2000
	cpuTaskCost = 50 * time.Microsecond
)

// cpuRounds is how many times a CPU-bound task hashes: calibrated once per
// process, the first time it is called, so that one task takes about
// cpuTaskCost on this machine (the best of a few timings, so a busy moment
// does not shrink it). Every subject uses the same count.
var cpuRounds = sync.OnceValue(func() int {
	const probe = 4096
	best := time.Duration(1 << 62)
	for range 5 {
		t0 := time.Now()
		sink = hashRounds(0, probe)
		best = min(best, time.Since(t0))
	}
	return max(1, int(int64(cpuTaskCost)*probe/max(int64(best), 1)))
})

// sink keeps the calibration's hashing from being optimised away.
var sink int

// hashRounds hashes a 32-byte block seeded with i, rounds times over, and
// returns a number made from the last digest.
func hashRounds(i, rounds int) int {
	var h [sha256.Size]byte
	binary.LittleEndian.PutUint64(h[:], uint64(i))
	for range rounds {
		h = sha256.Sum256(h[:])
	}
	return int(binary.LittleEndian.Uint32(h[:]))
}

// A cpuSubject runs cpuTask(i, rounds) for i in 0..n-1 on the given number
// of workers and returns the sum of the results.
type cpuSubject struct {
	name string
	run  func(n, rounds, workers int) (int, error)
}

// BenchmarkCPUBound runs 2000 CPU-bound tasks, each hashing a 32-byte block
// with SHA-256 for about 50µs (a round count calibrated once per process,
// the same for every subject), on runtime.GOMAXPROCS(0) workers, and
// reports speedup: the time of a plain sequential loop over the same 2000
// tasks over the subject's time. Each op times the sequential loop (timer
// stopped) and then the subject, so that both meet the same moment of a
// noisy machine; speedup is the ratio of their totals. Higher is better;
// GOMAXPROCS is the ceiling.
//
// seq-ns/task is the sequential loop's time per task: what a task really
// cost in this run, about 50µs on a quiet machine. goroutines, the floor,
// is GOMAXPROCS goroutines each hashing a contiguous share of the tasks.
// One op is one whole run of 2000 tasks: ns/op is the run's time, setup (a
// pool) included.
func BenchmarkCPUBound(b *testing.B) {
	subjects := []cpuSubject{
		{"sluice", sluiceCPU},
		{"sluice-flow-ordered", sluiceFlowCPU(true)},
		{"sluice-flow-unordered", sluiceFlowCPU(false)},
		{"pond", pondCPU},
		{"ants", antsCPU},
		{"conc", concCPU},
		{"rill", rillCPU},
		{"errgroup", errgroupCPU},
		{"goroutines", goroutinesCPU},
	}
	rounds := cpuRounds()
	procs := runtime.GOMAXPROCS(0)
	for _, s := range subjects {
		b.Run("subject="+s.name, func(b *testing.B) {
			var seq, par time.Duration
			b.ReportAllocs()
			for range b.N {
				b.StopTimer()
				t0 := time.Now()
				want := 0
				for i := range cpuTasks {
					want += hashRounds(i, rounds)
				}
				seq += time.Since(t0)
				b.StartTimer()
				t0 = time.Now()
				got, err := s.run(cpuTasks, rounds, procs)
				par += time.Since(t0)
				if err != nil {
					b.Fatal(err)
				}
				if got != want {
					b.Fatalf("results add up to %d, want %d", got, want)
				}
			}
			b.ReportMetric(float64(seq)/float64(par), "speedup")
			b.ReportMetric(float64(seq.Nanoseconds())/float64(b.N*cpuTasks), "seq-ns/task")
		})
	}
}

// ctxTask is the sluice task: task i's hash.
func ctxTask(rounds int) func(context.Context, int) (int, error) {
	return func(_ context.Context, i int) (int, error) { return hashRounds(i, rounds), nil }
}

// sluice: a pool of n workers; Submit every task, then Await each.
func sluiceCPU(n, rounds, workers int) (int, error) {
	p, err := pool.New(ctxTask(rounds), pool.WithMaxWorkers(workers))
	if err != nil {
		return 0, err
	}
	defer p.Stop(bg)
	return submitAwait(p, n, func() {})
}

// sluice-flow: flow.From(indices).Pool(task, pool.WithMaxWorkers(n)),
// Unordered or not, collected with Collect.
func sluiceFlowCPU(ordered bool) func(n, rounds, workers int) (int, error) {
	return func(n, rounds, workers int) (int, error) {
		f := flow.From(indices(n)).Pool(ctxTask(rounds), pool.WithMaxWorkers(workers))
		if !ordered {
			f = f.Unordered()
		}
		res, err := f.Collect(bg)
		if err != nil {
			return 0, err
		}
		return sumOf(res), nil
	}
}

// pond: a ResultPool; Submit every task, then Wait for each.
func pondCPU(n, rounds, workers int) (int, error) {
	p := pond.NewResultPool[int](workers)
	defer p.StopAndWait()
	futs := make([]pond.ResultTask[int], n)
	for i := range n {
		futs[i] = p.Submit(func() int { return hashRounds(i, rounds) })
	}
	sum := 0
	for _, f := range futs {
		v, err := f.Wait()
		if err != nil {
			return 0, err
		}
		sum += v
	}
	return sum, nil
}

// ants: Submit (which waits for a free worker); results into a slice.
func antsCPU(n, rounds, workers int) (int, error) {
	p, err := ants.NewPool(workers)
	if err != nil {
		return 0, err
	}
	defer p.ReleaseTimeout(time.Minute)
	res := make([]int, n)
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		if err := p.Submit(func() { res[i] = hashRounds(i, rounds); wg.Done() }); err != nil {
			return 0, err
		}
	}
	wg.Wait()
	return sumOf(res), nil
}

// conc: a ResultPool of at most n goroutines; Wait returns the results.
func concCPU(n, rounds, workers int) (int, error) {
	p := concpool.NewWithResults[int]().WithMaxGoroutines(workers)
	for i := range n {
		p.Go(func() int { return hashRounds(i, rounds) })
	}
	return sumOf(p.Wait()), nil
}

// rill: FromSlice, Map with n goroutines, the output summed by a range loop.
func rillCPU(n, rounds, workers int) (int, error) {
	out := rill.Map(rill.FromSlice(indices(n), nil), workers, func(i int) (int, error) {
		return hashRounds(i, rounds), nil
	})
	sum := 0
	var err error
	for r := range out {
		if r.Error != nil && err == nil {
			err = r.Error
		}
		sum += r.Value
	}
	return sum, err
}

// errgroup: SetLimit(n); results into a slice.
func errgroupCPU(n, rounds, workers int) (int, error) {
	res := make([]int, n)
	var g errgroup.Group
	g.SetLimit(workers)
	for i := range n {
		g.Go(func() error { res[i] = hashRounds(i, rounds); return nil })
	}
	err := g.Wait()
	return sumOf(res), err
}

// goroutines, the floor: n goroutines, each summing a contiguous share.
func goroutinesCPU(n, rounds, workers int) (int, error) {
	sums := make([]int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			sum := 0
			for i := w * n / workers; i < (w+1)*n/workers; i++ {
				sum += hashRounds(i, rounds)
			}
			sums[w] = sum
		})
	}
	wg.Wait()
	return sumOf(sums), nil
}
