package bench_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/proc"
	"github.com/sluice-go/sluice/remote"
)

// The functions the worker processes serve, registered at package scope
// in the parent and in every worker (the test binary itself).
var (
	square = remote.Register("bench.square", func(_ context.Context, n int) (int, error) { return n * n, nil })
	hash   = remote.Register("bench.sha256", func(_ context.Context, n int) ([]byte, error) {
		sum := sha256.Sum256([]byte(strconv.Itoa(n)))
		for range procCPURounds {
			sum = sha256.Sum256(sum[:])
		}
		return sum[:], nil
	})
)

// procCPURounds makes one hash task about 0.2 ms of CPU (177-192 µs of
// user time on the 2-core AMD EPYC machine of RESULTS.md).
const procCPURounds = 2000

const rawRole = "SLUICE_BENCH_RAW_FLOOR"

// rawFloor is the floor's worker: one loop that reads a request frame,
// squares its gob-encoded int and writes the answer, flushing when no
// request is waiting: the same frames and codec as the process backend,
// with no hello, no goroutine per call and no matching by id.
func rawFloor() {
	br := bufio.NewReaderSize(os.NewFile(3, "req"), 64<<10)
	bw := bufio.NewWriterSize(os.NewFile(4, "resp"), 64<<10)
	for {
		f, err := remote.ReadFrame(br, remote.DefaultMaxFrame)
		if err != nil {
			os.Exit(0)
		}
		var n int
		remote.Gob.Unmarshal(f.Payload, &n)
		n *= n
		out, _ := remote.Gob.Marshal(&n)
		remote.WriteFrame(bw, remote.Frame{Kind: remote.KindResponse, ID: f.ID, Payload: out}, remote.DefaultMaxFrame)
		if br.Buffered() == 0 {
			bw.Flush()
		}
	}
}

type rawPipe struct {
	bw *bufio.Writer
	br *bufio.Reader
}

func startRaw(b *testing.B) *rawPipe {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	reqR, reqW, _ := os.Pipe()
	respR, respW, _ := os.Pipe()
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), rawRole+"=1")
	cmd.ExtraFiles = []*os.File{reqR, respW}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	reqR.Close()
	respW.Close()
	b.Cleanup(func() {
		reqW.Close()
		cmd.Wait()
		respR.Close()
	})
	return &rawPipe{bw: bufio.NewWriter(reqW), br: bufio.NewReader(respR)}
}

// calls sends k squares at once and reads the k answers.
func (r *rawPipe) calls(b *testing.B, k int) {
	for i := range k {
		n := i
		payload, _ := remote.Gob.Marshal(&n)
		remote.WriteFrame(r.bw, remote.Frame{Kind: remote.KindRequest, ID: uint64(i), Name: "square", Payload: payload}, remote.DefaultMaxFrame)
	}
	r.bw.Flush()
	for range k {
		f, err := remote.ReadFrame(r.br, remote.DefaultMaxFrame)
		if err != nil {
			b.Fatal(err)
		}
		var n int
		remote.Gob.Unmarshal(f.Payload, &n)
	}
}

func reportLatency(b *testing.B, d []time.Duration) {
	slices.Sort(d)
	if len(d) > 0 {
		b.ReportMetric(float64(d[len(d)/2].Nanoseconds())/1e3, "p50-µs")
		b.ReportMetric(float64(d[len(d)*99/100].Nanoseconds())/1e3, "p99-µs")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkProcess is a tiny call (an int squared, gob-encoded) to a
// worker process, side by side: the raw pipe round trip with the same
// frames and codec (the floor), and a sluice pool of one worker on the
// process backend (proc.NewBackend), submit to result through the
// pool's future. Two more subjects, with one call at a time, split the
// difference: proc-direct is a proc.Process called without a pool (the
// transport's own cost), and pool-raw-pipe a goroutine pool of one worker
// whose task is the raw pipe round trip, chan-raw-pipe the same with a
// bare goroutine fed by a channel: what handing a task to a worker
// goroutine and its result back costs, whatever the transport. With inflight=1 one call at a time, p50-µs its median
// latency; with inflight=16, 16 at once (the raw floor writes 16 and
// reads 16; the pool has 16 submitters and WithMaxQueued(16), so 16
// pipelined on the process), calls/s the throughput. One op is one call.
func BenchmarkProcess(b *testing.B) {
	for _, k := range []int{1, 16} {
		b.Run("subject=raw-pipe/inflight="+strconv.Itoa(k), func(b *testing.B) {
			r := startRaw(b)
			r.calls(b, k) // warm
			d := make([]time.Duration, 0, b.N/k+1)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += k {
				t0 := time.Now()
				r.calls(b, min(k, b.N-i))
				d = append(d, time.Since(t0))
			}
			b.StopTimer()
			reportLatency(b, d)
		})
		if k == 1 {
			b.Run("subject=pool-raw-pipe/inflight=1", func(b *testing.B) {
				r := startRaw(b)
				p, err := pool.New(func(_ context.Context, _ int) (int, error) {
					r.calls(b, 1)
					return 0, nil
				}, pool.WithMaxWorkers(1), pool.WithMaxQueued(1))
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { p.Stop(context.Background()) })
				submitters(b, p, 1)
			})
			b.Run("subject=chan-raw-pipe/inflight=1", func(b *testing.B) {
				r := startRaw(b)
				in, out := make(chan struct{}), make(chan struct{})
				go func() {
					for range in {
						r.calls(b, 1)
						out <- struct{}{}
					}
				}()
				b.Cleanup(func() { close(in) })
				r.calls(b, 1) // warm
				d := make([]time.Duration, 0, b.N)
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					t0 := time.Now()
					in <- struct{}{}
					<-out
					d = append(d, time.Since(t0))
				}
				b.StopTimer()
				reportLatency(b, d)
			})
			b.Run("subject=proc-direct/inflight=1", func(b *testing.B) {
				ctx := context.Background()
				w, err := proc.Start(ctx)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { w.Close() })
				square.Call(ctx, w, 0, 1) // warm
				d := make([]time.Duration, 0, b.N)
				b.ReportAllocs()
				b.ResetTimer()
				for i := range b.N {
					t0 := time.Now()
					if _, err := square.Call(ctx, w, 0, i); err != nil {
						b.Fatal(err)
					}
					d = append(d, time.Since(t0))
				}
				b.StopTimer()
				reportLatency(b, d)
			})
		}
		b.Run("subject=sluice-proc/inflight="+strconv.Itoa(k), func(b *testing.B) {
			submitters(b, procPool(b, square, 1, k), k)
		})
	}
}

// submitters times b.N calls through p by k goroutines, each submitting
// one task and waiting for its result before the next, and reports the
// latency of each submit to its result.
func submitters(b *testing.B, p *pool.Pool[int, int], k int) {
	ctx := context.Background()
	p.Submit(ctx, 1).Wait() // warm
	var mu sync.Mutex
	var all []time.Duration
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	for g := range k {
		n := b.N / k
		if g < b.N%k {
			n++
		}
		wg.Go(func() {
			d := make([]time.Duration, 0, n)
			for i := range n {
				t0 := time.Now()
				if _, err := p.Submit(ctx, i).Wait(); err != nil {
					b.Error(err)
					return
				}
				d = append(d, time.Since(t0))
			}
			mu.Lock()
			all = append(all, d...)
			mu.Unlock()
		})
	}
	wg.Wait()
	b.StopTimer()
	reportLatency(b, all)
}

// procPool is a pool of workers on the process backend running fn, with
// queued tasks pipelined per process; b's cleanup stops it.
func procPool[In, Out any](b *testing.B, fn remote.Func[In, Out], workers, queued int, opts ...proc.Option) *pool.Pool[In, Out] {
	be, err := proc.NewBackend(fn, opts...)
	if err != nil {
		b.Fatal(err)
	}
	p, err := pool.NewOn(context.Background(), be, pool.WithMaxWorkers(workers), pool.WithMaxQueued(queued))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { p.Stop(context.Background()) })
	return p
}

// BenchmarkProcessCPU runs 200 sha256 tasks of about 0.2 ms of CPU each
// through 1 and through 2 worker processes (pipelined, 4 queued per
// process, each process with GOMAXPROCS=1, so that one process is one
// core's worth), all submitted at once; one op is the whole run, and
// tasks/s the throughput, whose ratio is the speedup of the second
// process on 2 cores. parent-µs/task is the CPU time (user and system,
// every thread) the parent spent in the timed loop per task: what the
// pool, the backend and the pipes cost on the parent's side, which with
// 2 processes on 2 cores competes with the workers.
func BenchmarkProcessCPU(b *testing.B) {
	const tasks = 200
	for _, n := range []int{1, 2} {
		b.Run("subject=sluice-proc/processes="+strconv.Itoa(n), func(b *testing.B) {
			ctx := context.Background()
			p := procPool(b, hash, n, 4, proc.WithEnv("GOMAXPROCS=1"))
			futs := make([]*future.Future[[]byte], tasks)
			for i := range n * 4 { // warm every process
				futs[i] = p.Submit(ctx, i)
			}
			future.All(ctx, futs[:n*4]...)
			cpu0, cpuOK := selfCPU()
			b.ResetTimer()
			for range b.N {
				for i := range futs {
					futs[i] = p.Submit(ctx, i)
				}
				if _, err := future.All(ctx, futs...); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			cpu1, _ := selfCPU()
			b.ReportMetric(float64(b.N*tasks)/b.Elapsed().Seconds(), "tasks/s")
			if cpuOK {
				b.ReportMetric(float64((cpu1-cpu0).Nanoseconds())/1e3/float64(b.N*tasks), "parent-µs/task")
			}
		})
	}
}
