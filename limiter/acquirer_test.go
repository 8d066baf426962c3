package limiter_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLeaseTravelsInContext(t *testing.T) {
	l, err := limiter.NewResourceLimit("conns", 1)
	require.NoError(t, err)
	ls, err := l.Acquire(t.Context())
	require.NoError(t, err)
	ctx := limiter.NewContext(t.Context(), ls)
	got, ok := limiter.FromContext(ctx)
	require.True(t, ok)
	assert.Same(t, ls, got)

	_, ok = limiter.FromContext(t.Context())
	assert.False(t, ok)
	_, ok = limiter.FromContext(limiter.NewContext(t.Context(), nil))
	assert.False(t, ok, "a nil lease is no lease")
	got.Release()
}

// runTasks is how a pool uses an Acquirer: acquire before each task, put
// the lease in the task's context, release after.
func runTasks(ctx context.Context, lim limiter.Acquirer, tasks []func(context.Context) error) error {
	for _, task := range tasks {
		ls, err := lim.Acquire(ctx)
		if err != nil {
			return err
		}
		err = func() error {
			defer ls.Release()
			return task(limiter.NewContext(ctx, ls))
		}()
		if err != nil {
			return err
		}
	}
	return nil
}

// TestEveryAcquirerServesAPool: limits, sets and set pools plug into the
// same seam.
func TestEveryAcquirerServesAPool(t *testing.T) {
	conns, err := limiter.NewResourceLimit("conns", 1)
	require.NoError(t, err)
	calls, err := limiter.NewCallLimit("calls", 100, time.Hour)
	require.NoError(t, err)
	set, err := limiter.NewSet(conns, calls)
	require.NoError(t, err)
	pool, err := limiter.NewSetPool(set)
	require.NoError(t, err)
	for _, a := range []limiter.Acquirer{conns, set, pool} {
		var ran int
		task := func(ctx context.Context) error {
			ls, ok := limiter.FromContext(ctx)
			require.True(t, ok)
			assert.Equal(t, int64(1), ls.Granted("conns"))
			ran++
			return nil
		}
		require.NoError(t, runTasks(t.Context(), a, []func(context.Context) error{task, task, task}))
		assert.Equal(t, 3, ran)
		assert.Equal(t, int64(1), conns.Available())
	}
	assert.Equal(t, int64(94), calls.Available())
}

func ExampleFromContext() {
	tokens, err := limiter.NewRateLimit("tokens", 10_000, 24*time.Hour, limiter.WithDefaultRequest(500))
	if err != nil {
		panic(err)
	}
	// The pool's side: acquire, hand the lease to the task, release.
	ls, err := tokens.Acquire(context.Background())
	if err != nil {
		panic(err)
	}
	defer ls.Release()
	ctx := limiter.NewContext(context.Background(), ls)

	// The task's side: report what it used.
	if ls, ok := limiter.FromContext(ctx); ok {
		_ = ls.ReportN(120)
	}
	fmt.Println(tokens.Available())
	// Output: 9880
}
