package stage

import (
	"context"
	"fmt"
	"time"

	"github.com/sluice-go/sluice/balance"
)

// Config shapes a [Map] stage. A zero field takes the default its doc gives;
// negative numbers panic (callers validate user input first).
type Config[In any] struct {
	// Workers is the number of workers; 0 means 1.
	Workers int
	// Queue is how many chunks wait for each worker; 0 means 1.
	Queue int
	// Strategy picks the worker for each chunk; nil means round robin.
	// Worker loads count chunks.
	Strategy balance.Strategy
	// Key, with a balance.KeyedStrategy, places items by key: each chunk
	// is split into runs of items bound for one worker.
	Key func(In) uint64
	// Ordered emits results in input order; otherwise as chunks finish.
	Ordered bool
	// OnDemand starts workers when chunks arrive and ends them after
	// Linger idle.
	OnDemand bool
	Linger   time.Duration
	// Buffer is how many result chunks the output channel holds; 0 means
	// Workers.
	Buffer int
}

func (c *Config[In]) fill() {
	if c.Workers < 0 || c.Queue < 0 || c.Buffer < 0 || c.Linger < 0 {
		panic(fmt.Sprintf("stage: Map config with negative field: workers %d, queue %d, buffer %d, linger %v", c.Workers, c.Queue, c.Buffer, c.Linger))
	}
	c.Workers = max(c.Workers, 1)
	c.Queue = max(c.Queue, 1)
	if c.Strategy == nil {
		c.Strategy = balance.RoundRobin()
	}
	if c.Buffer == 0 {
		c.Buffer = c.Workers
	}
}

// Capacity returns the most items a Map stage with this config holds at
// once, for chunks of size items: the chunk being placed on a worker,
// chunks waiting for or held by workers, results waiting to be put back in
// order and the one being put back, and the output channel.
func (c Config[In]) Capacity(size int) int {
	c.fill()
	chunks := 1 + c.Workers*(c.Queue+1) + c.Buffer
	if c.Ordered {
		chunks += c.Workers*c.Queue + 1
	}
	return chunks * size
}

// Map is the pool stage of a stream. It spreads the chunks of in over a
// [Group] of workers as cfg.Strategy picks; each worker calls fn(ctx,
// worker, item, out) for every item of a chunk, and fn appends what the
// item yields (none, one or more results) to out and returns it. Result
// chunks come out in input order if cfg.Ordered, else as they finish.
//
// Each worker handles its chunks one at a time and in order, so ordering
// needs no reorder buffer: the worker each chunk went to is queued, and the
// results are read back from the workers in that sequence.
//
// Ownership: Map reads in until it is closed or ctx is done, puts back
// every chunk it reads, and never closes in. It owns the returned stream
// and closes it once all workers have returned and all results are sent.
// Once ctx is done, workers skip the chunks they still hold and nothing
// more is sent, so a consumer may stop reading once it has cancelled ctx:
// every goroutine Map started exits after the fn calls in progress return.
func Map[In, Out any](ctx context.Context, in *Chunks[In], fn func(ctx context.Context, worker int, v In, out []Out) []Out, cfg Config[In]) *Chunks[Out] {
	cfg.fill()
	out := newChunks[Out](cfg.Buffer, in.Size(), cfg.Buffer+cfg.Workers*(2*cfg.Queue+3))
	done := ctx.Done()
	var outs []chan []Out
	var order chan int
	if cfg.Ordered {
		outs = make([]chan []Out, cfg.Workers)
		for i := range outs {
			outs[i] = make(chan []Out, cfg.Queue)
		}
		order = make(chan int, cfg.Workers*(cfg.Queue+2)+cfg.Buffer)
	}
	handle := func(w int, c []In) {
		res := out.Get()
		select {
		case <-done:
		default:
			for _, v := range c {
				res = fn(ctx, w, v, res)
			}
		}
		in.Put(c)
		if outs != nil {
			Emit(done, outs[w], res) // even when empty: one per order entry
		} else {
			out.Send(done, res)
		}
	}
	var opts []GroupOption
	if cfg.OnDemand {
		opts = append(opts, WithOnDemand(cfg.Linger))
	}
	g := NewGroup(cfg.Workers, cfg.Queue, handle, opts...)
	merged := make(chan struct{})
	if outs != nil {
		go func() {
			defer close(merged)
			mergeOrdered(done, order, outs, out)
		}()
	} else {
		close(merged)
	}
	go func() {
		fanOut(ctx, in, g, cfg.Strategy, cfg.Key, order)
		g.Close()
		if order != nil {
			close(order)
		}
		g.Wait()
		<-merged
		out.Close() // last: every worker and the merge have returned
	}()
	return out
}

// fanOut sends each chunk of in to the worker strategy picks, and records
// the worker on order, if not nil, before the chunk. With a keyed strategy
// and a key function it splits chunks into runs bound for one worker.
func fanOut[T any](ctx context.Context, in *Chunks[T], g *Group[[]T], strategy balance.Strategy, key func(T) uint64, order chan<- int) {
	done := ctx.Done()
	loads := g.View()
	keyed, _ := strategy.(balance.KeyedStrategy)
	if key == nil {
		keyed = nil
	}
	send := func(w int, c []T) bool {
		if order != nil && !Emit(done, order, w) {
			return false
		}
		return g.Send(ctx, w, c) == nil
	}
	for {
		c, ok := receive(done, in.C())
		if !ok {
			return
		}
		if len(c) == 0 {
			in.Put(c)
			continue
		}
		if keyed == nil {
			if !send(strategy.Pick(loads), c) {
				return
			}
			continue
		}
		start, w := 0, keyed.PickKey(loads, key(c[0]))
		for j := 1; j <= len(c); j++ {
			next := -1
			if j < len(c) {
				next = keyed.PickKey(loads, key(c[j]))
			}
			if next == w {
				continue
			}
			if !send(w, append(in.Get(), c[start:j]...)) {
				return
			}
			start, w = j, next
		}
		in.Put(c)
	}
}

// mergeOrdered forwards result chunks to out in the sequence order gives,
// until order is closed or done closes.
// It stops as soon as it sees done: a worker that skipped a chunk saw done
// before merge got that chunk's empty result, so checking before each send
// keeps what comes out a gapless prefix of the full output.
func mergeOrdered[T any](done <-chan struct{}, order <-chan int, outs []chan []T, out *Chunks[T]) {
	for w := range order {
		c, ok := receive(done, outs[w])
		if !ok || isDone(done) || !out.Send(done, c) {
			return
		}
	}
}

// isDone reports whether done is closed, without blocking.
func isDone(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

// receive takes the next value from c, unless done closes first or c is
// closed.
func receive[T any](done <-chan struct{}, c <-chan T) (T, bool) {
	select {
	case v, ok := <-c:
		return v, ok
	default:
	}
	select {
	case v, ok := <-c:
		return v, ok
	case <-done:
		var zero T
		return zero, false
	}
}
