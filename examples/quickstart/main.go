// Command quickstart is the README's first example: a pool of 4
// stateful CPU workers, 100 compute calls spread over them, their results
// in order, and a stop. Each call takes 60 to 80 ms, so the run lasts about
// two seconds, long enough to watch the progress bar on stderr: redrawn in
// place on a terminal, plain lines once a second when stderr is a file or
// a pipe. The results on stdout are the same on every run.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/progress"
)

// CPUWorker is one worker's state. Each worker has its own, and calls on one
// worker never overlap, so it needs no lock.
type CPUWorker struct {
	id    int
	calls int
}

// Compute squares x, after 60 to 80 ms that stand in for real CPU work.
func (w *CPUWorker) Compute(_ context.Context, x int) (int, error) {
	w.calls++
	time.Sleep(time.Duration(60+x%21) * time.Millisecond)
	return x * x, nil
}

func main() {
	ctx := context.Background()

	// A pool of 4 workers, each with its own CPUWorker.
	p, err := pool.NewStateful(ctx,
		func(_ context.Context, id int) (*CPUWorker, error) { return &CPUWorker{id: id}, nil },
		(*CPUWorker).Compute,
		pool.WithMaxWorkers(4),
	)
	if err != nil {
		log.Fatal(err)
	}

	// Submit 100 tasks: Submit returns a future at once, and the pool
	// spreads the tasks over the 4 workers (round robin by default).
	futures := make([]*future.Future[int], 100)
	for i := range futures {
		futures[i] = p.Submit(ctx, i)
	}

	// A progress bar on stderr that advances as each future settles.
	bar := progress.New(os.Stderr, progress.WithDescription("compute"))
	progress.Futures(bar, futures...)

	// Gather the results, in submission order.
	results, err := future.All(ctx, futures...)
	bar.Finish() // the final line, before the results
	if err != nil {
		log.Fatal(err)
	}
	if err := p.Stop(ctx); err != nil {
		log.Fatal(err)
	}

	sum := 0
	for _, r := range results {
		sum += r
	}
	fmt.Println("first results:", results[:5])
	fmt.Println("sum of squares 0..99:", sum)
	for i, w := range p.Stats().Workers {
		fmt.Printf("worker %d ran %d tasks\n", i, w.Succeeded)
	}
}
