package pool_test

import (
	"context"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/limiter"
	"github.com/sluice-go/sluice/pool"
)

// The documented maxima (see pool.Option), restated here so that the
// fuzz target checks the documentation, not a copy of the code.
const (
	docMaxWorkers = 1 << 16
	docMaxQueued  = 1 << 20
	docMaxPending = 1 << 30
)

// poolCase is what the fuzzer picks: which options to pass and their
// values. A set bit in set passes the option.
type poolCase struct {
	set                    uint16
	workers, queued        int
	pending                int
	policy                 uint8
	timeout, linger        int64
	attempts               int
	base, ceiling          int64
	kind                   int8
	strategy, limit, watch uint8
}

const (
	setWorkers = 1 << iota
	setQueued
	setPending
	setTimeout
	setOnDemand
	setRetry
	setStrategy
	setLimit
	setObserver
)

// options returns the options c describes and the names of those whose
// values the documentation says are out of range.
func (c poolCase) options() (opts []pool.Option, bad []string) {
	if c.set&setWorkers != 0 {
		opts = append(opts, pool.WithMaxWorkers(c.workers))
		if c.workers < 1 || c.workers > docMaxWorkers {
			bad = append(bad, "WithMaxWorkers")
		}
	}
	if c.set&setQueued != 0 {
		opts = append(opts, pool.WithMaxQueued(c.queued))
		if c.queued < 1 || c.queued > docMaxQueued {
			bad = append(bad, "WithMaxQueued")
		}
	}
	if c.set&setPending != 0 {
		opts = append(opts, pool.WithMaxPending(c.pending, pool.PendingPolicy(c.policy)))
		if c.pending < 1 || c.pending > docMaxPending || c.policy > 1 {
			bad = append(bad, "WithMaxPending")
		}
	}
	if c.set&setTimeout != 0 {
		opts = append(opts, pool.WithTimeout(time.Duration(c.timeout)))
		if c.timeout < 0 {
			bad = append(bad, "WithTimeout")
		}
	}
	if c.set&setOnDemand != 0 {
		opts = append(opts, pool.WithOnDemand(time.Duration(c.linger)))
		if c.linger < 0 {
			bad = append(bad, "WithOnDemand")
		}
	}
	if c.set&setRetry != 0 {
		base, ceiling := time.Duration(c.base), time.Duration(c.ceiling)
		var b pool.Backoff
		switch uint8(c.kind) % 6 {
		case 0:
			b, ceiling = pool.Constant(base), 0
		case 1:
			b = pool.Linear(base, ceiling)
		case 2:
			b = pool.Exponential(base, ceiling)
		case 3:
			b = pool.Fibonacci(base, ceiling)
		case 4:
			step := base
			b, base, ceiling = pool.BackoffFunc(func(retry int) time.Duration { return time.Duration(retry) * step }), 0, 0
		default: // no backoff: base and ceiling are not given to anything
			base, ceiling = 0, 0
		}
		opts = append(opts, pool.WithRetry(pool.Retry{Attempts: c.attempts, Backoff: b, Jitter: c.kind%2 == 0}))
		if c.attempts < 0 || base < 0 || ceiling < 0 {
			bad = append(bad, "WithRetry")
		}
	}
	if c.set&setStrategy != 0 {
		names := balance.Names()
		switch i := int(c.strategy) % (len(names) + 2); {
		case i < len(names):
			s, err := balance.ByName(names[i])
			if err != nil {
				panic(err)
			}
			opts = append(opts, pool.WithStrategy(s))
		case i == len(names):
			opts = append(opts, pool.WithStrategy(nil))
			bad = append(bad, "WithStrategy")
		default:
			opts = append(opts, pool.WithStrategy((*nilStrategy)(nil)))
			bad = append(bad, "WithStrategy")
		}
	}
	if c.set&setLimit != 0 {
		switch c.limit % 3 {
		case 0:
			lim, err := limiter.NewResourceLimit("fuzz", 1+int64(c.limit%4))
			if err != nil {
				panic(err)
			}
			opts = append(opts, pool.WithLimit(lim))
		case 1:
			opts = append(opts, pool.WithLimit(nil))
			bad = append(bad, "WithLimit")
		default:
			opts = append(opts, pool.WithLimit((*limiter.Limit)(nil)))
			bad = append(bad, "WithLimit")
		}
	}
	if c.set&setObserver != 0 {
		if c.watch%2 == 0 {
			opts = append(opts, pool.WithObserver(&nilObserver{}))
		} else {
			opts = append(opts, pool.WithObserver((*nilObserver)(nil)))
			bad = append(bad, "WithObserver")
		}
	}
	return opts, bad
}

// cheap reports whether a pool of c (valid) is small enough to build and
// run on every fuzz iteration. Larger valid sizes are accepted by the
// model above and built once by TestPoolOfTheMostWorkers.
func (c poolCase) cheap() bool {
	workers, queued := runtime.GOMAXPROCS(0), 16
	if c.set&setWorkers != 0 {
		workers = c.workers
	}
	if c.set&setQueued != 0 {
		queued = c.queued
	}
	return workers <= 64 && workers*queued <= 4096
}

// FuzzOptions: whatever sizes, durations and values the options get,
// constructing a pool either returns an error that starts "pool: " and
// names an option whose value is out of its documented range, or gives a
// pool that runs a few tasks correctly and stops without leaking a
// goroutine. Never a panic, never an out-of-memory crash: sizes past the
// maxima are refused before anything is allocated.
//
//	go test -run='^$' -fuzz=FuzzOptions -fuzztime=20s ./pool
func FuzzOptions(f *testing.F) {
	all := uint16(setWorkers | setQueued | setPending | setTimeout | setOnDemand | setRetry | setStrategy | setLimit | setObserver)
	f.Add(uint16(0), 0, 0, 0, uint8(0), int64(0), int64(0), 0, int64(0), int64(0), int8(0), uint8(0), uint8(0), uint8(0))
	f.Add(all, 4, 16, 8, uint8(0), int64(time.Second), int64(time.Millisecond), 3, int64(time.Millisecond), int64(time.Second), int8(2), uint8(1), uint8(0), uint8(0))
	f.Add(all, 2, 1, 1, uint8(1), int64(1), int64(0), 1, int64(0), int64(0), int8(0), uint8(3), uint8(3), uint8(2))
	f.Add(uint16(setWorkers), 1<<40, 0, 0, uint8(0), int64(0), int64(0), 0, int64(0), int64(0), int8(0), uint8(0), uint8(0), uint8(0))
	f.Add(uint16(setWorkers), math.MaxInt, 0, 0, uint8(0), int64(0), int64(0), 0, int64(0), int64(0), int8(0), uint8(0), uint8(0), uint8(0))
	f.Add(uint16(setQueued), 0, 1<<40, 0, uint8(0), int64(0), int64(0), 0, int64(0), int64(0), int8(0), uint8(0), uint8(0), uint8(0))
	f.Add(uint16(setWorkers|setQueued), 1<<16, 1<<20, 0, uint8(0), int64(0), int64(0), 0, int64(0), int64(0), int8(0), uint8(0), uint8(0), uint8(0))
	f.Add(uint16(setPending), 0, 0, math.MaxInt, uint8(0), int64(0), int64(0), 0, int64(0), int64(0), int8(0), uint8(0), uint8(0), uint8(0))
	f.Add(uint16(setTimeout|setOnDemand|setRetry), 0, 0, 0, uint8(0), int64(math.MaxInt64), int64(math.MaxInt64), math.MaxInt, int64(math.MaxInt64), int64(math.MaxInt64), int8(1), uint8(0), uint8(0), uint8(0))
	f.Add(uint16(setWorkers|setQueued|setTimeout|setOnDemand), -1, -1, 0, uint8(0), int64(math.MinInt64), int64(-1), 0, int64(0), int64(0), int8(0), uint8(0), uint8(0), uint8(0))
	f.Add(uint16(setStrategy|setLimit|setObserver), 0, 0, 0, uint8(0), int64(0), int64(0), 0, int64(0), int64(0), int8(0), uint8(200), uint8(2), uint8(1))
	f.Fuzz(func(t *testing.T, set uint16, workers, queued, pending int, policy uint8, timeout, linger int64,
		attempts int, base, ceiling int64, kind int8, strategy, limit, watch uint8) {
		c := poolCase{set, workers, queued, pending, policy, timeout, linger, attempts, base, ceiling, kind, strategy, limit, watch}
		opts, bad := c.options()

		_, err := pool.NewOptions(opts...)
		checkOptionsError(t, err, bad)
		if err != nil || !c.cheap() {
			return
		}
		defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
		p, err := pool.New(double, opts...)
		if err != nil {
			t.Fatalf("NewOptions accepted what New refused: %v", err)
		}
		ctx := context.Background()
		// A timeout shorter than a noop task fails every attempt, and
		// retries then wait out their backoff, which the fuzzer may make
		// astronomically long: that is what the options say, not a hang,
		// so such a pool gets a deadline and is cancelled at it.
		slow := c.set&setTimeout != 0 && c.timeout > 0 && c.set&setRetry != 0 && c.attempts > 1
		const tasks = 5
		for i := range tasks {
			wait := ctx
			if slow {
				var cancel context.CancelFunc
				wait, cancel = context.WithTimeout(ctx, 100*time.Millisecond)
				defer cancel()
			}
			v, err := p.Submit(ctx, i).Await(wait)
			if slow && wait.Err() != nil {
				p.Cancel()
				return
			}
			switch {
			case errors.Is(err, pool.ErrFull) && c.set&setPending != 0 && c.policy == uint8(pool.Fail):
				// A pool of n pending that fails fast may still count the
				// task before this one.
			case errors.Is(err, context.DeadlineExceeded) && c.set&setTimeout != 0 && c.timeout > 0:
				// A timeout short enough fails even a noop task.
			case err != nil:
				t.Fatalf("task %d: %v", i, err)
			case v != 2*i:
				t.Fatalf("task %d gave %d", i, v)
			}
		}
		if err := p.Stop(ctx); err != nil {
			t.Fatalf("Stop: %v", err)
		}
		if _, err := p.Submit(ctx, 0).Await(ctx); !errors.Is(err, pool.ErrStopped) {
			t.Fatalf("Submit after Stop: %v", err)
		}
		if n := p.Alive(); n != 0 {
			t.Fatalf("%d workers alive after Stop", n)
		}
	})
}

// checkOptionsError checks err against the options the model found out
// of range: none and no error, or an error that starts "pool: " and names
// one of them.
func checkOptionsError(t *testing.T, err error, bad []string) {
	t.Helper()
	if len(bad) == 0 {
		if err != nil {
			t.Fatalf("valid options refused: %v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("options out of range accepted: %v", bad)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "pool: ") {
		t.Fatalf("%q lacks the package prefix", msg)
	}
	for _, name := range bad {
		if strings.HasPrefix(msg, "pool: "+name) {
			return
		}
	}
	t.Fatalf("%q names none of %v", msg, bad)
}
