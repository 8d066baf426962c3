package natsb_test

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/stage"
)

// TestKillMidTask, ten times over: two worker processes, a pool of four
// workers with eight tasks, four of them in flight; SIGKILL one process.
// Exactly the tasks in flight on it fail with stage.ErrWorkerLost, within
// 500 ms of the kill, and every other task completes.
func TestKillMidTask(t *testing.T) {
	c := newCluster(t)
	started := make(chan *nats.Msg, 64)
	sub, err := c.nc.ChanSubscribe("natsb_test.started", started)
	require.NoError(t, err)
	defer sub.Unsubscribe()
	var worst time.Duration
	for round := range 10 {
		ctx := within(t, 30*time.Second)
		w1, w2 := c.startWorker(t, 2), c.startWorker(t, 2)
		require.NoError(t, c.d.AwaitLanes(ctx, hold.Name(), 4))
		p := newPool(t, c.d, hold, pool.WithMaxWorkers(4))
		const n = 8
		futs := make([]*future.Future[int], n)
		for i := range futs {
			futs[i] = p.Submit(ctx, round*100+i)
		}
		startedOn := map[int]int{} // task id -> pid
		next := func() (id, pid int) {
			select {
			case m := <-started:
				_, err := fmt.Sscan(string(m.Data), &id, &pid)
				require.NoError(t, err)
				return id, pid
			case <-ctx.Done():
				t.Fatalf("round %d: waiting for tasks to start: %v", round, ctx.Err())
			}
			return
		}
		for len(startedOn) < 4 {
			id, pid := next()
			startedOn[id] = pid
		}
		victim, survivor := w1, w2
		if startedOn[round*100] == w2.cmd.Process.Pid {
			victim, survivor = w2, w1
		}
		var onVictim []int
		for id, pid := range startedOn {
			if pid == victim.cmd.Process.Pid {
				onVictim = append(onVictim, id)
			}
		}
		require.Len(t, onVictim, 2, "round %d: two workers bound to each process", round)
		killed := time.Now()
		victim.kill()
		for _, id := range onVictim {
			_, err := futs[id-round*100].Await(ctx)
			require.ErrorIs(t, err, stage.ErrWorkerLost, "round %d task %d", round, id)
		}
		took := time.Since(killed)
		worst = max(worst, took)
		require.Less(t, took, 500*time.Millisecond, "round %d: the lost tasks failed %v after the kill", round, took)
		// Release everything else, as it starts.
		release := func(id int) { require.NoError(t, c.nc.Publish("natsb_test.release."+strconv.Itoa(id), nil)) }
		for id, pid := range startedOn {
			if pid != victim.cmd.Process.Pid {
				release(id)
			}
		}
		for range n - len(startedOn) {
			id, pid := next()
			require.Equal(t, survivor.cmd.Process.Pid, pid, "round %d: task %d ran on the dead process", round, id)
			release(id)
		}
		for i, f := range futs {
			if startedOn[round*100+i] == victim.cmd.Process.Pid {
				continue
			}
			v, err := f.Await(ctx)
			require.NoError(t, err, "round %d task %d", round, i)
			require.Equal(t, survivor.cmd.Process.Pid, v)
		}
		require.NoError(t, p.Stop(ctx))
		survivor.kill()
	}
	t.Logf("the lost tasks failed at most %v after the kill", worst)
}
