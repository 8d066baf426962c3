package stages

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/sluice-go/sluice/balance"
)

// Config shapes a [Map] stages. A zero field takes the default its doc gives;
// negative numbers panic (callers validate user input first).
type Config[In any] struct {
	// Workers is the number of workers; 0 means 1.
	Workers int
	// Queue is how many chunks the stage holds per worker besides the one
	// the worker runs; 0 means 1. Unordered, the stage holds at most
	// Workers×(Queue+1) chunks queued or running; ordered, ReorderFactor
	// times that, so that results can wait for their turn while the
	// workers go on.
	Queue int
	// Strategy picks the worker for each chunk; nil means round robin.
	// Worker loads count chunks.
	Strategy balance.Strategy
	// Key, with a balance.KeyedStrategy, places items by key: each chunk
	// is split into runs of items bound for one worker, which never move.
	Key func(In) uint64
	// Ordered emits results in input order; otherwise as chunks finish.
	Ordered bool
	// OnDemand starts workers when chunks arrive and ends them after
	// Linger idle.
	OnDemand bool
	Linger   time.Duration
	// NoSteal keeps every chunk on the worker the strategy picked.
	NoSteal bool
	// Buffer is how many result chunks the output channel holds; 0 means
	// Workers.
	Buffer int
	// Started and Ended, if set, are the group's worker hooks (see
	// [WithWorkerHooks]): how a backend hears that a worker's goroutine
	// ended.
	Started, Ended func(worker int)
	// Closed, if set, is called once every worker has returned, before
	// the output stream closes: where a backend is closed.
	Closed func()
	// Took, if set, is called by a worker as it takes a chunk, before
	// the chunk's items, with when the chunk was placed on a worker: how
	// an observer learns how long items queued. Placing a chunk then
	// reads the clock.
	Took func(worker int, placed time.Time)
	// Around, if set, is called by a worker for each chunk it takes, with
	// run, which calls the map function for the chunk's items: where the
	// owner catches what the map function throws, once per chunk rather
	// than once per item. It must call run once, on its goroutine.
	Around func(worker int, run func())
}

// ReorderFactor is how many times more chunks an ordered Map stage holds
// than an unordered one: the reorder window. Results that finished early
// wait in it for the chunks before them, so one slow chunk does not stop
// the other workers until the window is full.
const ReorderFactor = 16

func (c *Config[In]) fill() {
	if c.Workers < 0 || c.Queue < 0 || c.Buffer < 0 || c.Linger < 0 {
		panic(fmt.Sprintf("stages: Map config with negative field: workers %d, queue %d, buffer %d, linger %v", c.Workers, c.Queue, c.Buffer, c.Linger))
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

// window is how many chunks the stage admits at once: queued, running or
// waiting in the reorder window.
func (c Config[In]) window() int {
	w := c.Workers * (c.Queue + 1)
	if c.Ordered {
		w *= ReorderFactor
	}
	return w
}

// Capacity returns the most items a Map stage with this config holds at
// once, for chunks of size items: the chunk being placed on a worker, the
// window of chunks queued, running or waiting for their turn, and the
// output channel.
func (c Config[In]) Capacity(size int) int {
	c.fill()
	return (1 + c.window() + c.Buffer) * size
}

// piece is a chunk on its way through a Map stage, with its place in the
// input.
type piece[T any] struct {
	c     []T
	seq   uint64
	at    int64 // when placed, in ns since the stage began, if cfg.Took
	short bool  // cut from a chunk short of the stream's size: see handle
}

// Map is the pool stage of a stream. It spreads the chunks of in over a
// [Group] of workers as cfg.Strategy picks; each worker calls fn(ctx,
// worker, item, out) for every item of a chunk, and fn appends what the
// item yields (none, one or more results) to out and returns it. Result
// chunks come out in input order if cfg.Ordered, else as they finish.
//
// The fan-out never waits for one worker: it waits only while the stage
// holds its window of chunks, and a worker that runs out of work takes
// queued chunks from another (unless cfg.NoSteal, or the chunk is keyed).
// Ordered results wait in a reorder window until the chunks before them
// are out.
//
// Ownership: Map reads in until it is closed or ctx is done, puts back
// every chunk it reads, and never closes in. It owns the returned stream
// and closes it once all workers have returned and all results are sent.
// Once ctx is done, workers skip the chunks they still hold without
// calling fn and nothing more is sent, so a consumer may stop reading once
// it has cancelled ctx: every goroutine Map started exits after the fn
// calls in progress return.
func Map[In, Out any](ctx context.Context, in *Chunks[In], fn func(ctx context.Context, worker int, v In, out []Out) []Out, cfg Config[In]) *Chunks[Out] {
	cfg.fill()
	window := cfg.window()
	out := newChunks[Out](cfg.Buffer, in.Size(), cfg.Buffer+window+2)
	done := ctx.Done()
	credits := make(chan struct{}, window)
	var ro *reorder[Out]
	if cfg.Ordered {
		ro = newReorder[Out](window)
	}
	epoch := time.Now()
	var runs []*chunkRun[In, Out] // by worker: its goroutine's only
	if cfg.Around != nil {
		runs = make([]*chunkRun[In, Out], cfg.Workers)
		for w := range runs {
			r := &chunkRun[In, Out]{ctx: ctx, w: w, fn: fn, around: cfg.Around}
			r.loop = r.items
			runs[w] = r
		}
	}
	handle := func(w int, p piece[In]) {
		if cfg.Took != nil {
			cfg.Took(w, epoch.Add(time.Duration(p.at)))
		}
		res := out.Get()
		if !isDone(done) {
			if cfg.Around == nil {
				for _, v := range p.c {
					res = fn(ctx, w, v, res)
				}
			} else {
				res = runs[w].run(p.c, res)
			}
		}
		in.Put(p.c)
		if ro != nil {
			ro.put(p.seq, res) // the merge gives the credit back
		} else {
			out.Send(done, res)
			<-credits
		}
		if p.short {
			// The stream upstream cuts chunks short only for items slow
			// enough to spread (see flow's piece), and the fan-out and
			// merge this piece's credit and results readied wait on this
			// worker's P until it blocks, which a worker with CPU-bound
			// items queued never does: its queue and the others' would
			// run dry meanwhile. A keyed run cut from a full chunk is
			// short too, but its items are cheap: it does not yield.
			runtime.Gosched()
		}
	}
	var opts []GroupOption
	if cfg.OnDemand {
		opts = append(opts, WithOnDemand(cfg.Linger))
	}
	if cfg.NoSteal {
		opts = append(opts, WithoutStealing())
	}
	if cfg.Started != nil || cfg.Ended != nil {
		opts = append(opts, WithWorkerHooks(cfg.Started, cfg.Ended))
	}
	g := NewGroup(cfg.Workers, handle, opts...)
	merged := make(chan struct{})
	if ro != nil {
		go func() {
			defer close(merged)
			ro.merge(done, out, credits)
		}()
	} else {
		close(merged)
	}
	go func() {
		var stamp func() int64
		if cfg.Took != nil {
			stamp = func() int64 { return int64(time.Since(epoch)) }
		}
		fanOut(ctx, in, g, cfg.Strategy, cfg.Key, credits, stamp)
		g.Close()
		g.Wait()
		if cfg.Closed != nil {
			cfg.Closed()
		}
		if ro != nil {
			ro.finish()
		}
		<-merged
		out.Close() // last: every worker and the merge have returned
	}()
	return out
}

// chunkRun calls a Map stage's function for the items of one chunk under
// Config.Around; it is made once per worker, so that a chunk costs no
// closure.
type chunkRun[In, Out any] struct {
	ctx    context.Context
	w      int
	fn     func(ctx context.Context, worker int, v In, out []Out) []Out
	around func(worker int, run func())
	loop   func() // r.items, made once
	c      []In
	res    []Out
}

func (r *chunkRun[In, Out]) run(c []In, res []Out) []Out {
	r.c, r.res = c, res
	r.around(r.w, r.loop)
	res = r.res
	r.c, r.res = nil, nil
	return res
}

func (r *chunkRun[In, Out]) items() {
	for _, v := range r.c {
		r.res = r.fn(r.ctx, r.w, v, r.res)
	}
}

// fanOut places each chunk of in on the worker strategy picks, taking a
// credit for it first. With a keyed strategy and a key function it splits
// chunks into runs bound for one worker, pinned there.
func fanOut[T any](ctx context.Context, in *Chunks[T], g *Group[piece[T]], strategy balance.Strategy, key func(T) uint64, credits chan<- struct{}, stamp func() int64) {
	done := ctx.Done()
	view := g.View()
	keyed, _ := strategy.(balance.KeyedStrategy)
	if key == nil {
		keyed = nil
	}
	var seq uint64
	send := func(w int, c []T, pinned, short bool) bool {
		if !Emit(done, credits, struct{}{}) {
			in.Put(c)
			return false
		}
		p := piece[T]{c: c, seq: seq, short: short}
		if stamp != nil {
			p.at = stamp()
		}
		seq++
		return view.Enqueue(w, p, 0, pinned) == nil // the group closes only after fanOut
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
		short := len(c) < in.Size()
		if keyed == nil {
			if !send(strategy.Pick(view), c, false, short) {
				return
			}
			continue
		}
		start, w := 0, keyed.PickKey(view, key(c[0]))
		for j := 1; j <= len(c); j++ {
			next := -1
			if j < len(c) {
				next = keyed.PickKey(view, key(c[j]))
			}
			if next == w {
				continue
			}
			if !send(w, append(in.Get(), c[start:j]...), true, short) {
				in.Put(c)
				return
			}
			start, w = j, next
		}
		in.Put(c)
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
