// Command balancing shows why placement matters when tasks take very
// different times. Requests arrive at a steady pace, and every fourth one
// is 40x slower than the others. With stealing off, the strategy alone
// places each task: round robin puts the slow ones all on the same worker,
// which falls behind while the others idle, and least active and
// power-of-two see which workers are busy and send new work elsewhere.
// With stealing (the default), an idle worker takes what waits behind a
// busy one, so every strategy comes close to the ideal.
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

func run(strategy balance.Strategy, steal bool) (time.Duration, error) {
	ctx := context.Background()
	work := func(ctx context.Context, i int) (int, error) {
		select {
		case <-time.After(duration(i)):
			return i, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	p, err := pool.New(work, pool.WithMaxWorkers(workers), pool.WithStrategy(strategy), pool.WithStealing(steal))
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
	fmt.Printf("%-13s %-22s %s\n", "", "stealing off", "stealing on (default)")
	for _, newStrategy := range []func() balance.Strategy{
		balance.RoundRobin, balance.LeastActive, balance.PowerOfTwo, balance.Random,
	} {
		var cols []string
		for _, steal := range []bool{false, true} {
			elapsed, err := run(newStrategy(), steal)
			if err != nil {
				log.Fatal(err)
			}
			cols = append(cols, fmt.Sprintf("%7v (%.2fx ideal)", elapsed.Round(time.Millisecond), float64(elapsed)/float64(ideal)))
		}
		fmt.Printf("%-13v %-22s %s\n", newStrategy(), cols[0], cols[1])
	}
}
