package pool

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

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
	pending  chan struct{} // holds a token per unsettled task, if capped
	free     func(Out, error)
	stopped  atomic.Bool
	stopping chan struct{} // closed once intake stops
	halt     sync.Once
	teardown func() error // closes the workers' states, if they are io.Closers
	closed   sync.Once
	closeErr error
	aborted  atomic.Bool
	workers  []workerState[Out]

	submitted atomic.Uint64
	dropped   atomic.Uint64
}

type task[In, Out any] struct {
	p  future.Promise[Out]
	in In
	at time.Time // when submitted; set only for an Observer
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
// If newWorker fails for any worker, or ctx ends during construction,
// NewStateful returns that error (naming the worker) and starts nothing; the
// states already made are closed if W is an io.Closer. A task that panics
// leaves its worker's W in place: the worker goes on with the same W. ctx
// bounds the construction only.
//
// If W is an io.Closer, the pool closes every W once its workers have
// exited, at the end of [Pool.Stop] or [Pool.Cancel]; Stop returns the
// errors Close returned.
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
	// Check the validator's type before building any W: bad options must
	// not cost the user worker states they never get to use.
	if _, err := Policy[Out](o); err != nil {
		return nil, err
	}
	states := make([]W, 0, o.MaxWorkers)
	for i := range o.MaxWorkers {
		if err := context.Cause(ctx); err != nil {
			return nil, errors.Join(fmt.Errorf("pool: worker %d: %w", i, err), closeAll(states))
		}
		w, err := newWorker(ctx, i)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("pool: worker %d: %w", i, err), closeAll(states))
		}
		states = append(states, w)
	}
	call := func(ctx context.Context, w int, in In) (Out, error) { return fn(states[w], ctx, in) }
	p, err := start(o, call)
	if err != nil {
		return nil, errors.Join(err, closeAll(states))
	}
	p.teardown = func() error { return closeAll(states) }
	return p, nil
}

// closeAll closes the states that are io.Closers and joins their errors.
func closeAll[W any](states []W) error {
	var errs []error
	for i, w := range states {
		if c, ok := any(w).(io.Closer); ok {
			if err := c.Close(); err != nil {
				errs = append(errs, fmt.Errorf("pool: closing worker %d: %w", i, err))
			}
		}
	}
	return errors.Join(errs...)
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
		stopping: make(chan struct{}),
	}
	p.keyed, _ = o.Strategy.(balance.KeyedStrategy)
	if o.MaxPending > 0 {
		p.pending = make(chan struct{}, o.MaxPending)
		p.free = func(Out, error) { <-p.pending }
	}
	gopts := []stage.GroupOption{stage.WithOverflow()}
	if o.OnDemand {
		gopts = append(gopts, stage.WithOnDemand(o.Linger))
	}
	p.g = stage.NewGroup(o.MaxWorkers, o.MaxQueued, p.handle, gopts...)
	return p, nil
}

// Name returns the pool's name, as given to [WithName].
func (p *Pool[In, Out]) Name() string { return p.opts.Name }

// Workers returns the number of workers.
func (p *Pool[In, Out]) Workers() int { return len(p.workers) }

// Alive returns the worker goroutines running now: all of them for a
// persistent pool, those with work or lingering for an on-demand one.
func (p *Pool[In, Out]) Alive() int { return p.g.Alive() }
