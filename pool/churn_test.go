package pool_test

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

// churnResizes is how many resizes TestResizeChurn makes: 20,000 by
// default, SLUICE_CHURN_RESIZES to change it (the issue that found the
// retire deadlock asked for a run of 1,000,000 under -race).
func churnResizes(t *testing.T) int {
	n := 20_000
	if testing.Short() {
		n = 2_000
	}
	if s := os.Getenv("SLUICE_CHURN_RESIZES"); s != "" {
		v, err := strconv.Atoi(s)
		require.NoError(t, err, "SLUICE_CHURN_RESIZES")
		n = v
	}
	return n
}

// TestResizeChurn resizes a pool between 1 and 3 workers over and over, in
// real time, while two submitters race it with quick tasks (some keyed,
// some with priorities), for every strategy, with and without stealing.
// Nothing may hang (a watchdog fails the test if the resizer stops making
// progress for a minute) and every task must settle exactly once. Before
// the group was rebuilt, retire drained a worker's channel under the slot
// lock and two submitters with Resize(1↔3) hung within seconds.
func TestResizeChurn(t *testing.T) {
	total := churnResizes(t)
	kinds := []struct {
		name string
		opts []pool.Option
	}{
		{"round-robin", nil},
		{"least-active/no-steal", []pool.Option{pool.WithStrategy(balance.LeastActive()), pool.WithStealing(false)}},
		{"key-affinity", []pool.Option{pool.WithStrategy(balance.KeyAffinity(balance.RoundRobin()))}},
		{"on-demand", []pool.Option{pool.WithOnDemand(0)}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			churn(t, total/len(kinds), k.opts)
		})
	}
}

func churn(t *testing.T, resizes int, opts []pool.Option) {
	p, err := pool.New(func(_ context.Context, x int) (int, error) {
		if x%64 == 0 {
			runtime.Gosched()
		}
		return x, nil
	}, append([]pool.Option{
		pool.WithMaxWorkers(3), pool.WithMaxQueued(2),
		// Submitters wait for room, so queues stay short however slow
		// the workers are beside the resizer (under -race, much slower).
		pool.WithMaxPending(64, pool.Block),
	}, opts...)...)
	require.NoError(t, err)
	ctx := context.Background()

	var progress atomic.Int64
	stop := make(chan struct{})
	var settled, submitted atomic.Int64
	var wg sync.WaitGroup
	for s := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var f *future.Future[int]
				switch i % 3 {
				case 0:
					f = p.SubmitKey(ctx, uint64(i%7), i)
				case 1:
					f = p.SubmitPriority(ctx, s, i)
				default:
					f = p.Submit(ctx, i)
				}
				submitted.Add(1)
				f.OnSettled(func(int, error) { settled.Add(1) })
			}
		})
	}
	resized := make(chan error, 1)
	go func() {
		for i := range resizes {
			n := 1 + (i*7+i/3)%3
			if err := p.Resize(ctx, n); err != nil {
				resized <- err
				return
			}
			progress.Add(1)
		}
		resized <- nil
	}()

	// The watchdog: the resizer must get on; a minute without one resize
	// is a hang, not slowness.
	last, quiet := int64(-1), 0
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
wait:
	for {
		select {
		case err := <-resized:
			require.NoError(t, err)
			break wait
		case <-tick.C:
			if now := progress.Load(); now != last {
				last, quiet = now, 0
				continue
			}
			if quiet++; quiet >= 60 {
				buf := make([]byte, 1<<20)
				t.Fatalf("no resize for a minute after %d of %d; goroutines:\n%s", last, resizes, buf[:runtime.Stack(buf, true)])
			}
		}
	}
	close(stop)
	wg.Wait()
	stopped := make(chan error, 1)
	go func() { stopped <- p.Stop(ctx) }()
	select {
	case err := <-stopped:
		require.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatal("Stop hung")
	}
	require.Equal(t, submitted.Load(), settled.Load(), "every task settles exactly once")
	st := p.Stats()
	require.Equal(t, st.Submitted, st.Succeeded+st.Failed+st.Cancelled)
	require.EqualValues(t, submitted.Load(), st.Succeeded)
}
