package pool

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/internal/poolopt"
	"github.com/sluice-go/sluice/internal/seam"
	"github.com/sluice-go/sluice/internal/stages"
	"github.com/sluice-go/sluice/internal/typednil"
	"github.com/sluice-go/sluice/stage"
)

// Pool is a long-lived pool of workers that run tasks of type In and give
// results of type Out through futures. See the package doc for the queues,
// stopping and panics.
//
// Make one with [New], [NewStateful] or [NewOn]; the zero value is not usable. A Pool
// is safe for concurrent use and must not be copied. Stop or Cancel it to
// end its goroutines.
//
// Cost (BenchmarkSubmit, 8 workers, noop task, one producer): see the
// package doc.
type Pool[In, Out any] struct {
	opts     config
	timeout  time.Duration // the policy's, for messages
	host     *seam.Host[In, Out]
	lanes    int // group slots per worker: slot s serves worker s/lanes
	g        *stages.Group[*task[In, Out]]
	strategy balance.Strategy
	keyed    balance.KeyedStrategy
	pending  chan struct{} // holds a token per unsettled task, if capped
	free     func(Out, error)
	stopped  atomic.Bool
	stopping chan struct{} // closed once intake stops
	halt     sync.Once
	aborted  atomic.Bool
	workers  atomic.Pointer[[]*workerState[Out]] // by group slot, retired ones too
	resizeMu sync.Mutex

	epoch time.Time // what task times count from

	submitted atomic.Uint64
	dropped   atomic.Uint64
}

// task is one submitted task: its future and what the worker needs, in
// one allocation, so that a queue entry is a pointer.
type task[In, Out any] struct {
	f     future.Future[Out]
	p     future.Promise[Out] // f's
	in    In
	at    time.Duration // when submitted, since the pool's epoch; only for an Observer
	key   uint64        // SubmitKey's key if keyed, else SubmitPriority's priority
	keyed bool
	// phase is taskWaiting until the worker that took the task starts it
	// or a cancelling stop claims it first (see abort), whichever swaps
	// it first.
	phase atomic.Uint32
}

const (
	taskWaiting uint32 = iota
	taskStarted
	taskStopped
)

// prio returns t's priority: SubmitKey and Submit give 0.
func (t *task[In, Out]) prio() int {
	if t.keyed {
		return 0
	}
	return int(t.key)
}

// workerState is what the pool keeps per group slot (a worker, or one
// lane of one), on its own cache lines.
type workerState[Out any] struct {
	succeeded atomic.Uint64
	failed    atomic.Uint64
	cancelled atomic.Uint64
	_         [40]byte
}

// New returns a function pool: workers with no state of their own, each
// running fn for the tasks it is given, on its own
// goroutine. It returns an error naming the first bad option, or a nil fn.
// It is [NewOn] with the backend that calls fn.
func New[In, Out any](fn func(ctx context.Context, in In) (Out, error), opts ...Option) (*Pool[In, Out], error) {
	if fn == nil {
		return nil, fmt.Errorf("pool: New with nil function")
	}
	return newOn(context.Background(), seam.Func[In, Out](fn), "New", opts)
}

// NewStateful returns a pool of stateful workers, each with a W of its own:
// newWorker makes one W per worker, given the worker's index, and fn runs
// each task on its worker's W. Calls on one W never overlap, so W needs no
// locking of its own. fn takes W first so that a method expression fits:
// given func (c *Counter) Add(ctx context.Context, n int) (int, error),
// pass (*Counter).Add.
//
// A persistent pool makes every W before anything starts: if newWorker
// fails for any worker, or ctx ends during construction, NewStateful
// returns that error (naming the worker) and starts nothing; the states
// already made are closed if W is an io.Closer. ctx bounds the
// construction only. An on-demand pool ([WithOnDemand]) makes a worker's W
// when the worker first runs a task, under that task's context: if
// newWorker fails, that task fails with the error (naming the worker) and
// the worker's next task tries again.
//
// A worker's W lives as long as the worker: it is closed, if W is an
// io.Closer, when the worker ends, that is when an on-demand worker's
// goroutine ends after its linger, when a [Pool.Resize] retires the worker
// (once it has finished its task), and at [Pool.Stop] or [Pool.Cancel]. A
// worker that begins again gets a new W. Stop returns the errors Close
// returned, each naming its worker. A task that panics leaves its worker's
// W in place: the worker goes on with the same W. A task whose error
// matches [stage.ErrWorkerLost] says that its W is broken: the W is closed
// and the worker's next task gets a new one.
func NewStateful[W, In, Out any](ctx context.Context, newWorker func(ctx context.Context, id int) (W, error), fn func(w W, ctx context.Context, in In) (Out, error), opts ...Option) (*Pool[In, Out], error) {
	if newWorker == nil {
		return nil, fmt.Errorf("pool: NewStateful with nil worker constructor")
	}
	if fn == nil {
		return nil, fmt.Errorf("pool: NewStateful with nil function")
	}
	return newOn(ctx, seam.NewStateful("pool: ", newWorker, fn), "NewStateful", opts)
}

// NewOn returns a pool whose workers run their tasks through the backend
// b (see stage.Backend): the pool does the balancing, queues, stealing,
// limits, retries, timeouts, futures, Stats and the Observer, b only runs
// each attempt. A persistent pool starts every worker first if b is a
// stage.Starter, under ctx, which bounds that only; if that fails, NewOn
// returns the error and starts nothing. If b is a stage.Laned, each worker
// runs up to min(b.Lanes(), MaxQueued) tasks at once.
//
// The pool owns b from then on: it tells b when a worker ends and closes b
// once, at the end of [Pool.Stop] or [Pool.Cancel] (and if NewOn fails
// after its options were checked); Stop returns the error Close returned.
// It returns an error naming the first bad option; a nil ctx or b is an
// error too.
func NewOn[In, Out any](ctx context.Context, b stage.Backend[In, Out], opts ...Option) (*Pool[In, Out], error) {
	if b == nil || typednil.Is(b) {
		return nil, errors.New("pool: NewOn with nil backend")
	}
	return newOn(ctx, b, "NewOn", opts)
}

func newOn[In, Out any](ctx context.Context, b stage.Backend[In, Out], name string, opts []Option) (*Pool[In, Out], error) {
	if ctx == nil {
		return nil, fmt.Errorf("pool: %s with nil context", name)
	}
	o, err := poolopt.Resolve(opts)
	if err != nil {
		return nil, err
	}
	// The options are checked before any worker starts: bad options must
	// not cost the user workers they never get to use.
	policy := o.Policy()
	host, err := seam.NewHost(b, policy, o.MaxQueued)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("pool: %s: %w", name, err), b.Close())
	}
	lanes := host.Lanes()
	if o.MaxWorkers*lanes > maxWorkers {
		return nil, errors.Join(fmt.Errorf("pool: %s: %d workers of %d lanes: at most %d lanes in all", name, o.MaxWorkers, lanes, maxWorkers), b.Close())
	}
	if !o.OnDemand {
		if err := host.Start(ctx, 0, o.MaxWorkers); err != nil {
			return nil, errors.Join(err, host.Close())
		}
	}
	p := &Pool[In, Out]{
		opts:     o,
		timeout:  policy.Timeout,
		host:     host,
		lanes:    lanes,
		strategy: o.Strategy,
		stopping: make(chan struct{}),
		epoch:    time.Now(),
	}
	p.growStats(o.MaxWorkers * lanes)
	p.keyed, _ = o.Strategy.(balance.KeyedStrategy)
	if o.MaxPending > 0 {
		p.pending = make(chan struct{}, o.MaxPending)
		p.free = func(Out, error) { <-p.pending }
	}
	gopts := []stages.GroupOption{host.Hooks()}
	if o.OnDemand {
		gopts = append(gopts, stages.WithOnDemand(o.Linger))
	}
	if !o.Stealing {
		gopts = append(gopts, stages.WithoutStealing())
	}
	p.g = stages.NewGroup(o.MaxWorkers*lanes, p.handle, gopts...)
	return p, nil
}

// Name returns the pool's name, as given to [WithName].
func (p *Pool[In, Out]) Name() string { return p.opts.Name }

// Workers returns the number of workers now.
func (p *Pool[In, Out]) Workers() int { return p.g.Len() / p.lanes }

// worker returns the counters of group slot s.
func (p *Pool[In, Out]) worker(s int) *workerState[Out] { return (*p.workers.Load())[s] }

// growStats makes counters for group slots up to n, keeping those there
// are.
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
// persistent pool, those with work or lingering for an on-demand one. A
// worker with lanes (stage.Laned) has a goroutine per lane.
func (p *Pool[In, Out]) Alive() int { return p.g.Alive() }
