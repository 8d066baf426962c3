// Command pipeline is a streaming pipeline built with package flow: it
// reads orders line by line, prices each one by calling a slow, flaky,
// rate-limited service from a pool of workers (with a per-call timeout
// and retries), groups the priced orders into batches and writes each
// batch out, with a progress line at the end.
//
//	go run ./examples/pipeline
package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/limiter"
	"github.com/sluice-go/sluice/pool"
)

// order is one line of input: a number and a quantity.
type order struct {
	N   int
	Qty int
}

// priced is an order with the price the service gave it.
type priced struct {
	order
	Cents int
}

// errBusy is the service's transient failure: worth a retry.
var errBusy = errors.New("service busy")

// service stands for a remote pricing API: each call takes a few
// milliseconds, and the first call for every seventh order fails.
type service struct {
	mu    sync.Mutex
	tried map[int]bool
	calls int
}

func (s *service) price(ctx context.Context, o order) (priced, error) {
	select {
	case <-time.After(2 * time.Millisecond):
	case <-ctx.Done():
		return priced{}, ctx.Err()
	}
	s.mu.Lock()
	first := !s.tried[o.N]
	s.tried[o.N] = true
	s.calls++
	s.mu.Unlock()
	if first && o.N%7 == 0 {
		return priced{}, errBusy
	}
	return priced{order: o, Cents: 199 * o.Qty}, nil
}

func (s *service) callCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// readOrders is a source: it yields the orders on r, one per line.
func readOrders(r io.Reader) flow.Flow[order] {
	return flow.FromFunc(func(ctx context.Context, yield func(order) bool) error {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			var o order
			if _, err := fmt.Sscanf(sc.Text(), "order-%d %d", &o.N, &o.Qty); err != nil {
				return fmt.Errorf("reading orders: %q: %w", sc.Text(), err)
			}
			if !yield(o) {
				return nil
			}
		}
		return sc.Err()
	})
}

func input(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "order-%03d %d\n", i, i%7+1)
	}
	return b.String()
}

func main() {
	ctx := context.Background()
	// The service allows 400 calls a second, 40 at once after a pause.
	lim, err := limiter.NewRateLimit("pricing", 400, time.Second, limiter.WithBurst(40))
	if err != nil {
		log.Fatal(err)
	}
	svc := &service{tried: map[int]bool{}}
	const n = 200

	orders := readOrders(strings.NewReader(input(n))).Throttle(lim)
	prices := flow.Pool(orders, svc.price,
		pool.WithMaxWorkers(8),
		pool.WithStrategy(balance.LeastActive()), // no worker waits behind a slow call
		pool.WithTimeout(time.Second),
		pool.WithRetry(pool.Retry{
			Attempts: 3,
			Backoff:  pool.Exponential(5*time.Millisecond, time.Second),
			If:       func(err error) bool { return errors.Is(err, errBusy) },
		}),
	)
	batches := flow.Batch(prices, 25, time.Second)

	var last flow.Progress
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	err = batches.ForEach(ctx, func(b []priced) error {
		total := 0
		for _, p := range b {
			total += p.Cents
		}
		_, err := fmt.Fprintf(w, "batch of %2d orders, %03d to %03d: $%d.%02d\n",
			len(b), b[0].N, b[len(b)-1].N, total/100, total%100)
		return err
	}, flow.WithProgress(func(p flow.Progress) { last = p }))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(w, "%d batches written: %d orders priced in %d calls to the service\n", last.Done, n, svc.callCount())
}
