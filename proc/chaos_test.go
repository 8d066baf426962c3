package proc_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/proc"
	"github.com/sluice-go/sluice/stage"
)

// TestChaos_KillMidTask SIGKILLs a worker process while every lane of
// it runs a task, 20 times: exactly the tasks in flight on it fail, with
// an error matching stage.ErrWorkerLost and proc.ErrProcessLost; the
// worker gets a fresh process; every other task completes, once (the
// workers log every start to a file, and each task starts at most once);
// no zombie is left (from /proc), and no child after Stop. How long the
// in-flight tasks took to fail after the kill, and the workers' resident
// size, are logged: timing belongs in benchmarks, so the bound asserted
// is only a guard against a hang.
func TestChaos_KillMidTask(t *testing.T) {
	const (
		workers = 2
		lanes   = 4
		tasks   = 40
	)
	var failLatency []time.Duration
	var maxRSS int
	replaced := 0 // kills after which a task ran on the replacement
	for rep := range 20 {
		log := filepath.Join(t.TempDir(), "starts")
		ctx := context.Background()
		b := newBackend(t, job)
		p, err := pool.NewOn(ctx, b, pool.WithMaxWorkers(workers), pool.WithMaxQueued(lanes), pool.WithStrategy(balance.RoundRobin()))
		require.NoError(t, err)
		victim, other := proc.ProcessOf(b, 0), proc.ProcessOf(b, 1)
		// The first workers*lanes tasks hold; each lane runs one of them,
		// and the rest queue behind them (or run before, where a lane got
		// one first).
		futs := make([]*future.Future[ran], tasks)
		for i := range futs {
			futs[i] = p.Submit(ctx, jobIn{ID: i, Hold: i < workers*lanes, Log: log})
		}
		_, err = started.Call(ctx, victim, 0, lanes)
		require.NoError(t, err)
		_, err = started.Call(ctx, other, 0, lanes)
		require.NoError(t, err)
		maxRSS = max(maxRSS, rss(t, victim.Pid()), rss(t, other.Pid()))

		require.NoError(t, syscall.Kill(victim.Pid(), syscall.SIGKILL))
		killed := time.Now()
		// The victim's holders settle; the other's hold on.
		settled := make(chan int, workers*lanes)
		for i := range workers * lanes {
			go func() {
				<-futs[i].Done()
				settled <- i
			}()
		}
		var lost []int
		for range lanes {
			var i int
			select {
			case i = <-settled:
			case <-time.After(time.Minute): // a guard against a hang, not an order
				t.Fatal("the tasks in flight on the killed worker did not settle")
			}
			_, err, _ := futs[i].TryResult()
			require.ErrorIs(t, err, stage.ErrWorkerLost, "task %d", i)
			require.ErrorIs(t, err, proc.ErrProcessLost, "task %d", i)
			le, ok := errors.AsType[*proc.LostError](err)
			require.True(t, ok)
			require.Equal(t, victim.Pid(), le.Pid)
			require.Equal(t, "signal: killed", le.State.String())
			lost = append(lost, i)
		}
		failLatency = append(failLatency, time.Since(killed))
		require.Len(t, lost, lanes, "the tasks in flight on the killed worker, and only they, fail")
		requireNoZombies(t)

		_, err = openGate.Call(ctx, other, 0, struct{}{})
		require.NoError(t, err)
		fresh := map[int]bool{}
		for i, f := range futs {
			r, err := f.Wait()
			if slices.Contains(lost, i) {
				continue
			}
			require.NoError(t, err, "task %d", i)
			require.Equal(t, i*i, r.N)
			if r.Pid != other.Pid() && r.Pid != victim.Pid() { // (before the kill, a task may run on the victim)
				fresh[r.Pid] = true
			}
		}
		require.LessOrEqual(t, len(fresh), 1, "the killed worker's later tasks ran on its one replacement")
		replaced += len(fresh)
		stopped(t, p)

		starts := readStarts(t, log)
		for i := range tasks {
			require.Len(t, starts[i], 1, "rep %d: task %d started %v", rep, i, starts[i])
			if slices.Contains(lost, i) {
				require.Equal(t, victim.Pid(), starts[i][0], "a lost task ran on the killed process")
			}
		}
	}
	slices.Sort(failLatency)
	t.Logf("SIGKILL to every in-flight task failed, 20 kills: p50 %v, max %v; workers' largest resident size %d kB",
		failLatency[len(failLatency)/2], failLatency[len(failLatency)-1], maxRSS)
	require.Less(t, maxRSS, 100<<10, "workers under 100 MB resident")
	t.Logf("%d of 20 kills had tasks left for the killed worker, which ran on its replacement", replaced)
	require.Positive(t, replaced)
}

// readStarts reads a job log: the pids each task id started on.
func readStarts(t *testing.T, path string) map[int][]int {
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	starts := map[int][]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var id, pid int
		_, err := fmt.Sscan(sc.Text(), &id, &pid)
		require.NoError(t, err, "log line %q", sc.Text())
		starts[id] = append(starts[id], pid)
	}
	require.NoError(t, sc.Err())
	return starts
}

// rss returns pid's resident set size in kB, from /proc.
func rss(t *testing.T, pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.Fields(rest)[0])
			return n
		}
	}
	return 0
}
