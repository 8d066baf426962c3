package pool_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/internal/logtest"
	"github.com/sluice-go/sluice/pool"
)

// panicky is an Observer whose every method panics.
type panicky struct{}

func (panicky) TaskStarted(string, int, time.Duration) { panic("started") }
func (panicky) TaskFinished(string, int, time.Duration, pool.Outcome) {
	panic("finished")
}

// TestObserverPanicIsLogged: an Observer that panics in both methods kills
// no worker and strands no task; every task settles with its value, Stop
// returns nil, and each panic is logged with the pool's name. Before the
// fix the first panic killed the worker: the tasks behind it never settled
// and Stop re-raised the panic.
func TestObserverPanicIsLogged(t *testing.T) {
	logged := logtest.Capture(t)

	p, err := pool.New(double, pool.WithMaxWorkers(2), pool.WithObserver(panicky{}), pool.WithName("jobs"))
	require.NoError(t, err)
	ctx := context.Background()
	futs := make([]*future.Future[int], 10)
	for i := range futs {
		futs[i] = p.Submit(ctx, i)
	}
	vals, err := future.All(ctx, futs...)
	require.NoError(t, err)
	for i, v := range vals {
		require.Equal(t, 2*i, v)
	}
	require.NoError(t, p.Stop(ctx))
	require.Equal(t, uint64(10), p.Stats().Succeeded)
	out := logged.String()
	require.Equal(t, 10, strings.Count(out, `pool "jobs": observer panic: started`), out)
	require.Equal(t, 10, strings.Count(out, `pool "jobs": observer panic: finished`), out)
}
