package proc_test

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/proc"
	"github.com/sluice-go/sluice/remote"
	"github.com/sluice-go/sluice/stage"
)

// newBackend returns a backend of fn whose processes come from the test
// binary.
func newBackend[In, Out any](t testing.TB, fn remote.Func[In, Out], opts ...proc.Option) stage.Backend[In, Out] {
	t.Helper()
	b, err := proc.NewBackend(fn, append([]proc.Option{fastExit}, opts...)...)
	require.NoError(t, err)
	return b
}

// stopped stops p and checks that no child process is left.
func stopped[In, Out any](t testing.TB, p *pool.Pool[In, Out]) {
	t.Helper()
	require.NoError(t, p.Stop(context.Background()))
	require.Empty(t, children(), "child processes left after Stop")
}

// TestBackend_EveryStrategy runs a pool on worker processes with each
// balance strategy, persistent and on demand: every result is right,
// and the tasks ran in at most MaxWorkers processes, none of them this
// one.
func TestBackend_EveryStrategy(t *testing.T) {
	strategies := []struct {
		name string
		s    func() balance.Strategy
		opts []pool.Option
	}{
		{"round-robin", balance.RoundRobin, nil},
		{"least-active", balance.LeastActive, nil},
		{"least-total", balance.LeastTotal, nil},
		{"power-of-two", balance.PowerOfTwo, nil},
		{"random", balance.Random, nil},
		{"key-affinity", func() balance.Strategy { return balance.KeyAffinity(balance.LeastActive()) }, nil},
		{"on-demand/random", balance.Random, []pool.Option{pool.WithOnDemand(time.Millisecond)}},
		{"stealing/max-queued-1", balance.RoundRobin, []pool.Option{pool.WithStealing(true), pool.WithMaxQueued(1)}},
	}
	for _, st := range strategies {
		t.Run(st.name, func(t *testing.T) {
			ctx := context.Background()
			opts := append([]pool.Option{pool.WithMaxWorkers(3), pool.WithStrategy(st.s())}, st.opts...)
			p, err := pool.NewOn(ctx, newBackend(t, whoami), opts...)
			require.NoError(t, err)
			futs := make([]*future.Future[ran], 60)
			for i := range futs {
				if _, keyed := st.s().(balance.KeyedStrategy); keyed {
					futs[i] = p.SubmitKey(ctx, uint64(i%5), i)
				} else {
					futs[i] = p.Submit(ctx, i)
				}
			}
			pids := map[int]bool{}
			for i, f := range futs {
				r, err := f.Wait()
				require.NoError(t, err)
				require.Equal(t, i*i, r.N)
				require.NotEqual(t, os.Getpid(), r.Pid)
				pids[r.Pid] = true
			}
			assert.LessOrEqual(t, len(pids), 3)
			stopped(t, p)
			assert.EqualValues(t, 60, p.Stats().Succeeded)
		})
	}
}

// TestBackend_Flow runs a flow's pool stage on worker processes: the
// output is in input order, and the run's processes end with it.
func TestBackend_Flow(t *testing.T) {
	newB, err := proc.Backends(square, fastExit)
	require.NoError(t, err)
	in := make([]int, 200)
	for i := range in {
		in[i] = i
	}
	out, err := flow.PoolOn(flow.From(in), newB, pool.WithMaxWorkers(2), pool.WithMaxQueued(4)).Collect(context.Background())
	require.NoError(t, err)
	require.Len(t, out, 200)
	for i, v := range out {
		require.Equal(t, i*i, v)
	}
	require.Empty(t, children())
}

// TestBackend_Stateful: worker w's calls go to instance w in w's
// process, one at a time in the order they arrived.
func TestBackend_Stateful(t *testing.T) {
	ctx := context.Background()
	var out syncBuffer
	p, err := pool.NewOn(ctx, newBackend(t, add, proc.WithOutput(&out)), pool.WithMaxWorkers(1), pool.WithMaxQueued(4))
	require.NoError(t, err)
	futs := make([]*future.Future[int], 20)
	for i := range futs {
		futs[i] = p.Submit(ctx, 1)
	}
	var got []int
	for _, f := range futs {
		n, err := f.Wait()
		require.NoError(t, err)
		got = append(got, n)
	}
	slices.Sort(got)
	for i, n := range got {
		require.Equal(t, i+1, n, "each add saw the ones before it")
	}
	stopped(t, p)
	assert.Equal(t, "counter 0 closed at 20\n", out.String(), "the instance is closed with its process")
}

// TestBackend_LostProcessFailsItsTaskAndIsReplaced: a worker that exits
// or panics in a goroutine fails its task with an error matching
// stage.ErrWorkerLost and proc.ErrProcessLost, with the exit status, and
// the next task runs on a fresh process.
func TestBackend_LostProcessFailsItsTaskAndIsReplaced(t *testing.T) {
	ctx := context.Background()
	for _, c := range []struct {
		name  string
		kill  func(*pool.Pool[int, int]) error
		state string
	}{
		{"os.Exit", func(p *pool.Pool[int, int]) error { _, err := p.Submit(ctx, -3).Wait(); return err }, "exit status 3"},
		{"panic-in-goroutine", func(p *pool.Pool[int, int]) error { _, err := p.Submit(ctx, -1).Wait(); return err }, "exit status 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			crashy := newBackend(t, crash, proc.WithOutput(io.Discard))
			p, err := pool.NewOn(ctx, crashy, pool.WithMaxWorkers(1))
			require.NoError(t, err)
			before, err := p.Submit(ctx, 0).Wait()
			require.NoError(t, err)
			err = c.kill(p)
			require.ErrorIs(t, err, stage.ErrWorkerLost)
			require.ErrorIs(t, err, proc.ErrProcessLost)
			lost, ok := errors.AsType[*proc.LostError](err)
			require.True(t, ok)
			assert.Equal(t, before, lost.Pid)
			assert.Contains(t, lost.State.String(), c.state)
			after, err := p.Submit(ctx, 0).Wait()
			require.NoError(t, err)
			assert.NotEqual(t, before, after, "a fresh process")
			stopped(t, p)
		})
	}
}

// crash returns the worker's pid for 0, exits with -n for n < -1, and
// panics in a goroutine for -1.
var crash = remote.Register("crash", func(_ context.Context, n int) (int, error) {
	switch {
	case n == -1:
		go func() { panic("proc_test: crash") }()
		select {}
	case n < -1:
		os.Exit(-n)
	}
	return os.Getpid(), nil
})

// TestBackend_HardTimeout: a task that spins for ever, ignoring its ctx,
// fails with the pool's timeout at the deadline; its process is killed
// shortly after, and the next task on that worker succeeds on a fresh
// one. The figures are logged; the bounds asserted are generous.
func TestBackend_HardTimeout(t *testing.T) {
	ctx := context.Background()
	const timeout = 200 * time.Millisecond
	b := newBackend(t, spin, proc.WithHardTimeout(timeout/10))
	p, err := pool.NewOn(ctx, b, pool.WithMaxWorkers(1), pool.WithTimeout(timeout))
	require.NoError(t, err)
	first, err := p.Submit(ctx, 0).Wait()
	require.NoError(t, err)
	victim := proc.ProcessOf(b, 0)
	require.Equal(t, first, victim.Pid())

	t0 := time.Now()
	_, err = p.Submit(ctx, -1).Wait()
	settled := time.Since(t0)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	next, err := p.Submit(ctx, 0).Wait()
	nextDone := time.Since(t0)
	require.NoError(t, err, "the next task on the worker succeeds")
	assert.NotEqual(t, first, next, "on a fresh process")
	<-victim.Done()
	lost, ok := errors.AsType[*proc.LostError](victim.Err())
	require.True(t, ok)
	require.ErrorIs(t, lost, proc.ErrUnresponsive)
	assert.False(t, isChild(first), "the killed process is reaped")
	t.Logf("timeout %v, hard timeout %v: the future settled after %v (%.2fx), the next task succeeded on a fresh process after %v (%.2fx)",
		timeout, timeout/10, settled, settled.Seconds()/timeout.Seconds(), nextDone, nextDone.Seconds()/timeout.Seconds())
	assert.Less(t, settled, nextDone)
	assert.Less(t, nextDone, 10*timeout)
	stopped(t, p)
}

// TestBackend_ResizeAndOnDemandCloseProcesses: a worker that ends closes
// its process: retired by a Resize, or idle past its linger on demand.
func TestBackend_ResizeAndOnDemandCloseProcesses(t *testing.T) {
	ctx := context.Background()
	p, err := pool.NewOn(ctx, newBackend(t, whoami), pool.WithMaxWorkers(3))
	require.NoError(t, err)
	require.Len(t, children(), 3, "a persistent pool starts its processes up front")
	require.NoError(t, p.Resize(ctx, 1))
	require.Eventually(t, func() bool { return len(children()) == 1 }, 10*time.Second, time.Millisecond, "retired workers close their processes")
	require.NoError(t, p.Resize(ctx, 2))
	require.Len(t, children(), 2, "a Resize that grows starts the new processes")
	stopped(t, p)

	p, err = pool.NewOn(ctx, newBackend(t, whoami), pool.WithMaxWorkers(2), pool.WithOnDemand(0))
	require.NoError(t, err)
	require.Empty(t, children(), "on demand, no process before a task")
	_, err = p.Submit(ctx, 2).Wait()
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(children()) == 0 }, 10*time.Second, time.Millisecond, "an idle worker closes its process")
	r, err := p.Submit(ctx, 3).Wait()
	require.NoError(t, err)
	assert.Equal(t, 9, r.N)
	stopped(t, p)
}

func TestBackend_BadOptions(t *testing.T) {
	_, err := proc.NewBackend(square, proc.WithGrace(-time.Second))
	require.ErrorContains(t, err, "proc: WithGrace(-1s)")
	_, err = proc.Backends(square, proc.WithMaxFrame(1))
	require.ErrorContains(t, err, "proc: WithMaxFrame(1)")
	require.PanicsWithValue(t, "proc: NewBackend with a zero remote.Func (use one that remote.Register returned)", func() {
		proc.NewBackend(remote.Func[int, int]{})
	})
}
