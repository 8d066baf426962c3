package flow

import (
	"context"
	"errors"
	"fmt"

	"github.com/sourcegraph/conc/panics"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/internal/policy"
	"github.com/sluice-go/sluice/internal/poolopt"
	"github.com/sluice-go/sluice/internal/seam"
	"github.com/sluice-go/sluice/internal/stages"
	"github.com/sluice-go/sluice/internal/typednil"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/stage"
)

// Pool returns a flow of fn applied to each item of f by a pool of
// workers: the flow's one stage that runs user code in parallel. It takes
// the options package pool takes, with the same defaults (see
// pool.Option): the number of workers, the balance strategy, how many
// items wait per worker, on-demand workers with a linger, a per-attempt
// timeout, retries with backoff, limits, an observer and a name for it;
// to check results, wrap fn with pool.Validate. All of it runs through
// the one implementation the pools use (the same worker groups and task
// policy, and the backend seam stage.Backend with its one invocation
// path); Pool is [PoolOn] with the backend that calls fn on the worker's
// goroutine.
//
// Results come out in input order unless [Flow.Unordered] follows; see
// "Order" in the package documentation. An item whose fn fails (after its
// retries) stops the flow, or with [WithContinueOnError] is dropped and
// its error kept. A panic stops the flow with a *future.PanicError. fn
// gets the run's context, done when the flow stops.
//
// pool.WithMaxQueued(n) counts items, but workers are fed chunks: the
// stage admits ceil(n/64)+1 chunks per worker at once, queued or running
// (default 16 items: two chunks per worker), sixteen times as many when
// ordered, and idle workers take queued chunks from busy ones unless
// pool.WithStealing(false). Chunks of cheap items hold up to 64
// items; the stage measures what an item costs and sends slow items one
// by one, so every worker gets work however few items there are.
//
// pool.WithObserver hears of every item as a pool's observer hears of a
// task, under the pool.WithName name: the worker, how long the item waited
// since its chunk was placed on a worker (behind the items before it in
// that chunk included), how long it ran, its outcome (cancelled if the
// flow was stopping when it failed) and its error, once at its start and
// once at its end, a panic and runtime.Goexit included; fn runs with the
// context TaskStarted returns. pool.WithMaxPending does not apply to
// a stream, which is bounded by its stages: it is an error naming it. Bad
// options make the sink return the error naming them. A nil fn panics.
//
// Pool is the type-changing form of [Flow.Pool]. With the items keyed by
// [Flow.Keyed] and balance.KeyAffinity, items with one key share a worker.
func Pool[In, Out any](f Flow[In], fn func(ctx context.Context, v In) (Out, error), opts ...pool.Option) Flow[Out] {
	if fn == nil {
		panic("flow: Pool with nil function")
	}
	return poolFlow(f, "Pool", opts, func() stage.Backend[In, Out] { return seam.Func[In, Out](fn) })
}

// Pool returns a flow of fn applied to each item by a pool of workers,
// in input order unless [Flow.Unordered] follows. See the function
// [Pool], which can also change the item type.
func (f Flow[T]) Pool(fn func(ctx context.Context, v T) (T, error), opts ...pool.Option) Flow[T] {
	return Pool(f, fn, opts...).keep(f)
}

// PoolStateful is [Pool] with a state per worker (a client, a buffer, a
// model), made by newWorker given the worker's index from 0; fn then runs
// each item with its worker's W. Calls on one W never overlap, so W needs
// no locking of its own. fn takes W first, as pool.NewStateful's does, so
// that a method expression such as (*Client).Fetch fits.
//
// Each run makes its own states, with the lifecycle of pool.NewStateful:
// with persistent workers every W is made when the run starts, before any
// item is taken, and if newWorker fails or panics the flow stops with that
// error, naming the worker; on demand (pool.WithOnDemand) a worker's W is
// made when the worker first runs an item, and if that fails the item
// fails with the error and the worker's next item tries again. A W that
// is an io.Closer is closed exactly once: when its worker's goroutine ends
// (after the linger, on demand), at the end of the run, whether it ended
// well or with an error, and when a constructor fails part-way (the states
// made before it). An fn error matching stage.ErrWorkerLost closes the W
// and gives the worker's next item a new one. An error from Close stops
// the flow, if it has not stopped already. A nil newWorker or fn panics.
func PoolStateful[W, In, Out any](f Flow[In], newWorker func(ctx context.Context, id int) (W, error), fn func(w W, ctx context.Context, v In) (Out, error), opts ...pool.Option) Flow[Out] {
	if newWorker == nil {
		panic("flow: PoolStateful with nil worker constructor")
	}
	if fn == nil {
		panic("flow: PoolStateful with nil function")
	}
	return poolFlow(f, "PoolStateful", opts, func() stage.Backend[In, Out] {
		return seam.NewStateful("flow: ", newWorker, fn)
	})
}

// PoolOn is [Pool] with each item run through a backend (stage.Backend): a
// worker process, a remote worker. Each run of the flow calls newBackend
// once for a backend of its own, and owns it: it starts its workers first
// if it is a stage.Starter and the workers are persistent (an error stops
// the flow), tells it when a worker's goroutine ends, and closes it once
// every worker has returned (an error from Close stops the flow, if it has
// not stopped already). If the backend is a stage.Laned, each worker runs
// up to min(Lanes(), MaxQueued) items at once, and the stage holds that
// many times more chunks than [Flow.Capacity] says, which counts one lane
// per worker. A nil newBackend panics; a nil backend stops the flow.
func PoolOn[In, Out any](f Flow[In], newBackend func() stage.Backend[In, Out], opts ...pool.Option) Flow[Out] {
	if newBackend == nil {
		panic("flow: PoolOn with nil backend constructor")
	}
	return poolFlow(f, "PoolOn", opts, newBackend)
}

// maxWindow is the most chunks a pool stage admits at once, unordered: its
// window, and its reorder ring ReorderFactor times that, are allocated
// when the flow runs.
const maxWindow = 1 << 18

// stageSpec is a pool stage's resolved options.
type stageSpec[In, Out any] struct {
	name       string
	size       int // the chunk size
	cfg        stages.Config[In]
	policy     policy.Policy
	opts       poolopt.Options[pool.Observer]
	newBackend func() stage.Backend[In, Out]
}

// poolFlow adds a pool stage to f: its options are resolved now, its
// backend made when the flow runs.
func poolFlow[In, Out any](f Flow[In], name string, opts []pool.Option, newBackend func() stage.Backend[In, Out]) Flow[Out] {
	if f.err != nil {
		return Flow[Out]{err: f.err, last: name}
	}
	o, err := poolopt.Resolve(opts)
	if err != nil {
		return Flow[Out]{err: fmt.Errorf("flow: %s: %w", name, err), last: name}
	}
	if o.MaxPending > 0 {
		return Flow[Out]{err: fmt.Errorf("flow: %s: pool.WithMaxPending(%d) does not apply to a flow, which its stages bound", name, o.MaxPending), last: name}
	}
	policy := o.Policy()
	size := f.chunk()
	cfg := stages.Config[In]{
		Workers:  o.MaxWorkers,
		Queue:    max(1, (o.MaxQueued+size-1)/size),
		Strategy: o.Strategy,
		Key:      f.key,
		OnDemand: o.OnDemand,
		Linger:   o.Linger,
		NoSteal:  !o.Stealing,
	}
	// The stage's window and its reorder ring are made at full size.
	if err := checkWindow(name, cfg, o.MaxQueued, size); err != nil {
		return Flow[Out]{err: err, last: name}
	}
	spec := stageSpec[In, Out]{name: name, size: size, cfg: cfg, policy: policy, opts: o, newBackend: newBackend}
	var mk func(ordered bool) Flow[Out]
	mk = func(ordered bool) Flow[Out] {
		spec := spec
		spec.cfg.Ordered = ordered
		g := then(f, name, size, poolChunks(spec.cfg)*size, f.total, func(r *run, in *stages.Chunks[In]) *stages.Chunks[Out] {
			return runPool(r, in, spec)
		})
		g.reorder = func() Flow[Out] { return mk(false) }
		return g
	}
	return mk(true)
}

// checkWindow fails if cfg's stage would admit more than maxWindow chunks.
func checkWindow[In any](name string, cfg stages.Config[In], maxQueued, size int) error {
	if w := cfg.Workers * (cfg.Queue + 1); w > maxWindow {
		return fmt.Errorf("flow: %s: %d workers with MaxQueued %d admit %d chunks at once: at most %d (MaxWorkers*(ceil(MaxQueued/%d)+1))",
			name, cfg.Workers, maxQueued, w, maxWindow, size)
	}
	return nil
}

// poolChunks is the capacity in chunks of a pool stage: the splitter's
// chunk in hand and its output buffer, and stages.Map's capacity.
func poolChunks[In any](cfg stages.Config[In]) int {
	return 2 + cfg.Capacity(1)
}

// runPool starts a pool stage on in for r: it makes the stage's backend
// and the host that runs it, starts persistent workers, and gives the
// group's worker hooks and the closing of the backend to stages.Map.
func runPool[In, Out any](r *run, in *stages.Chunks[In], spec stageSpec[In, Out]) *stages.Chunks[Out] {
	host, err := newHost(r, spec)
	if err != nil {
		r.fatal(err)
		out := stages.NewChunks[Out](0, in.Size())
		out.Close()
		return out
	}
	cfg := spec.cfg
	cfg.Workers *= host.Lanes()
	cfg.Started, cfg.Ended = host.Started, host.Ended
	cfg.Closed = func() {
		if err := host.Close(); err != nil {
			r.fatal(err)
		}
	}
	p := &poolStage[In, Out]{
		r:     r,
		host:  host,
		obs:   spec.opts.Observer,
		name:  spec.opts.Name,
		slots: make([]slot, cfg.Workers),
	}
	cfg.Around = p.around
	if p.obs != nil {
		cfg.Took = p.took
	}
	return watch(r, stages.Map(r.ctx, p.split(in), p.item, cfg))
}

// newHost makes the stage's backend and host for r and starts persistent
// workers; on an error, whatever it made is closed.
func newHost[In, Out any](r *run, spec stageSpec[In, Out]) (*seam.Host[In, Out], error) {
	b := spec.newBackend()
	if b == nil || typednil.Is(b) {
		return nil, errorf("%s: nil backend", spec.name)
	}
	host, err := seam.NewHost(b, spec.policy, spec.opts.MaxQueued)
	if err != nil {
		return nil, errors.Join(errorf("%s: %w", spec.name, err), b.Close())
	}
	cfg := spec.cfg
	cfg.Workers *= host.Lanes()
	if err := checkWindow(spec.name, cfg, spec.opts.MaxQueued, spec.size); err != nil {
		return nil, errors.Join(err, host.Close())
	}
	if spec.opts.OnDemand {
		return host, nil
	}
	// A constructor that panics stops the flow with the panic; one that
	// calls runtime.Goexit ends the sink's goroutine, as it asked.
	if rec := panics.Try(func() { err = host.Start(r.ctx, 0, spec.cfg.Workers) }); rec != nil {
		err = &future.PanicError{Value: rec.Value, Stack: rec.Stack}
	}
	if err != nil {
		return nil, errors.Join(err, host.Close())
	}
	return host, nil
}
