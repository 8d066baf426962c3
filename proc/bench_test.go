package proc_test

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/sluice-go/sluice/proc"
	"github.com/sluice-go/sluice/remote"
)

// rawFloor is the test binary as the floor's worker: one loop that reads
// a request frame, squares its gob-encoded int and writes the answer,
// with the same frames and codec as proc but no hello, no goroutine per
// call and no matching by id.
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

// rawPipe is the parent's end of a rawFloor worker.
type rawPipe struct {
	cmd *exec.Cmd
	w   *os.File
	bw  *bufio.Writer
	br  *bufio.Reader
}

func startRaw(b *testing.B) *rawPipe {
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	reqR, reqW, _ := os.Pipe()
	respR, respW, _ := os.Pipe()
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), role+"=rawfloor")
	cmd.ExtraFiles = []*os.File{reqR, respW}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	reqR.Close()
	respW.Close()
	r := &rawPipe{cmd: cmd, w: reqW, bw: bufio.NewWriter(reqW), br: bufio.NewReader(respR)}
	b.Cleanup(func() {
		reqW.Close()
		cmd.Wait()
		respR.Close()
	})
	return r
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

// latencies records per-call durations for p50 and p99.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d...)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B, inFlight int) {
	slices.Sort(l.d)
	if len(l.d) > 0 {
		b.ReportMetric(float64(l.d[len(l.d)/2].Nanoseconds())/1e3, "p50-µs")
		b.ReportMetric(float64(l.d[len(l.d)*99/100].Nanoseconds())/1e3, "p99-µs")
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// BenchmarkSquare is a tiny call to a worker process: the raw pipe floor
// (same frames, same codec, one loop on each side) beside a call through
// Process, one in flight and 16 in flight. Latencies are per call; with
// 16 in flight the raw floor sends 16 and reads 16, so its latency is the
// batch's.
func BenchmarkSquare(b *testing.B) {
	for _, k := range []int{1, 16} {
		b.Run("subject=raw-pipe/inflight="+itoa(k), func(b *testing.B) {
			r := startRaw(b)
			r.calls(b, k) // warm
			var l latencies
			d := make([]time.Duration, 0, b.N/k+1)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += k {
				t0 := time.Now()
				r.calls(b, min(k, b.N-i))
				d = append(d, time.Since(t0))
			}
			b.StopTimer()
			l.add(d)
			l.report(b, k)
		})
		b.Run("subject=proc/inflight="+itoa(k), func(b *testing.B) {
			p, err := proc.Start(context.Background(), fastExit)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { p.Close() })
			ctx := context.Background()
			square.Call(ctx, p, 0, 1) // warm
			var l latencies
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
						if _, err := square.Call(ctx, p, 0, i); err != nil {
							b.Error(err)
							return
						}
						d = append(d, time.Since(t0))
					}
					l.add(d)
				})
			}
			wg.Wait()
			b.StopTimer()
			l.report(b, k)
		})
	}
}
