package pool_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

// CPUWorker is one worker's state: each pool worker has one.
type CPUWorker struct{ calls int }

func newCPUWorker(context.Context, int) (*CPUWorker, error) { return &CPUWorker{}, nil }

// Compute squares x. Calls on one CPUWorker never overlap, so it needs no
// lock for calls.
func (w *CPUWorker) Compute(_ context.Context, x int) (int, error) {
	w.calls++
	return x * x, nil
}

// A pool of 4 stateful workers, 100 tasks spread over them, the results
// gathered in order.
func Example() {
	ctx := context.Background()
	p, err := pool.NewStateful(ctx, newCPUWorker, (*CPUWorker).Compute, pool.WithMaxWorkers(4))
	if err != nil {
		fmt.Println(err)
		return
	}
	futures := make([]*future.Future[int], 100)
	for i := range futures {
		futures[i] = p.Submit(ctx, i) // returns at once
	}
	results, err := future.All(ctx, futures...)
	if err != nil {
		fmt.Println(err)
		return
	}
	sum := 0
	for _, r := range results {
		sum += r
	}
	fmt.Println(results[:5], results[99])
	fmt.Println("sum:", sum)
	fmt.Println(p.Stop(ctx))
	// Output:
	// [0 1 4 9 16] 9801
	// sum: 328350
	// <nil>
}

// A function pool: workers without state of their own.
func ExampleNew() {
	ctx := context.Background()
	p, err := pool.New(func(_ context.Context, s string) (string, error) {
		return strings.ToUpper(s), nil
	}, pool.WithMaxWorkers(2))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Stop(ctx)

	f := p.Submit(ctx, "hello")
	v, err := f.Await(ctx)
	fmt.Println(v, err)

	v, err = p.Call(ctx, "pool")
	fmt.Println(v, err)
	// Output:
	// HELLO <nil>
	// POOL <nil>
}

// Map runs a slice through the pool and returns the results in the order
// of the inputs, or the first error.
func ExamplePool_Map() {
	ctx := context.Background()
	p, err := pool.New(func(_ context.Context, n int) (int, error) {
		if n < 0 {
			return 0, errors.New("negative input")
		}
		return n * 10, nil
	}, pool.WithMaxWorkers(3))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Stop(ctx)

	fmt.Println(p.Map(ctx, []int{1, 2, 3, 4, 5}))
	fmt.Println(p.Map(ctx, []int{1, -2, 3}))
	// Output:
	// [10 20 30 40 50] <nil>
	// [] negative input
}

// Counter is a worker's state: a running total.
type Counter struct{ total int }

// Add adds n to the total and returns it.
func (c *Counter) Add(_ context.Context, n int) (int, error) {
	c.total += n
	return c.total, nil
}

// A stateful pool whose task is a method, passed as a method expression.
// Round robin gives task k to worker k mod 3, so each worker's total is
// known.
func ExampleNewStateful() {
	ctx := context.Background()
	var counters []*Counter
	newCounter := func(context.Context, int) (*Counter, error) {
		c := &Counter{}
		counters = append(counters, c)
		return c, nil
	}
	p, err := pool.NewStateful(ctx, newCounter, (*Counter).Add, pool.WithMaxWorkers(3))
	if err != nil {
		fmt.Println(err)
		return
	}
	for n := 1; n <= 9; n++ {
		p.Submit(ctx, n)
	}
	if err := p.Stop(ctx); err != nil { // Stop drains: every task runs
		fmt.Println(err)
		return
	}
	// Each task ran on one worker's Counter, wherever it was placed.
	total := 0
	for _, c := range counters {
		total += c.total
	}
	fmt.Printf("%d counters, total %d\n", len(counters), total)
	// Output:
	// 3 counters, total 45
}

// SubmitKey with key affinity runs all tasks of one key on one worker, in
// the order they were submitted.
func ExamplePool_SubmitKey() {
	ctx := context.Background()
	newLog := func(context.Context, int) (*[]string, error) { return new([]string), nil }
	appendTo := func(log *[]string, _ context.Context, s string) ([]string, error) {
		*log = append(*log, s)
		return *log, nil
	}
	p, err := pool.NewStateful(ctx, newLog, appendTo,
		pool.WithMaxWorkers(4), pool.WithStrategy(balance.KeyAffinity(balance.RoundRobin())))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Stop(ctx)

	user := balance.KeyOf("ada")
	var last *future.Future[[]string]
	for _, s := range []string{"login", "view", "buy", "logout"} {
		last = p.SubmitKey(ctx, user, s)
	}
	log, err := last.Await(ctx)
	fmt.Println(log, err)
	// Output: [login view buy logout] <nil>
}

// WithRetry tries a failing task again on the same worker.
func ExampleWithRetry() {
	ctx := context.Background()
	tries := 0
	flaky := func(context.Context, string) (string, error) {
		tries++ // one worker: calls never overlap
		if tries < 3 {
			return "", errors.New("unavailable")
		}
		return "ok", nil
	}
	p, err := pool.New(flaky, pool.WithMaxWorkers(1), pool.WithRetry(pool.Retry{
		Attempts: 5,
		Backoff:  pool.Exponential(time.Millisecond, time.Second),
		Jitter:   true, // each wait drawn from [0, d)
	}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer p.Stop(ctx)
	v, err := p.Call(ctx, "request")
	fmt.Println(v, err, "after", tries, "tries")
	// Output: ok <nil> after 3 tries
}

// Bad options are refused with an error that names them.
func ExampleNew_badOption() {
	_, err := pool.New(func(_ context.Context, x int) (int, error) { return x, nil }, pool.WithMaxQueued(0))
	fmt.Println(err)
	// Output: pool: WithMaxQueued(0): want at least 1
}

// Queues and backpressure: Submit never blocks on busy workers, but a cap on
// pending tasks can make it wait, or fail at once, when the pool is full.
func ExampleWithMaxPending() {
	ctx := context.Background()
	release := make(chan struct{})
	slow := func(_ context.Context, x int) (int, error) { <-release; return x, nil }
	p, err := pool.New(slow,
		pool.WithMaxWorkers(2),
		pool.WithMaxQueued(1),             // one task handed to each worker at a time
		pool.WithMaxPending(3, pool.Fail), // at most 3 tasks not yet finished
		pool.WithStrategy(balance.LeastActive()),
	)
	if err != nil {
		fmt.Println(err)
		return
	}
	var futs []*future.Future[int]
	for i := range 4 {
		futs = append(futs, p.Submit(ctx, i)) // never waits for a worker
	}
	_, err = futs[3].Wait()
	fmt.Println(err) // the fourth is refused: the pool is full
	close(release)
	fmt.Println(future.All(ctx, futs[:3]...))
	fmt.Println(p.Stop(ctx))
	// Output:
	// pool: too many pending tasks
	// [0 1 2] <nil>
	// <nil>
}

// Priorities order a worker's waiting tasks; Resize grows or shrinks a
// running pool without losing or repeating a task.
func ExamplePool_Resize() {
	ctx := context.Background()
	started, release := make(chan struct{}), make(chan struct{})
	var order []string
	p, err := pool.New(func(_ context.Context, name string) (string, error) {
		if name == "first" {
			close(started)
			<-release
		}
		order = append(order, name) // one worker: calls never overlap
		return name, nil
	}, pool.WithMaxWorkers(1), pool.WithMaxQueued(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	p.Submit(ctx, "first") // runs, and holds the worker
	<-started
	p.SubmitPriority(ctx, 0, "low")
	p.SubmitPriority(ctx, 5, "urgent") // jumps ahead of "low"
	close(release)
	fmt.Println(p.Stop(ctx), order)

	q, _ := pool.New(func(_ context.Context, x int) (int, error) { return x, nil }, pool.WithMaxWorkers(2))
	fmt.Println(q.Resize(ctx, 8), q.Workers()) // grows at once
	fmt.Println(q.Resize(ctx, 1), q.Workers()) // queued tasks move to the workers left
	fmt.Println(q.Stop(ctx))
	// Output:
	// <nil> [first urgent low]
	// <nil> 8
	// <nil> 1
	// <nil>
}
