package natsb_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/natsb"
	"github.com/sluice-go/sluice/natsb/embedded"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/remote"
)

// tally squares and tells the test each run ("natsb_test.ran": n).
var tally = remote.Register("natsb_test.tally", func(_ context.Context, n int) (int, error) {
	testNC.Publish("natsb_test.ran", []byte(strconv.Itoa(n)))
	return n * n, nil
})

// newDurable is a JetStream server with a file store, a reconnecting
// connection and a durable dispatcher on it.
func newDurable(t *testing.T) *cluster {
	t.Helper()
	ctx := within(t, 10*time.Second)
	s, err := embedded.Start(ctx, embedded.WithJetStream(t.TempDir()))
	require.NoError(t, err)
	t.Cleanup(s.Shutdown)
	nc, err := nats.Connect(s.URL(), nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	d, err := natsb.NewDispatcher(ctx, nc, natsb.WithDurable(testDurable))
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, d.Close()) })
	testNC = nc
	return &cluster{s: s, nc: nc, d: d}
}

func durablePool(t *testing.T, c *cluster, workers int) *pool.Pool[int, int] {
	t.Helper()
	b, err := natsb.NewBackend(c.d, tally)
	require.NoError(t, err)
	p, err := pool.NewOn(context.Background(), b, pool.WithMaxWorkers(workers))
	require.NoError(t, err)
	t.Cleanup(func() { p.Stop(context.Background()) })
	return p
}

// TestDurable_KilledBeforeAck: a worker process SIGKILLed after it ran a
// task and published its result but before it acked: the task is
// delivered again to another worker and runs again, and its future
// settles once, with the value. Ten rounds.
func TestDurable_KilledBeforeAck(t *testing.T) {
	for round := range 10 {
		t.Run(strconv.Itoa(round), func(t *testing.T) {
			c := newDurable(t)
			ran, err := c.nc.SubscribeSync("natsb_test.ran")
			require.NoError(t, err)
			hung, err := c.nc.SubscribeSync("natsb_test.beforeack")
			require.NoError(t, err)
			require.NoError(t, c.nc.Flush())
			a := c.startWorker(t, 1, envDurable+"=1", envHang+"=1")
			p := durablePool(t, c, 1)
			ctx := within(t, 20*time.Second)

			f := p.Submit(ctx, 7)
			_, err = hung.NextMsgWithContext(ctx)
			require.NoError(t, err, "the worker published and stopped before acking")
			a.kill()
			c.startWorker(t, 1, envDurable+"=1")
			for range 2 {
				m, err := ran.NextMsgWithContext(ctx)
				require.NoError(t, err, "the task runs twice: at least once")
				require.Equal(t, "7", string(m.Data))
			}
			v, err := f.Await(ctx)
			require.NoError(t, err)
			require.Equal(t, 49, v)
			require.Equal(t, 64, mustNext(t, ctx, p, 8), "the pool goes on")
			require.NoError(t, p.Stop(ctx)) // Stats count a task just after its future settles
			require.Equal(t, uint64(2), p.Stats().Succeeded, "one result per task")
		})
	}
}

// mustNext submits n, awaits it and returns its value.
func mustNext(t *testing.T, ctx context.Context, p *pool.Pool[int, int], n int) int {
	t.Helper()
	v, err := p.Submit(ctx, n).Await(ctx)
	require.NoError(t, err)
	return v
}

// TestDurable_ServerRestart: the embedded server (file store) restarts
// while tasks are queued and running; every future settles once with its
// value. Ten rounds.
func TestDurable_ServerRestart(t *testing.T) {
	for round := range 10 {
		t.Run(strconv.Itoa(round), func(t *testing.T) {
			c := newDurable(t)
			c.startWorker(t, 2, envDurable+"=1")
			p := durablePool(t, c, 4)
			ctx := within(t, 30*time.Second)
			const n = 20
			futs := make([]*future.Future[int], n)
			for i := range futs {
				futs[i] = p.Submit(ctx, i)
			}
			_, err := futs[0].Await(ctx)
			require.NoError(t, err)
			require.NoError(t, c.s.Restart(ctx))
			for i, f := range futs {
				v, err := f.Await(ctx)
				if err != nil {
					dumpDurable(t, c)
				}
				require.NoError(t, err, "task %d", i)
				require.Equal(t, i*i, v)
			}
			require.NoError(t, p.Stop(ctx))
			require.Equal(t, uint64(n), p.Stats().Succeeded)
		})
	}
}

// crash ends the worker process that runs it.
var crash = remote.Register("natsb_test.crash", func(context.Context, int) (int, error) {
	os.Exit(3)
	return 0, nil
})

// TestDurable_MaxDeliveries: a task that kills every worker that runs it
// is delivered MaxDeliveries times, and the next delivery fails its
// future with ErrMaxDeliveries without running it.
func TestDurable_MaxDeliveries(t *testing.T) {
	c := newDurable(t)
	b, err := natsb.NewBackend(c.d, crash)
	require.NoError(t, err)
	p, err := pool.NewOn(context.Background(), b, pool.WithMaxWorkers(1))
	require.NoError(t, err)
	defer p.Stop(context.Background())
	ctx := within(t, 20*time.Second)
	f := p.Submit(ctx, 1)
	for range testDurable.MaxDeliveries {
		w := c.startWorker(t, 1, envDurable+"=1")
		select {
		case <-w.done: // it ran the task
		case <-ctx.Done():
			t.Fatal("the task was not delivered")
		}
	}
	c.startWorker(t, 1, envDurable+"=1")
	_, err = f.Await(ctx)
	require.ErrorIs(t, err, natsb.ErrMaxDeliveries)
}

// TestDurable_BoundedStreamIsBackpressure: with the tasks stream full
// (MaxTasks, discard new) of tasks that a worker holds, the pool's
// workers wait to publish more, the pool's pending count reaches its
// cap, and the pool's pending policy decides: Fail gives ErrFull at once,
// Block holds Submit until a release makes room. After the releases
// every task, the ones the stream refused at first too, runs and
// settles once.
func TestDurable_BoundedStreamIsBackpressure(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy pool.PendingPolicy
	}{{"fail", pool.Fail}, {"block", pool.Block}} {
		t.Run(tc.name, func(t *testing.T) {
			c := newDurable(t)
			ctx := within(t, 30*time.Second)
			attempts, err := c.nc.SubscribeSync("sluice.tasks") // every publish, refused ones too
			require.NoError(t, err)
			started, err := c.nc.SubscribeSync("natsb_test.started")
			require.NoError(t, err)
			require.NoError(t, c.nc.Flush())
			c.inProc(t, natsb.WithWorkerDurable(testDurable), natsb.WithWorkerLanes(1))

			const pending = 8 // twice the stream's MaxTasks (4): half of them wait to be published
			b, err := natsb.NewBackend(c.d, hold)
			require.NoError(t, err)
			p, err := pool.NewOn(context.Background(), b, pool.WithMaxWorkers(pending), pool.WithMaxQueued(1),
				pool.WithMaxPending(pending, tc.policy))
			require.NoError(t, err)
			defer p.Stop(context.Background())
			futs := make([]*future.Future[int], 0, pending+1)
			for i := range pending {
				futs = append(futs, p.Submit(ctx, i))
			}

			// A publish sent again was refused: the stream is full.
			seen := map[string]int{}
			for retried := false; !retried; {
				m, err := attempts.NextMsgWithContext(ctx)
				require.NoError(t, err, "a publish is refused and sent again")
				id := m.Header.Get(nats.MsgIdHdr)
				seen[id]++
				retried = seen[id] > 1
			}
			js, err := jetstream.New(c.nc)
			require.NoError(t, err)
			st, err := js.Stream(ctx, "sluice_tasks")
			require.NoError(t, err)
			info, err := st.Info(ctx)
			require.NoError(t, err)
			require.Equal(t, uint64(testDurable.MaxTasks), info.State.Msgs, "the stream holds MaxTasks tasks, no more")

			// release lets k held tasks return, each once it has started.
			release := func(k int) {
				for range k {
					m, err := started.NextMsgWithContext(ctx)
					require.NoError(t, err)
					id, _, _ := strings.Cut(string(m.Data), " ")
					require.NoError(t, c.nc.Publish("natsb_test.release."+id, nil))
				}
			}
			left := pending
			switch tc.policy {
			case pool.Fail:
				_, err := p.Submit(ctx, pending).Await(ctx)
				require.ErrorIs(t, err, pool.ErrFull)
			case pool.Block:
				submitted := make(chan *future.Future[int], 1)
				go func() { submitted <- p.Submit(ctx, pending) }()
				select {
				case <-submitted:
					t.Fatal("Submit returned with the pool's pending tasks at the cap")
				default:
				}
				release(1)
				left--
				select {
				case f := <-submitted:
					futs = append(futs, f)
					left++
				case <-ctx.Done():
					t.Fatal("Submit still blocked after a task finished")
				}
			}
			release(left)
			for i, f := range futs {
				v, err := f.Await(ctx)
				require.NoError(t, err, "task %d", i)
				require.Equal(t, os.Getpid(), v)
			}
			require.NoError(t, p.Stop(ctx)) // the counts are final once it has stopped
			require.Equal(t, uint64(len(futs)), p.Stats().Succeeded, "one result per task")
		})
	}
}

// dumpDurable logs the durable mode's streams and consumers, for a test
// that failed.
func dumpDurable(t *testing.T, c *cluster) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	js, err := jetstream.New(c.nc)
	if err != nil {
		t.Logf("dump: %v", err)
		return
	}
	for _, name := range []string{natsb.DefaultPrefix + "_tasks", natsb.DefaultPrefix + "_results"} {
		s, err := js.Stream(ctx, name)
		if err != nil {
			t.Logf("dump: stream %s: %v", name, err)
			continue
		}
		si, err := s.Info(ctx)
		if err != nil {
			t.Logf("dump: stream %s: %v", name, err)
			continue
		}
		t.Logf("dump: stream %s: %+v", name, si.State)
		for ci := range s.ListConsumers(ctx).Info() {
			t.Logf("dump: consumer %s of %s: delivered %+v ack floor %+v pending %d ack pending %d redelivered %d waiting %d",
				ci.Name, name, ci.Delivered, ci.AckFloor, ci.NumPending, ci.NumAckPending, ci.NumRedelivered, ci.NumWaiting)
		}
	}
}

// TestDurable_RedeliveredWhileRunning: a task whose ack wait passes while
// its worker still runs it (made to mark no progress) is delivered to
// that worker again, with a lane free: it goes on running, and its future
// settles with its value, not with the session's refusal of a duplicate
// id (which a server restart once caused). A second task, which takes
// the lane after the second delivery, orders the test: any refusal would
// be in the results stream before it starts.
func TestDurable_RedeliveredWhileRunning(t *testing.T) {
	c := newDurable(t)
	started, err := c.nc.SubscribeSync("natsb_test.started")
	require.NoError(t, err)
	again, err := c.nc.SubscribeSync("natsb_test.redelivered")
	require.NoError(t, err)
	require.NoError(t, c.nc.Flush())
	w := c.startWorker(t, 2, envDurable+"=1", envNoProgress+"=1")
	b, err := natsb.NewBackend(c.d, hold)
	require.NoError(t, err)
	ctx := within(t, 20*time.Second)
	p, err := pool.NewOn(ctx, b, pool.WithMaxWorkers(2))
	require.NoError(t, err)
	t.Cleanup(func() { p.Cancel() })
	f1 := p.Submit(ctx, 1)
	m, err := started.NextMsgWithContext(ctx)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(m.Data), "1 "))
	_, err = again.NextMsgWithContext(ctx)
	require.NoError(t, err, "delivered again while it runs")
	f2 := p.Submit(ctx, 2)
	m, err = started.NextMsgWithContext(ctx)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(m.Data), "2 "), "task 1 did not start again: %s", m.Data)
	for _, id := range []string{"1", "2"} {
		require.NoError(t, c.nc.Publish("natsb_test.release."+id, nil))
	}
	for _, f := range []*future.Future[int]{f1, f2} {
		v, err := f.Await(ctx)
		require.NoError(t, err)
		require.Equal(t, w.cmd.Process.Pid, v)
	}
	require.NoError(t, p.Stop(ctx))
	require.Equal(t, uint64(2), p.Stats().Succeeded)
}

// TestDurable_ResultLost: a result delivered to the dispatcher but lost
// on the way (made to be ignored, once) is delivered again, and its
// future settles with its value well within the call's ctx (JetStream's
// default ack wait of 30 s would outlast it).
func TestDurable_ResultLost(t *testing.T) {
	c := newDurable(t)
	lost := make(chan uint64, 1)
	natsb.SetDropResult(func(id, delivered uint64) bool {
		if delivered == 1 {
			lost <- id
			return true
		}
		return false
	})
	t.Cleanup(func() { natsb.SetDropResult(nil) })
	c.startWorker(t, 1, envDurable+"=1")
	p := durablePool(t, c, 1)
	ctx := within(t, 10*time.Second)
	f := p.Submit(ctx, 5)
	select {
	case <-lost:
	case <-ctx.Done():
		t.Fatal("no result delivered")
	}
	v, err := f.Await(ctx)
	require.NoError(t, err)
	require.Equal(t, 25, v)
	require.NoError(t, p.Stop(ctx))
}
