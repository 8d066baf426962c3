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
	workers  atomic.Pointer[[]*workerState[Out]] // by worker index, retired ones too
	resizeMu sync.Mutex
	grow     func(ctx context.Context, n int) error // makes states for workers up to n

	epoch time.Time // what task times count from

	submitted atomic.Uint64
	dropped   atomic.Uint64
}

type task[In, Out any] struct {
	p     future.Promise[Out]
	in    In
	at    time.Duration // when submitted, since the pool's epoch; only for an Observer
	prio  int
	key   uint64
	keyed bool
}

// workerState is what the pool keeps per worker, on its own cache lines.
type workerState[Out any] struct {
	current   atomic.Pointer[future.Future[Out]] // the task running now, if any
	succeeded atomic.Uint64
	failed    atomic.Uint64
	cancelled atomic.Uint64
	_         [32]byte
}

// New returns a function pool: workers with no state of their own, each
// running fn for the tasks it is given. It returns an error naming the
// first bad option, or a nil fn.
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

// NewStateful returns a pool of stateful workers, each with a W of its own:
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
	if ctx == nil {
		return nil, errors.New("pool: NewStateful with nil context")
	}
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
	var states atomic.Pointer[[]W]
	// grow makes the states of workers len..n-1; only Resize calls it after
	// start, under the pool's resize lock, and it publishes a new slice so
	// running workers read theirs without a lock.
	grow := func(ctx context.Context, n int) error {
		old := states.Load()
		have := 0
		if old != nil {
			have = len(*old)
		}
		if n <= have {
			return nil
		}
		made := make([]W, have, n)
		if old != nil {
			copy(made, *old)
		}
		for i := have; i < n; i++ {
			if err := context.Cause(ctx); err != nil {
				return errors.Join(fmt.Errorf("pool: worker %d: %w", i, err), closeAll(made[have:]))
			}
			w, err := newWorker(ctx, i)
			if err != nil {
				return errors.Join(fmt.Errorf("pool: worker %d: %w", i, err), closeAll(made[have:]))
			}
			made = append(made, w)
		}
		states.Store(&made)
		return nil
	}
	if err := grow(ctx, o.MaxWorkers); err != nil {
		return nil, err
	}
	call := func(ctx context.Context, w int, in In) (Out, error) { return fn((*states.Load())[w], ctx, in) }
	p, err := start(o, call)
	if err != nil {
		return nil, errors.Join(err, closeAll(*states.Load()))
	}
	p.grow = grow
	p.teardown = func() error { return closeAll(*states.Load()) }
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
		stopping: make(chan struct{}),
		epoch:    time.Now(),
	}
	p.growStats(o.MaxWorkers)
	p.keyed, _ = o.Strategy.(balance.KeyedStrategy)
	if o.MaxPending > 0 {
		p.pending = make(chan struct{}, o.MaxPending)
		p.free = func(Out, error) { <-p.pending }
	}
	var gopts []stage.GroupOption
	if o.OnDemand {
		gopts = append(gopts, stage.WithOnDemand(o.Linger))
	}
	if !o.Stealing {
		gopts = append(gopts, stage.WithoutStealing())
	}
	p.g = stage.NewGroup(o.MaxWorkers, p.handle, gopts...)
	return p, nil
}

// Name returns the pool's name, as given to [WithName].
func (p *Pool[In, Out]) Name() string { return p.opts.Name }

// Workers returns the number of workers now.
func (p *Pool[In, Out]) Workers() int { return p.g.Len() }

// worker returns the counters of worker w.
func (p *Pool[In, Out]) worker(w int) *workerState[Out] { return (*p.workers.Load())[w] }

// growStats makes counters for workers up to n, keeping those there are.
func (p *Pool[In, Out]) growStats(n int) {
	var ws []*workerState[Out]
	if old := p.workers.Load(); old != nil {
		ws = *old
	}
	if n <= len(ws) {
		return
	}
	ws = append(ws[:len(ws):len(ws)], make([]*workerState[Out], n-len(ws))...)
	for i := range ws {
		if ws[i] == nil {
			ws[i] = new(workerState[Out])
		}
	}
	p.workers.Store(&ws)
}

// Alive returns the worker goroutines running now: all of them for a
// persistent pool, those with work or lingering for an on-demand one.
func (p *Pool[In, Out]) Alive() int { return p.g.Alive() }
