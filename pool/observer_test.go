package pool_test

import (
	"bytes"
	"context"
	"log"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

// panicky is an Observer whose every method panics.
type panicky struct{}

func (panicky) TaskStarted(string, int, time.Duration) { panic("started") }
func (panicky) TaskFinished(string, int, time.Duration, pool.Outcome) {
	panic("finished")
}

// syncBuffer is a bytes.Buffer safe for the log package's writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestObserverPanicIsLogged: an Observer that panics in both methods kills
// no worker and strands no task; every task settles with its value, Stop
// returns nil, and each panic is logged with the pool's name. Before the
// fix the first panic killed the worker: the tasks behind it never settled
// and Stop re-raised the panic.
func TestObserverPanicIsLogged(t *testing.T) {
	var logged syncBuffer
	defer log.SetOutput(log.Writer())
	log.SetOutput(&logged)

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
