// Command balancing shows why the strategy matters when tasks take very
// different times. Requests arrive at a steady pace, and every fourth one
// is 40x slower than the others: with round robin the slow ones all land on
// the same worker, which falls behind while the others idle. Least active
// and power-of-two see which workers are busy and send new work elsewhere.
//
// (If all tasks are submitted at once, before any finishes, a count-based
// strategy has nothing to go on: least active then splits the tasks evenly
// by count, like round robin.)
//
//	go run ./examples/balancing
package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

const (
	workers = 4
	tasks   = 64
	fast    = time.Millisecond
	slow    = 40 * time.Millisecond
	arrival = 3 * time.Millisecond // one request every 3ms: the pool is ~90% busy
)

// duration is task i's run time: every fourth one is slow.
func duration(i int) time.Duration {
	if i%workers == 0 {
		return slow
	}
	return fast
}

func run(strategy balance.Strategy) (time.Duration, error) {
	ctx := context.Background()
	work := func(ctx context.Context, i int) (int, error) {
		select {
		case <-time.After(duration(i)):
			return i, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	p, err := pool.New(work, pool.WithMaxWorkers(workers), pool.WithStrategy(strategy))
	if err != nil {
		return 0, err
	}
	futs := make([]*future.Future[int], tasks)
	tick := time.NewTicker(arrival)
	defer tick.Stop()
	start := time.Now()
	for i := range futs {
		futs[i] = p.Submit(ctx, i)
		<-tick.C
	}
	if _, err := future.All(ctx, futs...); err != nil {
		return 0, err
	}
	elapsed := time.Since(start)
	return elapsed, p.Stop(ctx)
}

func main() {
	var total time.Duration
	for i := range tasks {
		total += duration(i)
	}
	ideal := max(total/workers, tasks*arrival)
	fmt.Printf("%d requests, one every %v, on %d workers; total work %v; no strategy can finish before %v\n\n",
		tasks, arrival, workers, total, ideal)
	for _, s := range []balance.Strategy{
		balance.RoundRobin(), balance.LeastActive(), balance.PowerOfTwo(), balance.Random(),
	} {
		elapsed, err := run(s)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-13v %8v  (%.2fx ideal)\n", s, elapsed.Round(time.Millisecond), float64(elapsed)/float64(ideal))
	}
}
