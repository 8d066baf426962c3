package pool_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/internal/policy"
	"github.com/sluice-go/sluice/limiter"
	"github.com/sluice-go/sluice/pool"
)

func TestNewOptionsDefaults(t *testing.T) {
	o, err := pool.NewOptions()
	require.NoError(t, err)
	assert.Equal(t, runtime.GOMAXPROCS(0), o.MaxWorkers)
	assert.Equal(t, 16, o.MaxQueued)
	assert.Equal(t, "round-robin", fmt.Sprint(o.Strategy))
	assert.False(t, o.OnDemand)
	assert.Zero(t, o.Linger)
	assert.Zero(t, o.Timeout)
	assert.Zero(t, o.Retry.Attempts)
	assert.Zero(t, o.MaxPending)
	assert.False(t, o.FailFull, "Block")
	assert.Empty(t, o.Name)

	o, err = pool.NewOptions(pool.WithOnDemand(time.Second))
	require.NoError(t, err)
	assert.True(t, o.OnDemand)
	assert.Equal(t, time.Second, o.Linger)
	assert.Equal(t, "random", fmt.Sprint(o.Strategy), "on-demand pools default to random")

	o, err = pool.NewOptions(pool.WithStrategy(balance.LeastActive()), pool.WithOnDemand(0))
	require.NoError(t, err)
	assert.Equal(t, "least-active", fmt.Sprint(o.Strategy), "a chosen strategy stays")
}

func TestNewOptionsLaterOverridesEarlier(t *testing.T) {
	o, err := pool.NewOptions(
		pool.WithMaxWorkers(2), pool.WithMaxWorkers(5),
		pool.WithMaxQueued(3), pool.WithMaxQueued(1),
		pool.WithTimeout(time.Second), pool.WithTimeout(0),
		pool.WithMaxPending(4, pool.Block), pool.WithMaxPending(8, pool.Fail),
		pool.WithName("a"), pool.WithName("b"),
	)
	require.NoError(t, err)
	assert.Equal(t, 5, o.MaxWorkers)
	assert.Equal(t, 1, o.MaxQueued)
	assert.Zero(t, o.Timeout)
	assert.Equal(t, 8, o.MaxPending)
	assert.True(t, o.FailFull, "Fail")
	assert.Equal(t, "b", o.Name)
}

func TestPolicyFromOptions(t *testing.T) {
	r := pool.Retry{Attempts: 3, Backoff: pool.Linear(time.Millisecond, time.Second), Jitter: true}
	o, err := pool.NewOptions(pool.WithTimeout(time.Second), pool.WithRetry(r))
	require.NoError(t, err)
	p := o.Policy()
	assert.Equal(t, time.Second, p.Timeout)
	assert.Equal(t, 3, p.Retry.Attempts)
	assert.Equal(t, policy.Backoff{Kind: policy.Linear, Base: time.Millisecond, Max: time.Second, Jitter: true}, p.Retry.Backoff)
}

// badOptions are options every constructor must refuse, each with the
// words its error must contain: the option and the value.
var badOptions = []struct {
	name string
	opt  pool.Option
	want []string
}{
	{"max workers 0", pool.WithMaxWorkers(0), []string{"WithMaxWorkers", "(0)"}},
	{"max workers negative", pool.WithMaxWorkers(-3), []string{"WithMaxWorkers", "(-3)"}},
	{"max queued 0", pool.WithMaxQueued(0), []string{"WithMaxQueued", "(0)"}},
	{"negative timeout", pool.WithTimeout(-1), []string{"WithTimeout", "-1ns"}},
	{"negative linger", pool.WithOnDemand(-1), []string{"WithOnDemand", "-1ns"}},
	{"negative attempts", pool.WithRetry(pool.Retry{Attempts: -1}), []string{"WithRetry", "attempts", "-1"}},
	{"negative backoff base", pool.WithRetry(pool.Retry{Attempts: 2, Backoff: pool.Exponential(-time.Millisecond, 0)}), []string{"WithRetry", "Exponential", "base", "-1ms"}},
	{"negative constant backoff", pool.WithRetry(pool.Retry{Attempts: 2, Backoff: pool.Constant(-time.Millisecond)}), []string{"WithRetry", "Constant", "-1ms"}},
	{"negative backoff max", pool.WithRetry(pool.Retry{Attempts: 2, Backoff: pool.Fibonacci(time.Millisecond, -time.Second)}), []string{"WithRetry", "Fibonacci", "max", "-1s"}},
	{"nil backoff func", pool.WithRetry(pool.Retry{Attempts: 2, Backoff: pool.BackoffFunc(nil)}), []string{"WithRetry", "BackoffFunc(nil)"}},
	{"max pending 0", pool.WithMaxPending(0, pool.Block), []string{"WithMaxPending", "(0)"}},
	{"unknown pending policy", pool.WithMaxPending(1, pool.PendingPolicy(7)), []string{"WithMaxPending", "policy", "7"}},
	{"nil strategy", pool.WithStrategy(nil), []string{"WithStrategy", "nil"}},
	{"nil option", nil, []string{"nil Option"}},
}

func TestBadOptions(t *testing.T) {
	for _, tc := range badOptions {
		t.Run(tc.name, func(t *testing.T) {
			check := func(err error) {
				t.Helper()
				require.Error(t, err)
				msg := err.Error()
				assert.True(t, strings.HasPrefix(msg, "pool: "), "%q lacks the package prefix", msg)
				for _, w := range tc.want {
					assert.Contains(t, msg, w)
				}
			}
			// A good option after a bad one does not hide it.
			opts := []pool.Option{pool.WithMaxWorkers(2), tc.opt, pool.WithMaxWorkers(2)}

			p, err := pool.New(double, opts...)
			check(err)
			assert.Nil(t, p)

			made := 0
			newWorker := func(context.Context, int) (*cpuWorker, error) { made++; return &cpuWorker{}, nil }
			sp, err := pool.NewStateful(context.Background(), newWorker, (*cpuWorker).compute, opts...)
			check(err)
			assert.Nil(t, sp)
			assert.Zero(t, made, "no worker state is built for bad options")
		})
	}
}

func TestNilFunctions(t *testing.T) {
	p, err := pool.New[int, int](nil)
	require.Nil(t, p)
	require.EqualError(t, err, "pool: New with nil function")

	newWorker := func(context.Context, int) (*cpuWorker, error) { return &cpuWorker{}, nil }
	sp, err := pool.NewStateful[*cpuWorker, int, int](context.Background(), nil, (*cpuWorker).compute)
	require.Nil(t, sp)
	require.EqualError(t, err, "pool: NewStateful with nil worker constructor")

	sp, err = pool.NewStateful[*cpuWorker, int, int](context.Background(), newWorker, nil)
	require.Nil(t, sp)
	require.EqualError(t, err, "pool: NewStateful with nil function")
}

func TestNewOptionsReportsTheFirstBadOption(t *testing.T) {
	_, err := pool.NewOptions(pool.WithMaxQueued(0), pool.WithMaxWorkers(0))
	require.EqualError(t, err, "pool: WithMaxQueued(0): want at least 1")
	require.False(t, errors.Is(err, pool.ErrStopped))
}

// TestSizesPastTheMaximaAreErrors: every size option refuses values past
// its documented maximum with an error naming it and the value, before
// anything is allocated (these sizes used to end the process with "out of
// memory" or panic in makeslice).
func TestSizesPastTheMaximaAreErrors(t *testing.T) {
	cases := []struct {
		opts []pool.Option
		want string
	}{
		{[]pool.Option{pool.WithMaxWorkers(1 << 40)}, "pool: WithMaxWorkers(1099511627776): at most 65536 workers"},
		{[]pool.Option{pool.WithMaxWorkers(math.MaxInt)}, "pool: WithMaxWorkers(9223372036854775807): at most 65536 workers"},
		{[]pool.Option{pool.WithMaxWorkers(1<<16 + 1)}, "pool: WithMaxWorkers(65537): at most 65536 workers"},
		{[]pool.Option{pool.WithMaxQueued(1 << 40)}, "pool: WithMaxQueued(1099511627776): at most 1048576 tasks"},
		{[]pool.Option{pool.WithMaxQueued(math.MaxInt)}, "pool: WithMaxQueued(9223372036854775807): at most 1048576 tasks"},
		{[]pool.Option{pool.WithMaxPending(1<<30+1, pool.Block)}, "pool: WithMaxPending(1073741825): at most 1073741824 tasks"},
		{[]pool.Option{pool.WithMaxPending(math.MaxInt, pool.Fail)}, "pool: WithMaxPending(9223372036854775807): at most 1073741824 tasks"},
	}
	for _, tc := range cases {
		_, err := pool.NewOptions(tc.opts...)
		require.EqualError(t, err, tc.want)
		p, err := pool.New(double, tc.opts...)
		require.EqualError(t, err, tc.want)
		require.Nil(t, p)
	}
}

// TestSizesAtTheMaximaAreAccepted: the maxima themselves are legal.
func TestSizesAtTheMaximaAreAccepted(t *testing.T) {
	for _, opts := range [][]pool.Option{
		{pool.WithMaxWorkers(1 << 16), pool.WithMaxQueued(1 << 20)}, // a pool allocates nothing per queued task
		{pool.WithMaxWorkers(1), pool.WithMaxQueued(1 << 20)},
		{pool.WithMaxWorkers(1 << 10), pool.WithMaxQueued(1 << 10)},
		{pool.WithMaxPending(1<<30, pool.Block)},
	} {
		_, err := pool.NewOptions(opts...)
		require.NoError(t, err)
	}
}

// TestPoolOfTheMostWorkers: a pool of 1<<16 on-demand workers runs tasks
// and stops.
func TestPoolOfTheMostWorkers(t *testing.T) {
	p, err := pool.New(double, pool.WithMaxWorkers(1<<16), pool.WithMaxQueued(1), pool.WithOnDemand(0))
	require.NoError(t, err)
	in := make([]int, 100)
	want := make([]int, 100)
	for i := range in {
		in[i], want[i] = i, 2*i
	}
	got, err := p.Map(t.Context(), in)
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.NoError(t, p.Stop(t.Context()))
}

type nilStrategy struct{}

func (*nilStrategy) Pick(balance.Workers) int { return 0 }

type nilObserver struct{}

func (*nilObserver) TaskStarted(ctx context.Context, _ pool.TaskStart) context.Context {
	return ctx
}
func (*nilObserver) TaskFinished(context.Context, pool.TaskEnd) {}

type acquireFunc func(context.Context) (*limiter.Lease, error)

func (f acquireFunc) Acquire(ctx context.Context) (*limiter.Lease, error) { return f(ctx) }
func (f acquireFunc) TryAcquire() (*limiter.Lease, bool)                  { return nil, false }

// TestTypedNilsAreErrors: an interface holding a nil pointer or function
// passes a == nil check and then fails every task; the options catch it.
// (A typed-nil limit used to be accepted and fail every task with a nil
// dereference.)
func TestTypedNilsAreErrors(t *testing.T) {
	cases := []struct {
		opt  pool.Option
		want string
	}{
		{pool.WithLimit((*limiter.Limit)(nil)), "pool: WithLimit((*limiter.Limit)(nil)): want a limit"},
		{pool.WithLimit((*limiter.Set)(nil)), "pool: WithLimit((*limiter.Set)(nil)): want a limit"},
		{pool.WithLimit(acquireFunc(nil)), "pool: WithLimit((pool_test.acquireFunc)(nil)): want a limit"},
		{pool.WithLimit(nil), "pool: WithLimit(nil): want a limit"},
		{pool.WithStrategy((*nilStrategy)(nil)), "pool: WithStrategy((*pool_test.nilStrategy)(nil)): want a strategy"},
		{pool.WithStrategy(nil), "pool: WithStrategy(nil): want a strategy"},
		{pool.WithObserver((*nilObserver)(nil)), "pool: WithObserver((*pool_test.nilObserver)(nil)): want an observer"},
	}
	for _, tc := range cases {
		_, err := pool.NewOptions(tc.opt)
		require.EqualError(t, err, tc.want)
		p, err := pool.New(double, tc.opt)
		require.EqualError(t, err, tc.want)
		require.Nil(t, p)
	}

	// Non-nil values of the same kinds are fine.
	lim, err := limiter.NewResourceLimit("slots", 2)
	require.NoError(t, err)
	o, err := pool.NewOptions(pool.WithLimit(lim), pool.WithStrategy(&nilStrategy{}), pool.WithObserver(&nilObserver{}))
	require.NoError(t, err)
	assert.Same(t, lim, o.Limit)
}
