// Command ondemand shows an on-demand pool under bursts: workers start when
// a burst arrives, serve the whole burst (no goroutine start per task), and
// exit after lingering idle, so between bursts the pool holds no goroutines.
//
//	go run ./examples/ondemand
package main

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

func main() {
	ctx := context.Background()
	const linger = 20 * time.Millisecond
	p, err := pool.New(func(_ context.Context, x int) (int, error) {
		time.Sleep(time.Millisecond) // some work
		return 2 * x, nil
	}, pool.WithMaxWorkers(8), pool.WithOnDemand(linger))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("idle pool: %d worker goroutines\n", p.Alive())
	for burst := 1; burst <= 3; burst++ {
		futs := make([]*future.Future[int], 100)
		for i := range futs {
			futs[i] = p.Submit(ctx, i)
		}
		fmt.Printf("burst %d submitted: %d worker goroutines (at most 8)\n", burst, p.Alive())
		if _, err := future.All(ctx, futs...); err != nil {
			log.Fatal(err)
		}
		// Idle gap, longer than the linger: the workers exit.
		deadline := time.Now().Add(time.Second)
		for p.Alive() > 0 && time.Now().Before(deadline) {
			time.Sleep(linger / 4)
		}
		fmt.Printf("after the idle gap: %d worker goroutines\n", p.Alive())
	}
	if err := p.Stop(ctx); err != nil {
		log.Fatal(err)
	}
	s := p.Stats()
	fmt.Printf("done: %d tasks succeeded\n", s.Succeeded)
}
