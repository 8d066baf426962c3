package bench_test

import (
	"testing"

	"github.com/alitto/pond/v2"
	"github.com/sourcegraph/conc/stream"
)

// BenchmarkOrderedStream is BenchmarkStream with results in input order.
func BenchmarkOrderedStream(b *testing.B) {
	benchStream(b, []streamSubject{
		{"sluice", sluiceFlow(true)},
		{"sluice-stage", sluiceStage(true)},
		{"conc", concOrderedStream},
		{"pond", pondOrderedStream},
		{"chan", chanOrderedStream},
		{"chan-chunked", chanChunkedStream(true)},
	})
}

// conc's stream: tasks run on up to 8 goroutines; their callbacks run in
// submission order on one goroutine.
func concOrderedStream(b *testing.B, n int) int {
	sum, next := 0, 0
	s := stream.New().WithMaxGoroutines(workers)
	for i := range n {
		s.Go(func() stream.Callback {
			r, _ := noop(bg, i)
			return func() {
				if r != next {
					b.Errorf("got %d, want %d", r, next)
				}
				next++
				sum += r
			}
		})
	}
	s.Wait()
	return sum
}

// pond, ordered: a ResultPool with a bounded queue; the producer sends each
// task's future down a channel of 1024 and the consumer waits for them in
// order.
func pondOrderedStream(b *testing.B, n int) int {
	p := pond.NewResultPool[int](workers, pond.WithQueueSize(batch))
	defer p.StopAndWait()
	futs := make(chan pond.ResultTask[int], batch)
	go func() {
		for i := range n {
			futs <- p.Submit(func() int { r, _ := noop(bg, i); return r })
		}
		close(futs)
	}()
	sum, next := 0, 0
	for f := range futs {
		r, err := f.Wait()
		if err != nil || r != next {
			b.Fatalf("got %d, %v; want %d", r, err, next)
		}
		next++
		sum += r
	}
	return sum
}

// chan, ordered floor: 8 goroutines, each with its own input and output
// channel (16 each); items are dealt round robin and read back in the same
// rotation.
func chanOrderedStream(b *testing.B, n int) int {
	ins := make([]chan int, workers)
	outs := make([]chan int, workers)
	for w := range ins {
		ins[w], outs[w] = make(chan int, 16), make(chan int, 16)
		go func() {
			for v := range ins[w] {
				r, _ := noop(bg, v)
				outs[w] <- r
			}
			close(outs[w])
		}()
	}
	go func() {
		for i := range n {
			ins[i%workers] <- i
		}
		for _, in := range ins {
			close(in)
		}
	}()
	sum := 0
	for i := range n {
		r := <-outs[i%workers]
		if r != i {
			b.Fatalf("got %d, want %d", r, i)
		}
		sum += r
	}
	return sum
}
