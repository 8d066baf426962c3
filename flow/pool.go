package flow

import (
	"context"
	"fmt"

	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/stage"
)

// Pool returns a flow of fn applied to each item of f by a pool of
// workers: the flow's one stage that runs user code in parallel. It takes
// the options package pool takes, with the same defaults (see
// pool.Options): the number of workers, the balance strategy, how many
// items wait per worker, on-demand workers with a linger, a per-attempt
// timeout, retries with backoff, a result validator and limits. All of it
// runs through the one implementation the pools use (stage.Map and
// stage.Run).
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
// pool.WithMaxPending and pool.WithName do not apply: a flow is bounded
// by its stages. Bad options make the sink return the error naming them.
// A nil fn panics.
//
// Pool is the type-changing form of [Flow.Pool]. With the items keyed by
// [Flow.Keyed] and balance.KeyAffinity, items with one key share a worker.
func Pool[In, Out any](f Flow[In], fn func(ctx context.Context, v In) (Out, error), opts ...pool.Option) Flow[Out] {
	if fn == nil {
		panic("flow: Pool with nil function")
	}
	call := func(ctx context.Context, _ int, v In) (Out, error) { return fn(ctx, v) }
	return poolFlow(f, "Pool", opts, func(*run, int) (caller[In, Out], error) { return call, nil })
}

// Pool returns a flow of fn applied to each item by a pool of workers,
// in input order unless [Flow.Unordered] follows. See the function
// [Pool], which can also change the item type.
func (f Flow[T]) Pool(fn func(ctx context.Context, v T) (T, error), opts ...pool.Option) Flow[T] {
	return Pool(f, fn, opts...).keep(f)
}

// PoolStateful is [Pool] with a state per worker (a client, a buffer, a
// model): when the flow runs, newWorker makes one W for each worker,
// given the worker's index from 0, before any item is taken; fn then runs
// each item with its worker's W. Calls on one W never overlap, so W needs
// no locking of its own. fn takes W first, as pool.NewStateful's does, so
// that a method expression such as (*Client).Fetch fits. The states live for one run. If newWorker fails
// or panics, the flow stops with that error, naming the worker. A nil
// newWorker or fn panics.
func PoolStateful[W, In, Out any](f Flow[In], newWorker func(ctx context.Context, id int) (W, error), fn func(w W, ctx context.Context, v In) (Out, error), opts ...pool.Option) Flow[Out] {
	if newWorker == nil {
		panic("flow: PoolStateful with nil worker constructor")
	}
	if fn == nil {
		panic("flow: PoolStateful with nil function")
	}
	setup := func(r *run, workers int) (caller[In, Out], error) {
		states := make([]W, workers)
		for i := range states {
			var err error
			if states[i], err = newState(r.ctx, newWorker, i); err != nil {
				return nil, errorf("worker %d: %w", i, err)
			}
		}
		return func(ctx context.Context, w int, v In) (Out, error) { return fn(states[w], ctx, v) }, nil
	}
	return poolFlow(f, "PoolStateful", opts, setup)
}

// newState calls newWorker, turning a panic or runtime.Goexit into an
// error.
func newState[W any](ctx context.Context, newWorker func(ctx context.Context, id int) (W, error), id int) (w W, err error) {
	returned := false
	defer func() {
		if !returned {
			err = recovered(recover())
		}
	}()
	w, err = newWorker(ctx, id)
	returned = true
	return w, err
}

// caller runs one item on worker w.
type caller[In, Out any] func(ctx context.Context, w int, v In) (Out, error)

// maxWindow is the most chunks a pool stage admits at once, unordered: its
// window, and its reorder ring ReorderFactor times that, are allocated
// when the flow runs.
const maxWindow = 1 << 18

// poolFlow adds a pool stage to f: its options are resolved now, its
// workers made (by setup) when the flow runs.
func poolFlow[In, Out any](f Flow[In], name string, opts []pool.Option, setup func(r *run, workers int) (caller[In, Out], error)) Flow[Out] {
	if f.err != nil {
		return Flow[Out]{err: f.err, last: name}
	}
	o, err := pool.NewOptions(opts...)
	if err != nil {
		return Flow[Out]{err: fmt.Errorf("flow: %s: %w", name, err), last: name}
	}
	policy, err := pool.Policy[Out](o)
	if err != nil {
		return Flow[Out]{err: fmt.Errorf("flow: %s: %w", name, err), last: name}
	}
	size := f.chunk()
	cfg := stage.Config[In]{
		Workers:  o.MaxWorkers,
		Queue:    max(1, (o.MaxQueued+size-1)/size),
		Strategy: o.Strategy,
		Key:      f.key,
		OnDemand: o.OnDemand,
		Linger:   o.Linger,
		NoSteal:  !o.Stealing,
	}
	// The stage's window and its reorder ring are made at full size.
	if w := cfg.Workers * (cfg.Queue + 1); w > maxWindow {
		return Flow[Out]{err: fmt.Errorf("flow: %s: %d workers with MaxQueued %d admit %d chunks at once: at most %d (MaxWorkers*(ceil(MaxQueued/%d)+1))",
			name, cfg.Workers, o.MaxQueued, w, maxWindow, size), last: name}
	}
	var mk func(ordered bool) Flow[Out]
	mk = func(ordered bool) Flow[Out] {
		cfg := cfg
		cfg.Ordered = ordered
		g := then(f, name, size, poolChunks(cfg)*size, f.total, func(r *run, in *stage.Chunks[In]) *stage.Chunks[Out] {
			return runPool(r, in, cfg, policy, setup)
		})
		g.reorder = func() Flow[Out] { return mk(false) }
		return g
	}
	return mk(true)
}

// poolChunks is the capacity in chunks of a pool stage: the splitter's
// chunk in hand and its output buffer, and stage.Map's capacity.
func poolChunks[In any](cfg stage.Config[In]) int {
	return 2 + cfg.Capacity(1)
}

// runPool starts a pool stage on in for r.
func runPool[In, Out any](r *run, in *stage.Chunks[In], cfg stage.Config[In], policy stage.Policy[Out], setup func(r *run, workers int) (caller[In, Out], error)) *stage.Chunks[Out] {
	call, err := setup(r, cfg.Workers)
	if err != nil {
		r.fatal(err)
		out := stage.NewChunks[Out](0, in.Size())
		out.Close()
		return out
	}
	p := &poolStage[In, Out]{
		r:      r,
		call:   call,
		policy: policy,
		plain:  policy.Plain(),
		slots:  make([]slot, cfg.Workers),
	}
	return watch(r, stage.Map(r.ctx, p.split(in), p.item, cfg))
}
