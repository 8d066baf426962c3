package poolprom_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolprom"
)

// A collector serving one pool: register it, make the pool with it as its
// observer, Add the pool, and every scrape reads the pool's figures. In a
// program, serve the registry with promhttp.HandlerFor.
func Example() {
	ctx := context.Background()
	c, err := poolprom.New(poolprom.WithPerWorker(false))
	if err != nil {
		fmt.Println(err)
		return
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)

	p, err := pool.New(func(_ context.Context, x int) (int, error) {
		if x < 0 {
			return 0, errors.New("negative")
		}
		return 2 * x, nil
	}, pool.WithName("double"), pool.WithMaxWorkers(2), pool.WithObserver(c))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := c.Add(p); err != nil {
		fmt.Println(err)
		return
	}
	defer c.Remove("double")

	_, _ = p.Map(ctx, []int{1, 2, 3})
	_, _ = p.Call(ctx, -1)
	if err := p.Stop(ctx); err != nil {
		fmt.Println(err)
		return
	}

	mfs, err := reg.Gather()
	if err != nil {
		fmt.Println(err)
		return
	}
	enc := expfmt.NewEncoder(os.Stdout, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "sluice_pool_tasks_") {
			_ = enc.Encode(mf)
		}
	}
	// Output:
	// # HELP sluice_pool_tasks_completed_total Tasks finished, by outcome.
	// # TYPE sluice_pool_tasks_completed_total counter
	// sluice_pool_tasks_completed_total{outcome="cancelled",pool="double"} 0
	// sluice_pool_tasks_completed_total{outcome="failed",pool="double"} 1
	// sluice_pool_tasks_completed_total{outcome="succeeded",pool="double"} 3
	// # HELP sluice_pool_tasks_dropped_total Submissions refused: pool stopped or full.
	// # TYPE sluice_pool_tasks_dropped_total counter
	// sluice_pool_tasks_dropped_total{pool="double"} 0
	// # HELP sluice_pool_tasks_queued Tasks waiting for a worker.
	// # TYPE sluice_pool_tasks_queued gauge
	// sluice_pool_tasks_queued{pool="double"} 0
	// # HELP sluice_pool_tasks_running Tasks running.
	// # TYPE sluice_pool_tasks_running gauge
	// sluice_pool_tasks_running{pool="double"} 0
	// # HELP sluice_pool_tasks_submitted_total Tasks accepted by Submit.
	// # TYPE sluice_pool_tasks_submitted_total counter
	// sluice_pool_tasks_submitted_total{pool="double"} 4
}
