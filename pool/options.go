package pool

import (
	"time"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/internal/poolopt"
	"github.com/sluice-go/sluice/internal/typednil"
	"github.com/sluice-go/sluice/limiter"
)

// Option configures a pool (and a flow's pool stage, which takes the same
// options). Options are applied in order; a later one overrides an earlier.
//
// The defaults and the largest sizes, in one place:
//
//	Option           Default                                  At most
//	WithMaxWorkers   runtime.GOMAXPROCS(0)                    1<<16 (65,536)
//	WithStrategy     balance.RoundRobin(); Random() on demand
//	WithMaxQueued    16 tasks handed to each worker at once   1<<20
//	WithStealing     true: idle workers take queued tasks
//	WithOnDemand     off (persistent workers)
//	WithTimeout      none
//	WithRetry        one attempt, no retries
//	WithMaxPending   no cap on unfinished tasks               1<<30
//	WithLimit        none
//	WithObserver     none
//	WithName         ""
//
// The maxima are checked before anything is allocated, so a hostile or
// mistaken size (an unchecked count, an overflow) gets an error naming the
// option instead of an out-of-memory crash. Why these:
//
//   - MaxWorkers: a persistent pool starts every worker at once, each a
//     goroutine (a stack of 2 KiB or more; 8 KiB would be 512 MiB at the
//     maximum) with its own queue and counters. More workers than that
//     is far more often a mistake than a need; a wider fan-out can use
//     several pools.
//   - MaxQueued: a pool allocates nothing in proportion to it, but a
//     flow's pool stage admits MaxQueued items per worker and makes its
//     reorder window in proportion (flow.Pool checks the product).
//   - MaxPending: the cap itself costs nothing, but every pending task
//     holds its future and its input, so 1<<30 of them (100 GiB and more)
//     is beyond what a pool can hold: a larger cap would cap nothing.
//
// Durations (the timeout, the linger, backoffs) and retry attempts
// allocate nothing in proportion to their size and have no maximum.
//
// To check results, wrap the function with [Validate].
type Option func(*poolopt.Options[Observer])

// config is what an Option fills.
type config = poolopt.Options[Observer]

// PendingPolicy is what Submit does when a pool made [WithMaxPending] is
// full.
type PendingPolicy int

// The largest sizes the options take; see [Option].
const (
	maxWorkers = poolopt.MaxWorkers
	maxQueued  = poolopt.MaxQueued
	maxPending = poolopt.MaxPending
)

const (
	// Block waits for room, honouring the Submit context.
	Block PendingPolicy = iota
	// Fail returns a future failed with [ErrFull] at once.
	Fail
)

// WithMaxWorkers sets the number of workers: at least 1, at most 1<<16
// (65,536; see [Option]).
func WithMaxWorkers(n int) Option {
	return func(o *config) {
		if n < 1 {
			o.Fail("WithMaxWorkers(%d): want at least 1 worker", n)
		} else if n > maxWorkers {
			o.Fail("WithMaxWorkers(%d): at most %d workers", n, maxWorkers)
		}
		o.MaxWorkers = n
	}
}

// WithStrategy sets how tasks are spread over workers (see package
// balance). A nil s, or a typed nil such as (*T)(nil), is an error.
func WithStrategy(s balance.Strategy) Option {
	return func(o *config) {
		if typednil.Is(s) {
			o.Fail("WithStrategy(%s): want a strategy", typednil.Name(s))
		}
		o.Strategy = s
	}
}

// WithMaxQueued sets how many tasks are handed to each worker at once:
// taken from the worker's queue and not yet finished. At least 1. A worker
// on goroutines runs its tasks one at a time and takes its next task only
// when it has finished one, so it holds one task whatever n is; every
// other task waits in a queue, where a worker that runs out of work can
// take it (see [WithStealing]). For a flow's pool stage n also sets how
// many items the stage holds per worker (see flow.Pool). At most 1<<20.
func WithMaxQueued(n int) Option {
	return func(o *config) {
		if n < 1 {
			o.Fail("WithMaxQueued(%d): want at least 1", n)
		} else if n > maxQueued {
			o.Fail("WithMaxQueued(%d): at most %d tasks", n, maxQueued)
		}
		o.MaxQueued = n
	}
}

// WithStealing sets whether a task may run on another worker than the one
// the strategy placed it on (the default, true): a worker that runs out of
// work takes half of the queued tasks of the most loaded worker, and while
// a worker is idle, new tasks go to the worker that went idle last, so a
// free worker never waits while tasks queue elsewhere and an idle pool
// hands work to a warm goroutine. Tasks submitted with a key under a
// balance.KeyedStrategy never move. With WithStealing(false) every task
// runs where the strategy put it, as the strategy alone decides.
//
// Stateful pools steal too: each W belongs to a worker, not to a task, so
// any worker's W may run any task. A task that needs one worker's W (a
// cache warmed for a key) should say so with a key.
func WithStealing(on bool) Option {
	return func(o *config) { o.Stealing = on }
}

// WithOnDemand makes workers start when a task arrives for them and exit
// after linger with nothing to do, so bursts reuse warm workers and idle
// pools hold no goroutines. It also makes random the default strategy.
func WithOnDemand(linger time.Duration) Option {
	return func(o *config) {
		if linger < 0 {
			o.Fail("WithOnDemand(%v): linger is negative", linger)
		}
		o.OnDemand, o.Linger = true, linger
	}
}

// WithTimeout bounds each attempt of a task: its context is done after d
// with context.DeadlineExceeded. 0 means no timeout.
func WithTimeout(d time.Duration) Option {
	return func(o *config) {
		if d < 0 {
			o.Fail("WithTimeout(%v): timeout is negative", d)
		}
		o.Timeout = d
	}
}

// WithRetry retries failed tasks as r says, on the same worker: r.Attempts
// tries in all, waiting r.Backoff between them, for the errors r.If
// accepts. A bad r is an error naming WithRetry and the field. See
// [Retry].
func WithRetry(r Retry) Option {
	return func(o *config) {
		pr, err := r.policy()
		if err != nil {
			o.Fail("WithRetry: %v", err)
		}
		o.Retry = pr
	}
}

// WithMaxPending caps the tasks submitted and not yet finished at n; when
// full, Submit blocks (honouring its context) or fails with [ErrFull], as
// policy says. n is at least 1 and at most 1<<30 (see [Option]).
func WithMaxPending(n int, policy PendingPolicy) Option {
	return func(o *config) {
		if n < 1 {
			o.Fail("WithMaxPending(%d): want at least 1", n)
		} else if n > maxPending {
			o.Fail("WithMaxPending(%d): at most %d tasks", n, maxPending)
		}
		if policy != Block && policy != Fail {
			o.Fail("WithMaxPending: unknown policy %d", int(policy))
		}
		o.MaxPending, o.FailFull = n, policy == Fail
	}
}

// WithLimit makes every attempt of every task acquire l first (waiting, on
// the worker, until l grants it or the task's context is done) and release
// it when the attempt ends, however it ends. The task reaches its lease with
// limiter.FromContext(ctx) to report actual usage. One limit value passed to
// several pools and stages is one budget shared by all of them; combine
// several limits into a limiter.Set to acquire them all at once. A nil l,
// or a typed nil such as (*limiter.Limit)(nil), is an error.
func WithLimit(l limiter.Acquirer) Option {
	return func(o *config) {
		if typednil.Is(l) {
			o.Fail("WithLimit(%s): want a limit", typednil.Name(l))
		}
		o.Limit = l
	}
}

// WithName names the pool for observers and metrics ([Pool.Name], package
// poolprom).
func WithName(name string) Option {
	return func(o *config) { o.Name = name }
}
