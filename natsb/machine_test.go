package natsb_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/natsb"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/stage"
)

// TestStateMachine: workers join, leave (drain) and are killed beside
// submits, cancels and a final stop, in real time. Every future settles
// exactly once, with the right value, or with stage.ErrWorkerLost (its
// worker was killed under it) or context.Canceled (its caller gave up).
func TestStateMachine(t *testing.T) {
	c := newCluster(t)
	rapid.Check(t, func(rt *rapid.T) {
		ctx, cancelAll := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancelAll()
		var live []*inProc
		join := func() {
			nc, err := nats.Connect(c.s.URL(), nats.MaxReconnects(0))
			require.NoError(rt, err)
			wctx, cancel := context.WithCancel(context.Background())
			w := &inProc{nc: nc, cancel: cancel, done: make(chan struct{})}
			go func() {
				w.err = natsb.Serve(wctx, nc, natsb.WithWorkerLanes(2), natsb.WithHeartbeat(20*time.Millisecond))
				close(w.done)
			}()
			live = append(live, w)
		}
		join()
		b, err := natsb.NewBackend(c.d, square)
		require.NoError(rt, err)
		p, err := pool.NewOn(ctx, b, pool.WithMaxWorkers(rapid.IntRange(1, 4).Draw(rt, "workers")))
		require.NoError(rt, err)
		type task struct {
			in     int
			f      *future.Future[int]
			cancel context.CancelFunc
		}
		var tasks []task
		pick := func(label string) int { return rapid.IntRange(0, len(live)-1).Draw(rt, label) }
		rt.Repeat(map[string]func(*rapid.T){
			"submit": func(rt *rapid.T) {
				in := rapid.IntRange(0, 1000).Draw(rt, "in")
				tctx, cancel := context.WithCancel(ctx)
				tasks = append(tasks, task{in, p.Submit(tctx, in), cancel})
			},
			"cancel": func(rt *rapid.T) {
				if len(tasks) == 0 {
					rt.Skip("no task")
				}
				tasks[rapid.IntRange(0, len(tasks)-1).Draw(rt, "task")].cancel()
			},
			"join": func(rt *rapid.T) {
				if len(live) >= 4 {
					rt.Skip("enough workers")
				}
				join()
			},
			"leave": func(rt *rapid.T) {
				if len(live) < 2 {
					rt.Skip("keep one")
				}
				i := pick("leaver")
				require.NoError(rt, live[i].stop())
				live = append(live[:i], live[i+1:]...)
			},
			"kill": func(rt *rapid.T) {
				if len(live) < 2 {
					rt.Skip("keep one")
				}
				i := pick("victim")
				live[i].kill()
				live = append(live[:i], live[i+1:]...)
			},
		})
		require.NoError(rt, p.Stop(ctx))
		for i, tk := range tasks {
			v, err, ok := tk.f.TryResult()
			require.True(rt, ok, "task %d unsettled after Stop", i)
			switch {
			case err == nil:
				require.Equal(rt, tk.in*tk.in, v, "task %d", i)
			case errors.Is(err, stage.ErrWorkerLost), errors.Is(err, context.Canceled):
			default:
				rt.Fatalf("task %d: %v", i, fmt.Sprint(err))
			}
			tk.cancel()
		}
		for _, w := range live {
			require.NoError(rt, w.stop())
		}
	})
}
