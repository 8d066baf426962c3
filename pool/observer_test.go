package pool_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/internal/logtest"
	"github.com/sluice-go/sluice/pool"
)

type (
	taskKey   struct{} // what recorder puts in a task's context: its start's index
	submitKey struct{} // what tests put in the Submit context
)

// heard is one TaskFinished call.
type heard struct {
	ctx context.Context
	end pool.TaskEnd
}

// recorder is an Observer that gives every task a context of its own,
// carrying the index of its start, and records what it hears.
type recorder struct {
	mu       sync.Mutex
	starts   []pool.TaskStart
	given    []context.Context // the ctx each TaskStarted was given
	returned []context.Context // and the one it returned
	ends     []heard
}

func (r *recorder) TaskStarted(ctx context.Context, t pool.TaskStart) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := context.WithValue(ctx, taskKey{}, len(r.starts))
	r.starts = append(r.starts, t)
	r.given = append(r.given, ctx)
	r.returned = append(r.returned, c)
	return c
}

func (r *recorder) TaskFinished(ctx context.Context, t pool.TaskEnd) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ends = append(r.ends, heard{ctx, t})
}

// observedCase is one way a task ends. fn is the task; drive, run on the
// test goroutine after Submit, makes the task end and returns the pool's
// last words (Stop or Cancel). started is closed by fn once it runs, for
// the cases that act on a running task.
type observedCase struct {
	name    string
	opts    []pool.Option
	fn      func(ctx context.Context, started chan<- struct{}, release <-chan struct{}) (int, error)
	drive   func(t *testing.T, p *pool.Pool[int, int], f *future.Future[int], started <-chan struct{}, release chan<- struct{})
	outcome pool.Outcome
	wantErr error // what the future's error matches; nil for success
}

func stopAfter(t *testing.T, p *pool.Pool[int, int], _ *future.Future[int], _ <-chan struct{}, _ chan<- struct{}) {
	_, _ = p.Submit(context.WithValue(t.Context(), submitKey{}, "submitted"), 0).Wait() // the pool goes on serving
	require.NoError(t, p.Stop(context.Background()))
}

var observedCases = []observedCase{{
	name:    "succeeded",
	fn:      func(context.Context, chan<- struct{}, <-chan struct{}) (int, error) { return 1, nil },
	drive:   stopAfter,
	outcome: pool.Succeeded,
}, {
	name:    "failed",
	fn:      func(context.Context, chan<- struct{}, <-chan struct{}) (int, error) { return 0, errBoom },
	drive:   stopAfter,
	outcome: pool.Failed, wantErr: errBoom,
}, {
	name:    "panicked",
	fn:      func(context.Context, chan<- struct{}, <-chan struct{}) (int, error) { panic(errBoom) },
	drive:   stopAfter,
	outcome: pool.Failed, wantErr: errBoom, // a *future.PanicError unwraps to the value
}, {
	name: "goexit",
	fn: func(context.Context, chan<- struct{}, <-chan struct{}) (int, error) {
		runtime.Goexit()
		return 0, nil
	},
	drive:   stopAfter,
	outcome: pool.Failed, wantErr: future.ErrGoexit,
}, {
	name: "retried",
	opts: []pool.Option{pool.WithRetry(pool.Retry{Attempts: 3})},
	fn: func(ctx context.Context, _ chan<- struct{}, _ <-chan struct{}) (int, error) {
		return 0, errBoom // every attempt fails: one start, one end
	},
	drive:   stopAfter,
	outcome: pool.Failed, wantErr: errBoom,
}, {
	name: "cancelled",
	fn:   waitForCancel,
	drive: func(t *testing.T, p *pool.Pool[int, int], f *future.Future[int], started <-chan struct{}, _ chan<- struct{}) {
		<-started
		require.True(t, f.Cancel())
		stopAfter(t, p, f, nil, nil)
	},
	outcome: pool.Cancelled, wantErr: future.ErrCancelled,
}, {
	name: "stopped",
	fn:   waitForCancel,
	drive: func(t *testing.T, p *pool.Pool[int, int], _ *future.Future[int], started <-chan struct{}, _ chan<- struct{}) {
		<-started
		p.Cancel()
	},
	outcome: pool.Cancelled, wantErr: future.ErrCancelled,
}, {
	// The hard-timeout path: the function ignores its context, the
	// future fails at the deadline, and the task ends when it returns.
	name: "timed out",
	opts: []pool.Option{pool.WithTimeout(time.Millisecond)},
	fn: func(_ context.Context, started chan<- struct{}, release <-chan struct{}) (int, error) {
		close(started)
		<-release
		return 1, nil
	},
	drive: func(t *testing.T, p *pool.Pool[int, int], f *future.Future[int], _ <-chan struct{}, release chan<- struct{}) {
		_, err := f.Wait()
		require.ErrorIs(t, err, context.DeadlineExceeded)
		close(release)
		stopAfter(t, p, f, nil, nil)
	},
	outcome: pool.Failed, wantErr: pool.ErrTimeout,
}}

func waitForCancel(ctx context.Context, started chan<- struct{}, _ <-chan struct{}) (int, error) {
	close(started)
	<-ctx.Done()
	return 0, ctx.Err()
}

// TestObserverSeesEveryTask: on every path a task can end by, the observer
// hears one TaskStarted and then one TaskFinished; TaskStarted gets the
// task's context (carrying the Submit context's values), the function runs
// with the context it returned (or one derived from it, under a timeout),
// TaskFinished gets that same context, and Err is the future's error. Run
// in real time and in virtual time.
func TestObserverSeesEveryTask(t *testing.T) {
	for _, c := range observedCases {
		t.Run(c.name, func(t *testing.T) {
			t.Run("real", func(t *testing.T) { checkObserved(t, c) })
			t.Run("virtual", func(t *testing.T) { synctest.Test(t, func(t *testing.T) { checkObserved(t, c) }) })
		})
	}
}

func checkObserved(t *testing.T, c observedCase) {
	rec := &recorder{}
	started, release := make(chan struct{}), make(chan struct{})
	var seen []context.Context // the ctx of every call of the first task's fn
	var once sync.Once
	fn := func(ctx context.Context, x int) (int, error) {
		if x != 1 {
			return x, nil // the task stopAfter submits
		}
		seen = append(seen, ctx) // one worker: the calls do not overlap
		var st chan struct{}
		once.Do(func() { st = started })
		if st == nil {
			st = make(chan struct{}) // a retry: started is closed already
		}
		return c.fn(ctx, st, release)
	}
	p, err := pool.New(fn, append([]pool.Option{pool.WithName("obs"), pool.WithMaxWorkers(1), pool.WithObserver(rec)}, c.opts...)...)
	require.NoError(t, err)
	ctx := context.WithValue(t.Context(), submitKey{}, "submitted")
	f := p.Submit(ctx, 1)
	c.drive(t, p, f, started, release)
	_, ferr := f.Wait()
	if c.wantErr == nil {
		require.NoError(t, ferr)
	} else {
		require.ErrorIs(t, ferr, c.wantErr)
	}

	// Stop or Cancel has returned: every worker is done with the observer.
	rec.mu.Lock()
	defer rec.mu.Unlock()
	require.Len(t, rec.ends, len(rec.starts), "one TaskFinished per TaskStarted")
	require.NotEmpty(t, seen)
	n, ok := seen[0].Value(taskKey{}).(int)
	require.True(t, ok, "the function ran without the context TaskStarted returned")
	var end *pool.TaskEnd
	for _, e := range rec.ends {
		i, ok := e.ctx.Value(taskKey{}).(int)
		require.True(t, ok, "TaskFinished got a context TaskStarted did not return")
		require.True(t, e.ctx == rec.returned[i], "TaskFinished got a context other than the one TaskStarted returned")
		require.Equal(t, "submitted", rec.given[i].Value(submitKey{}), "TaskStarted got the task's context")
		require.Equal(t, rec.starts[i], pool.TaskStart{Pool: e.end.Pool, Worker: e.end.Worker, Waited: e.end.Waited})
		require.Equal(t, "obs", e.end.Pool)
		require.GreaterOrEqual(t, e.end.Waited, time.Duration(0))
		require.GreaterOrEqual(t, e.end.Ran, time.Duration(0))
		if i == n {
			require.Nil(t, end, "the task ended twice")
			end = &e.end
		}
	}
	require.NotNil(t, end, "the task never ended")
	for _, s := range seen {
		// Under a timeout or retries the function gets a context derived
		// from the one TaskStarted returned; otherwise that very context.
		require.Equal(t, n, s.Value(taskKey{}), "every attempt ran under the context TaskStarted returned")
		require.Equal(t, "submitted", s.Value(submitKey{}))
	}
	if c.opts == nil {
		require.True(t, seen[0] == rec.returned[n], "the function got the very context TaskStarted returned")
	}
	require.Equal(t, c.outcome, end.Outcome)
	require.True(t, end.Err == ferr, "Err %v is not the future's error %v", end.Err, ferr)
}

// TestObserverManyTasks: tasks of every kind on several workers at once,
// in real time under -race: each start is ended exactly once, with the
// context it returned, and the outcomes agree with Stats.
func TestObserverManyTasks(t *testing.T) {
	rec := &recorder{}
	fn := func(ctx context.Context, x int) (int, error) {
		if _, ok := ctx.Value(taskKey{}).(int); !ok {
			return 0, errors.New("no task context")
		}
		switch x % 3 {
		case 1:
			return 0, errBoom
		case 2:
			panic(x)
		}
		return x, nil
	}
	p, err := pool.New(fn, pool.WithMaxWorkers(4), pool.WithObserver(rec))
	require.NoError(t, err)
	ctx := t.Context()
	const n = 600
	futs := make([]*future.Future[int], n)
	for i := range futs {
		futs[i] = p.Submit(ctx, i)
	}
	require.NoError(t, p.Stop(ctx))

	require.Len(t, rec.starts, n)
	require.Len(t, rec.ends, n)
	ended := make([]bool, n)
	var outcomes [3]uint64
	for _, e := range rec.ends {
		i := e.ctx.Value(taskKey{}).(int)
		require.False(t, ended[i], "start %d ended twice", i)
		ended[i] = true
		require.True(t, e.ctx == rec.returned[i])
		require.Less(t, e.end.Worker, 4)
		outcomes[e.end.Outcome]++
		require.Equal(t, e.end.Outcome == pool.Succeeded, e.end.Err == nil, e.end.Err)
	}
	s := p.Stats()
	require.Equal(t, [3]uint64{s.Succeeded, s.Failed, s.Cancelled}, outcomes)
	require.Equal(t, [3]uint64{n / 3, 2 * n / 3, 0}, outcomes)
	for i, f := range futs {
		_, err := f.Wait()
		require.Equal(t, i%3 == 0, err == nil, err)
	}
}

// leaving is an Observer whose TaskStarted returns nil or panics; either
// way the task runs with its own context, and TaskFinished gets it.
type leaving struct {
	panics bool
	mu     sync.Mutex
	ends   []context.Context
}

func (l *leaving) TaskStarted(context.Context, pool.TaskStart) context.Context {
	if l.panics {
		panic("started")
	}
	return nil
}

func (l *leaving) TaskFinished(ctx context.Context, _ pool.TaskEnd) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ends = append(l.ends, ctx)
}

func TestObserverLeavesContext(t *testing.T) {
	for _, panics := range []bool{false, true} {
		t.Run(map[bool]string{false: "nil", true: "panic"}[panics], func(t *testing.T) {
			logged := logtest.Capture(t)
			obs := &leaving{panics: panics}
			var seen context.Context
			p, err := pool.New(func(ctx context.Context, x int) (int, error) {
				seen = ctx
				return x, nil
			}, pool.WithMaxWorkers(1), pool.WithObserver(obs))
			require.NoError(t, err)
			ctx := context.WithValue(t.Context(), submitKey{}, "submitted")
			_, err = p.Submit(ctx, 1).Wait()
			require.NoError(t, err)
			require.NoError(t, p.Stop(ctx))
			require.Equal(t, "submitted", seen.Value(submitKey{}))
			require.Len(t, obs.ends, 1)
			require.True(t, obs.ends[0] == seen, "TaskFinished gets the task's own context")
			require.Equal(t, panics, strings.Contains(logged.String(), "observer panic: started"))
		})
	}
}

// panicky is an Observer whose every method panics.
type panicky struct{}

func (panicky) TaskStarted(context.Context, pool.TaskStart) context.Context { panic("started") }
func (panicky) TaskFinished(context.Context, pool.TaskEnd)                  { panic("finished") }

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
