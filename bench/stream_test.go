package bench_test

import (
	"context"
	"sync"
	"testing"

	"github.com/alitto/pond/v2"
	"github.com/panjf2000/ants/v2"
	concpool "github.com/sourcegraph/conc/pool"
	"golang.org/x/sync/errgroup"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/internal/stages"
	"github.com/sluice-go/sluice/pool"
)

// A streamSubject runs a stream of the items 0..n-1 through 8 workers that
// apply noop, and returns the sum of what comes out, read by the calling
// goroutine as it arrives. Every subject's buffers are bounded
// (backpressure), so memory does not grow with n, save for the slice that
// sluice's flow.From reads, made before the timer starts.
type streamSubject struct {
	name string
	run  func(b *testing.B, n int) int
}

// BenchmarkStream streams b.N items through 8 workers that apply a noop
// function, results in any order: a producer goroutine generates the items
// (sluice: flow.From reads them from a slice), the benchmark goroutine
// consumes the results. sluice is the flow package; sluice-stage is
// stages.Map, the layer under it. One op is one item.
func BenchmarkStream(b *testing.B) {
	benchStream(b, []streamSubject{
		{"sluice", sluiceFlow(false)},
		{"sluice-stage", sluiceStage(false)},
		{"pond", pondStream},
		{"ants", antsStream},
		{"conc", concStream},
		{"errgroup", errgroupStream},
		{"chan", chanStream},
		{"chan-chunked", chanChunkedStream(false)},
	})
}

func benchStream(b *testing.B, subjects []streamSubject) {
	for _, s := range subjects {
		b.Run("subject="+s.name, func(b *testing.B) {
			b.ReportAllocs()
			sum := s.run(b, b.N)
			b.StopTimer()
			if want := b.N * (b.N - 1) / 2; sum != want {
				b.Fatalf("results add up to %d, want %d", sum, want)
			}
		})
	}
}

// sluiceFlow: flow.From(items).Pool(noop, pool.WithMaxWorkers(8)), made
// Unordered or not, summed by flow.Reduce on the calling goroutine. The
// slice of items is made before the timer starts.
func sluiceFlow(ordered bool) func(b *testing.B, n int) int {
	return func(b *testing.B, n int) int {
		b.StopTimer()
		items := make([]int, n)
		for i := range items {
			items[i] = i
		}
		f := flow.From(items).Pool(noop, pool.WithMaxWorkers(workers))
		if !ordered {
			f = f.Unordered()
		}
		next := 0
		add := func(acc, v int) int {
			if ordered && v != next {
				b.Errorf("got %d, want %d", v, next)
			}
			next++
			return acc + v
		}
		b.StartTimer()
		sum, err := flow.Reduce(bg, f, 0, add)
		if err != nil {
			b.Fatal(err)
		}
		return sum
	}
}

// sluice-stage: stages.Map, the machinery under flow's pool stage, over a
// stream of chunks of 64 items fed by a generator goroutine: what flow
// costs beyond it is the difference between this subject and sluice.
func sluiceStage(ordered bool) func(b *testing.B, n int) int {
	return func(b *testing.B, n int) int {
		ctx := context.Background()
		src := stages.NewChunks[int](workers, stages.DefaultChunk)
		go func() {
			defer src.Close()
			c := src.Get()
			for i := range n {
				c = append(c, i)
				if len(c) == cap(c) {
					src.Send(nil, c)
					c = src.Get()
				}
			}
			src.Send(nil, c)
		}()
		fn := func(ctx context.Context, _ int, v int, out []int) []int {
			r, _ := noop(ctx, v)
			return append(out, r)
		}
		out := stages.Map(ctx, src, fn, stages.Config[int]{Workers: workers, Queue: 2, Ordered: ordered})
		sum, next := 0, 0
		for c := range out.C() {
			for _, v := range c {
				if ordered && v != next {
					b.Fatalf("got %d, want %d", v, next)
				}
				next++
				sum += v
			}
			out.Put(c)
		}
		return sum
	}
}

// pond: Go with a bounded queue (1024), each task sending its result on a
// results channel.
func pondStream(_ *testing.B, n int) int {
	p := pond.NewPool(workers, pond.WithQueueSize(batch))
	defer p.StopAndWait()
	out := make(chan int, batch)
	go func() {
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			p.Go(func() {
				r, _ := noop(bg, i)
				out <- r
				wg.Done()
			})
		}
		wg.Wait()
		close(out)
	}()
	return sumChan(out)
}

// ants: Submit (which blocks while all workers are busy), each task sending
// its result on a results channel.
func antsStream(b *testing.B, n int) int {
	p, err := ants.NewPool(workers)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Release()
	out := make(chan int, batch)
	go func() {
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			if err := p.Submit(func() {
				r, _ := noop(bg, i)
				out <- r
				wg.Done()
			}); err != nil {
				panic(err)
			}
		}
		wg.Wait()
		close(out)
	}()
	return sumChan(out)
}

// conc: a pool of at most 8 goroutines, each task sending its result on a
// results channel.
func concStream(_ *testing.B, n int) int {
	out := make(chan int, batch)
	go func() {
		p := concpool.New().WithMaxGoroutines(workers)
		for i := range n {
			p.Go(func() {
				r, _ := noop(bg, i)
				out <- r
			})
		}
		p.Wait()
		close(out)
	}()
	return sumChan(out)
}

// errgroup: SetLimit(8), each task sending its result on a results channel.
func errgroupStream(_ *testing.B, n int) int {
	out := make(chan int, batch)
	go func() {
		var g errgroup.Group
		g.SetLimit(workers)
		for i := range n {
			g.Go(func() error {
				r, err := noop(bg, i)
				out <- r
				return err
			})
		}
		_ = g.Wait()
		close(out)
	}()
	return sumChan(out)
}

// chan, the floor: one buffered input channel, 8 goroutines, one buffered
// output channel; one item per channel operation.
func chanStream(_ *testing.B, n int) int {
	in := make(chan int, batch)
	out := make(chan int, batch)
	go func() {
		for i := range n {
			in <- i
		}
		close(in)
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for v := range in {
				r, _ := noop(bg, v)
				out <- r
			}
		})
	}
	go func() {
		wg.Wait()
		close(out)
	}()
	return sumChan(out)
}

func sumChan(c <-chan int) int {
	sum := 0
	for v := range c {
		sum += v
	}
	return sum
}

// chan-chunked, the floor for streams that move items in chunks as sluice
// does: slices of 64 items dealt round robin to 8 goroutines, each with its
// own input and output channel (2 chunks each), and read back in the same
// rotation, which also keeps them in order. Chunks are not recycled.
func chanChunkedStream(ordered bool) func(b *testing.B, n int) int {
	return func(b *testing.B, n int) int {
		const size = stages.DefaultChunk
		ins := make([]chan []int, workers)
		outs := make([]chan []int, workers)
		for w := range ins {
			ins[w], outs[w] = make(chan []int, 2), make(chan []int, 2)
			go func() {
				for c := range ins[w] {
					for j, v := range c {
						c[j], _ = noop(bg, v)
					}
					outs[w] <- c
				}
				close(outs[w])
			}()
		}
		go func() {
			for i, w := 0, 0; i < n; i, w = i+size, (w+1)%workers {
				c := make([]int, min(size, n-i))
				for j := range c {
					c[j] = i + j
				}
				ins[w] <- c
			}
			for _, in := range ins {
				close(in)
			}
		}()
		sum, next := 0, 0
		for i, w := 0, 0; i < n; i, w = i+size, (w+1)%workers {
			for _, v := range <-outs[w] {
				if ordered && v != next {
					b.Fatalf("got %d, want %d", v, next)
				}
				next++
				sum += v
			}
		}
		return sum
	}
}
