package flow

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/sluice-go/sluice/stage"
)

const (
	// sampleEvery: each worker times one call in this many, to learn what
	// an item costs.
	sampleEvery = 64
	// pieceCost is what the items of one chunk given to a worker should
	// cost at least, so that moving a chunk between goroutines (a few
	// microseconds when goroutines outnumber cores and must be woken)
	// stays a few percent of the work: with 20 µs, CPU-bound items of 50
	// µs travelled one by one and a 2-worker flow reached 0.90-0.93 of a
	// pool's speedup on 2 cores (BenchmarkCPUBound); idle workers steal
	// pieces, so larger pieces cost little balance.
	pieceCost = 200 * time.Microsecond
)

// poolStage is the flow's side of one running pool stage: it splits
// chunks to suit what items cost, runs each item under the policy, and
// catches what user code throws.
type poolStage[In, Out any] struct {
	r      *run
	call   caller[In, Out]
	policy stage.Policy[Out]
	plain  bool
	slots  []slot
	est    atomic.Int64 // ns per call, a moving average; 0 until measured
}

// slot is what a pool stage keeps per worker, on its own cache line.
type slot struct {
	calls uint32
	_     [60]byte
}

// item is the function stage.Map calls for every item on worker w.
func (p *poolStage[In, Out]) item(ctx context.Context, w int, v In, out []Out) []Out {
	if p.r.stopped.Load() {
		return out
	}
	s := &p.slots[w]
	s.calls++
	if s.calls%sampleEvery != 1 {
		res, err, ok := p.invoke(ctx, w, v)
		return p.settle(out, res, err, ok)
	}
	t0 := time.Now()
	res, err, ok := p.invoke(ctx, w, v)
	p.observe(time.Since(t0))
	return p.settle(out, res, err, ok)
}

func (p *poolStage[In, Out]) settle(out []Out, res Out, err error, ok bool) []Out {
	if !ok {
		return out
	}
	if err != nil {
		p.r.fail(err)
		return out
	}
	return append(out, res)
}

// invoke runs one item; ok is false if it did not return (a panic or
// runtime.Goexit, recorded here) or was skipped because the run ended.
func (p *poolStage[In, Out]) invoke(ctx context.Context, w int, v In) (res Out, err error, ok bool) {
	defer func() {
		if !ok {
			p.r.fatal(recovered(recover()))
		}
	}()
	if p.plain {
		res, err = p.call(ctx, w, v)
	} else {
		res, err = stage.Run(ctx, &p.policy, p.call, w, v)
	}
	return res, err, true
}

// observe adds one timed call to the cost estimate.
func (p *poolStage[In, Out]) observe(d time.Duration) {
	ns := max(int64(d), 1)
	if old := p.est.Load(); old != 0 {
		ns = old + (ns-old)/4
	}
	p.est.Store(ns)
}

// piece is how many items of a chunk go to one worker together: enough
// to cost pieceCost, at most size, and one while the cost is unknown.
func (p *poolStage[In, Out]) piece(size int) int {
	e := p.est.Load()
	if e == 0 {
		return 1
	}
	return max(1, min(size, int(int64(pieceCost)/e)))
}

// split copies the chunks of in into pieces of piece() items on a new
// stream, so slow items spread over all the workers while cheap ones
// travel in full chunks.
func (p *poolStage[In, Out]) split(in *stage.Chunks[In]) *stage.Chunks[In] {
	r := p.r
	mid := stream[In](r, 1, in.Size())
	go func() {
		defer mid.Close()
		done := r.ctx.Done()
		for !r.stopped.Load() {
			c, ok := recv(done, in)
			if !ok {
				return
			}
			n := p.piece(in.Size())
			for i := 0; i < len(c); i += n {
				if !mid.Send(done, append(mid.Get(), c[i:min(i+n, len(c))]...)) {
					in.Put(c)
					return
				}
			}
			in.Put(c)
		}
	}()
	return mid
}
