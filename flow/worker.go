package flow

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/internal/seam"
	"github.com/sluice-go/sluice/internal/stages"
	"github.com/sluice-go/sluice/pool"
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
	r     *run
	host  *seam.Host[In, Out]
	obs   pool.Observer // nil if none
	name  string        // for obs
	slots []slot        // by group slot: a worker, or a lane of one
	est   atomic.Int64  // ns per call, a moving average; 0 until measured
}

// slot is what a pool stage keeps per group slot, on its own cache line.
type slot struct {
	calls  uint32
	placed time.Time // when the chunk it runs was placed; only with obs
	_      [32]byte
}

// item is the function stages.Map calls for every item on worker w.
func (p *poolStage[In, Out]) item(ctx context.Context, w int, v In, out []Out) []Out {
	if p.r.stopped.Load() {
		return out
	}
	s := &p.slots[w]
	s.calls++
	if p.obs != nil {
		return p.observed(ctx, s, w, v, out)
	}
	if s.calls%sampleEvery != 1 {
		res, err, ok := p.invoke(ctx, s, w, v)
		return p.settle(out, res, err, ok)
	}
	t0 := time.Now()
	res, err, ok := p.invoke(ctx, s, w, v)
	p.observe(time.Since(t0))
	return p.settle(out, res, err, ok)
}

// observed is item with an observer, which hears of every item: the
// clock is read for each anyway. The item runs under a catch of its own,
// so that the observer hears of an item that panics or calls
// runtime.Goexit too, with its error; the flow then stops as around
// stops it.
func (p *poolStage[In, Out]) observed(ctx context.Context, s *slot, w int, v In, out []Out) []Out {
	worker := p.host.Worker(w)
	t0 := time.Now()
	end := pool.TaskEnd{Pool: p.name, Worker: worker, Waited: t0.Sub(s.placed)}
	ctx = p.started(ctx, pool.TaskStart{Pool: end.Pool, Worker: worker, Waited: end.Waited})
	var res Out
	var err error
	perr := p.host.Catch(func() { res, err = p.host.Call(ctx, worker, v, nil) }, func() {
		end.Ran, end.Outcome, end.Err = time.Since(t0), pool.Failed, future.ErrGoexit
		p.finished(ctx, end) // around stops the flow as the goroutine unwinds
	})
	end.Ran = time.Since(t0)
	p.observe(end.Ran)
	if perr != nil {
		end.Outcome, end.Err = pool.Failed, perr
		p.finished(ctx, end)
		// Stop the flow with the panic, then unwind the chunk as an
		// uncaught panic would: around records nothing more, as the flow
		// is already stopping.
		p.r.fatal(perr)
		panic(perr)
	}
	end.Err = err
	switch {
	case err == nil:
		end.Outcome = pool.Succeeded
	case p.r.stopped.Load() || p.r.ctx.Err() != nil: // stopped is set a moment after ctx ends
		end.Outcome = pool.Cancelled
	default:
		end.Outcome = pool.Failed
	}
	p.finished(ctx, end)
	return p.settle(out, res, err, true)
}

// took is the stage's hook for a worker taking a chunk.
func (p *poolStage[In, Out]) took(w int, placed time.Time) { p.slots[w].placed = placed }

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

// invoke makes the attempts of one item on group slot w through the host
// (seam.Host.Call); around catches what they throw.
func (p *poolStage[In, Out]) invoke(ctx context.Context, _ *slot, w int, v In) (Out, error, bool) {
	res, err := p.host.Call(ctx, p.host.Worker(w), v, nil)
	return res, err, true
}

// around is the stage's hook around each chunk a worker runs: a panic in
// an item (once per chunk: the flow stops at the first) is recorded and
// stops the flow, as runtime.Goexit does, with future.ErrGoexit.
func (p *poolStage[In, Out]) around(w int, run func()) {
	if err := p.host.Catch(run, p.goexit); err != nil {
		p.r.fatal(err)
	}
}

func (p *poolStage[In, Out]) goexit() { p.r.fatal(future.ErrGoexit) }

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
func (p *poolStage[In, Out]) split(in *stages.Chunks[In]) *stages.Chunks[In] {
	r := p.r
	mid := stream[In](r, 1, in.Size())
	go func() {
		defer mid.Close()
		done := r.ctx.Done()
		for !r.stopped.Load() {
			c, ok := stages.Recv(done, in)
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
