package pool_test

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

func TestStatsPerWorker(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		gate := make(chan struct{})
		fn, _ := gated(gate)
		p, err := pool.New(fn, pool.WithMaxWorkers(2), pool.WithMaxQueued(2), pool.WithStealing(false))
		require.NoError(t, err)
		require.Equal(t, pool.Stats{Workers: make([]pool.WorkerStats, 2)}, p.Stats())

		futs := make([]*future.Future[int], 5)
		for i := range futs {
			futs[i] = p.Submit(ctx, i)
		}
		synctest.Wait()
		want := pool.Stats{
			Submitted: 5,
			Queued:    3,
			Running:   2,
			Workers: []pool.WorkerStats{
				{Assigned: 3, Queued: 2, Running: 1},
				{Assigned: 2, Queued: 1, Running: 1},
			},
		}
		require.Equal(t, want, p.Stats())

		futs[0].Cancel()
		futs[2].Cancel() // queued behind it: counted when the worker reaches it
		synctest.Wait()
		want = pool.Stats{
			Submitted: 5,
			Queued:    1,
			Running:   2,
			Cancelled: 2,
			Workers: []pool.WorkerStats{
				{Assigned: 3, Queued: 0, Running: 1, Cancelled: 2},
				{Assigned: 2, Queued: 1, Running: 1},
			},
		}
		require.Equal(t, want, p.Stats())

		close(gate)
		require.NoError(t, p.Stop(ctx))
		p.Submit(ctx, 9)
		want = pool.Stats{
			Submitted: 5,
			Dropped:   1,
			Succeeded: 3,
			Cancelled: 2,
			Workers: []pool.WorkerStats{
				{Assigned: 3, Succeeded: 1, Cancelled: 2},
				{Assigned: 2, Succeeded: 2},
			},
		}
		require.Equal(t, want, p.Stats())
	})
}

func TestStatsAddUpAfterStop(t *testing.T) {
	for _, cancelling := range []bool{false, true} {
		name := "graceful"
		if cancelling {
			name = "cancelled"
		}
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := context.Background()
				gate := make(chan struct{})
				fn := func(ctx context.Context, x int) (int, error) {
					switch x % 4 {
					case 1:
						return 0, errBoom
					case 2:
						panic("bad")
					}
					select {
					case <-gate:
					case <-ctx.Done():
						return 0, ctx.Err()
					}
					return x, nil
				}
				p, err := pool.New(fn, pool.WithMaxWorkers(3), pool.WithMaxQueued(2))
				require.NoError(t, err)
				futs := make([]*future.Future[int], 100)
				for i := range futs {
					futs[i] = p.Submit(ctx, i)
				}
				for i := 3; i < len(futs); i += 12 {
					futs[i].Cancel() // gated: it cannot have finished
				}
				if cancelling {
					p.Cancel()
				} else {
					close(gate)
					require.NoError(t, p.Stop(ctx))
				}
				st := p.Stats()
				require.Equal(t, uint64(100), st.Submitted)
				require.Equal(t, st.Submitted, st.Succeeded+st.Failed+st.Cancelled, "%+v", st)
				require.Zero(t, st.Queued)
				require.Zero(t, st.Running)
				var sum pool.WorkerStats
				for _, w := range st.Workers {
					sum.Assigned += w.Assigned
					sum.Succeeded += w.Succeeded
					sum.Failed += w.Failed
					sum.Cancelled += w.Cancelled
				}
				// A stolen task counts on the worker it left and on the
				// one that ran it.
				require.GreaterOrEqual(t, sum.Assigned, st.Submitted)
				require.Equal(t, st.Succeeded, sum.Succeeded)
				require.Equal(t, st.Failed, sum.Failed)
				require.Equal(t, st.Cancelled, sum.Cancelled)
				if !cancelling {
					require.Equal(t, uint64(50), st.Failed, "errors and panics")
					require.Equal(t, uint64(9), st.Cancelled)
					require.Equal(t, uint64(41), st.Succeeded)
				}
				for _, f := range futs {
					require.True(t, f.Settled())
				}
				if cancelling {
					close(gate)
				}
			})
		})
	}
}
