package pool

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/stage"
)

// Pool is a long-lived pool of workers that run tasks of type In and give
// results of type Out through futures. See the package doc for the queues,
// stopping and panics.
//
// Make one with [New] or [NewStateful]; the zero value is not usable. A Pool
// is safe for concurrent use and must not be copied. Stop or Cancel it to
// end its goroutines.
//
// Cost (BenchmarkSubmit, 8 workers, noop task, one producer): see the
// package doc.
type Pool[In, Out any] struct {
	opts     Options
	policy   stage.Policy[Out]
	plain    bool
	call     func(ctx context.Context, worker int, in In) (Out, error)
	g        *stage.Group[task[In, Out]]
	strategy balance.Strategy
	keyed    balance.KeyedStrategy
	pending  chan struct{} // holds a token per pending task, if capped
	stopped  atomic.Bool
	aborted  atomic.Bool
	workers  []workerState[Out]

	submitted atomic.Uint64
	dropped   atomic.Uint64
}

type task[In, Out any] struct {
	p  future.Promise[Out]
	in In
}

// workerState is what the pool keeps per worker, on its own cache lines.
type workerState[Out any] struct {
	current   atomic.Pointer[future.Future[Out]] // the task running now
	running   atomic.Int64
	succeeded atomic.Uint64
	failed    atomic.Uint64
	cancelled atomic.Uint64
	_         [24]byte
}

// New returns a function pool: workers with no state of their own, each
// running fn for the tasks it is given (the seed's @task). It returns an
// error naming the first bad option, or a nil fn.
func New[In, Out any](fn func(ctx context.Context, in In) (Out, error), opts ...Option) (*Pool[In, Out], error) {
	if fn == nil {
		return nil, fmt.Errorf("pool: New with nil function")
	}
	o, err := NewOptions(opts...)
	if err != nil {
		return nil, err
	}
	call := func(ctx context.Context, _ int, in In) (Out, error) { return fn(ctx, in) }
	return start(o, call)
}

// NewStateful returns a pool of stateful workers (the seed's @worker class):
// newWorker makes one W per worker, given the worker's index, before
// anything starts, and fn runs each task on its worker's W. Calls on one W
// never overlap, so W needs no locking of its own. fn takes W first so that
// a method expression fits: given func (c *Counter) Add(ctx
// context.Context, n int) (int, error), pass (*Counter).Add.
//
// If newWorker fails for any worker, NewStateful returns that error (naming
// the worker) and starts nothing. A task that panics leaves its worker's W
// in place: the worker goes on with the same W. ctx bounds the
// construction only.
func NewStateful[W, In, Out any](ctx context.Context, newWorker func(ctx context.Context, id int) (W, error), fn func(w W, ctx context.Context, in In) (Out, error), opts ...Option) (*Pool[In, Out], error) {
	if newWorker == nil {
		return nil, fmt.Errorf("pool: NewStateful with nil worker constructor")
	}
	if fn == nil {
		return nil, fmt.Errorf("pool: NewStateful with nil function")
	}
	o, err := NewOptions(opts...)
	if err != nil {
		return nil, err
	}
	states := make([]W, o.MaxWorkers)
	for i := range states {
		if states[i], err = newWorker(ctx, i); err != nil {
			return nil, fmt.Errorf("pool: worker %d: %w", i, err)
		}
	}
	call := func(ctx context.Context, w int, in In) (Out, error) { return fn(states[w], ctx, in) }
	return start(o, call)
}

func start[In, Out any](o Options, call func(ctx context.Context, worker int, in In) (Out, error)) (*Pool[In, Out], error) {
	policy, err := Policy[Out](o)
	if err != nil {
		return nil, err
	}
	p := &Pool[In, Out]{
		opts:     o,
		policy:   policy,
		plain:    policy.Plain(),
		call:     call,
		strategy: o.Strategy,
		workers:  make([]workerState[Out], o.MaxWorkers),
	}
	p.keyed, _ = o.Strategy.(balance.KeyedStrategy)
	if o.MaxPending > 0 {
		p.pending = make(chan struct{}, o.MaxPending)
	}
	gopts := []stage.GroupOption{stage.WithOverflow()}
	if o.OnDemand {
		gopts = append(gopts, stage.WithOnDemand(o.Linger))
	}
	p.g = stage.NewGroup(o.MaxWorkers, o.MaxQueued, p.handle, gopts...)
	return p, nil
}

// Workers returns the number of workers.
func (p *Pool[In, Out]) Workers() int { return len(p.workers) }

// Alive returns the worker goroutines running now: all of them for a
// persistent pool, those with work or lingering for an on-demand one.
func (p *Pool[In, Out]) Alive() int { return p.g.Alive() }
