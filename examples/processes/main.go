// Command processes runs a pool's workers as operating-system processes:
// CPU-bound work on 4 worker processes, results in submission order, and
// then a worker that crashes, which fails only the task it was running.
//
//	go run ./examples/processes
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log"
	"os"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/proc"
	"github.com/sluice-go/sluice/remote"
	"github.com/sluice-go/sluice/stage"
)

// The functions the workers serve, registered at package scope so that
// the parent and every worker process have them.
var (
	hash  = remote.Register("hash", Hash)
	crash = remote.Register("crash", Crash)
)

// Hash hashes n a few thousand times: some CPU work.
func Hash(_ context.Context, n int) (string, error) {
	sum := sha256.Sum256([]byte(fmt.Sprint(n)))
	for range 5000 {
		sum = sha256.Sum256(sum[:])
	}
	return fmt.Sprintf("%x", sum[:4]), nil
}

// Crash takes its worker process down when asked to.
func Crash(_ context.Context, n int) (int, error) {
	if n == 13 {
		os.Exit(3)
	}
	return n * n, nil
}

func main() {
	proc.Main() // in a worker process, serve and exit; here, return at once
	ctx := context.Background()

	b, err := proc.NewBackend(hash)
	if err != nil {
		log.Fatal(err)
	}
	p, err := pool.NewOn(ctx, b, pool.WithMaxWorkers(4))
	if err != nil {
		log.Fatal(err)
	}
	futs := make([]*future.Future[string], 100)
	for i := range futs {
		futs[i] = p.Submit(ctx, i)
	}
	sums, err := future.All(ctx, futs...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("100 hashes on 4 worker processes, in order: %s %s %s ... %s\n", sums[0], sums[1], sums[2], sums[99])
	if err := p.Stop(ctx); err != nil {
		log.Fatal(err)
	}

	// One worker process, and a task that crashes it: only that task fails,
	// and the next one runs on a fresh process.
	cb, err := proc.NewBackend(crash, proc.WithOutput(os.Stdout))
	if err != nil {
		log.Fatal(err)
	}
	cp, err := pool.NewOn(ctx, cb, pool.WithMaxWorkers(1), pool.WithMaxQueued(1))
	if err != nil {
		log.Fatal(err)
	}
	var crashed []*future.Future[int]
	for _, n := range []int{11, 12, 13, 14, 15} {
		crashed = append(crashed, cp.Submit(ctx, n))
	}
	for i, f := range crashed {
		v, err := f.Wait()
		var lost *proc.LostError
		switch {
		case errors.As(err, &lost):
			fmt.Printf("task %d: worker lost (%v, matches stage.ErrWorkerLost: %v)\n", 11+i, lost.State, errors.Is(err, stage.ErrWorkerLost))
		case err != nil:
			log.Fatal(err)
		default:
			fmt.Printf("task %d: %d\n", 11+i, v)
		}
	}
	if err := cp.Stop(ctx); err != nil {
		log.Fatal(err)
	}
}
