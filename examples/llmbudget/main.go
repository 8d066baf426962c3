// Command llmbudget shows limits shared by every worker of a pool: a pool of
// 20 workers calls a (fake) LLM API under one budget that all of them
// share: at most 5 connections open at once, 100 requests per second, and
// 20,000 tokens per minute. Each call asks for its estimated tokens up
// front and reports what it really used afterwards; the unused tokens go
// back to the budget. It prints the rates it observed.
//
//	go run ./examples/llmbudget
package main

import (
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"github.com/sluice-go/sluice/pool"
)

const (
	requests  = 200
	estimated = 120 // tokens asked for per call, before knowing
)

// fakeLLM answers a prompt after some latency and says how many tokens it
// used. It tracks how many calls are open at once.
type fakeLLM struct {
	open, maxOpen atomic.Int64
}

func (l *fakeLLM) complete(ctx context.Context, prompt int) (tokens int64, err error) {
	n := l.open.Add(1)
	defer l.open.Add(-1)
	for {
		m := l.maxOpen.Load()
		if n <= m || l.maxOpen.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case <-time.After(time.Duration(20+rand.IntN(40)) * time.Millisecond):
		return int64(20 + prompt%60), nil // 20..79 tokens
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func main() {
	ctx := context.Background()

	conns, err := limiter.NewResourceLimit("connections", 5)
	check(err)
	reqs, err := limiter.NewRateLimit("requests", 100, time.Second, limiter.WithBurst(10))
	check(err)
	tokens, err := limiter.NewRateLimit("tokens", 20_000, time.Minute)
	check(err)
	budget, err := limiter.NewSet(conns, reqs, tokens)
	check(err)
	// Each task takes 1 connection, 1 request and the estimated tokens.
	perCall, err := budget.WithDefault(limiter.Request{"tokens": estimated})
	check(err)

	llm := &fakeLLM{}
	var used atomic.Int64
	call := func(ctx context.Context, prompt int) (int64, error) {
		n, err := llm.complete(ctx, prompt)
		if err != nil {
			return 0, err
		}
		// Report real usage: the rest of the estimate is refunded.
		lease, _ := limiter.FromContext(ctx)
		if err := lease.Report("tokens", n); err != nil {
			return 0, err
		}
		used.Add(n)
		return n, nil
	}
	p, err := pool.New(call, pool.WithMaxWorkers(20), pool.WithLimit(perCall))
	check(err)

	prompts := make([]int, requests)
	for i := range prompts {
		prompts[i] = i
	}
	start := time.Now()
	_, err = p.Map(ctx, prompts)
	check(err)
	elapsed := time.Since(start)
	check(p.Stop(ctx))

	secs := elapsed.Seconds()
	fmt.Printf("%d calls by 20 workers in %.2fs\n", requests, secs)
	fmt.Printf("connections: at most %d open at once (limit 5)\n", llm.maxOpen.Load())
	fmt.Printf("requests:    %.0f per second (limit 100/s, burst 10; at most %.0f/s over this run)\n",
		requests/secs, (10+100*secs)/secs)
	fmt.Printf("tokens:      %d used of %d asked for; %.0f per minute over this run\n",
		used.Load(), int64(requests*estimated), float64(used.Load())/secs*60)
	fmt.Printf("             (limit 20,000/min with a burst of 20,000: at most %.0f in %.2fs;\n",
		20_000+20_000*secs/60, secs)
	fmt.Printf("             without refunds of unused tokens the last calls would have waited ~%.0fs)\n",
		float64(requests*estimated-20_000)/(20_000.0/60))
	fmt.Printf("budget left: %d connections, %d tokens available now\n", conns.Available(), tokens.Available())
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
