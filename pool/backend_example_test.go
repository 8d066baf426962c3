package pool_test

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/stage"
)

// upper is a backend whose workers are "connections" (here, a counter
// each) that can break: a broken one fails its attempt with
// stage.ErrWorkerLost, and the next Run on that worker dials a new one.
type upper struct {
	mu     sync.Mutex
	conns  map[int]*conn
	dialed int
}

type conn struct{ calls int }

func (u *upper) Run(_ context.Context, w int, in string) (string, error) {
	u.mu.Lock()
	c := u.conns[w]
	if c == nil { // a new worker, or one whose connection was lost
		c = &conn{}
		u.conns[w] = c
		u.dialed++
	}
	if in == "break" {
		delete(u.conns, w) // the next Run on w dials again
		u.mu.Unlock()
		return "", fmt.Errorf("connection reset: %w", stage.ErrWorkerLost)
	}
	c.calls++
	u.mu.Unlock()
	return strings.ToUpper(in), nil
}

// WorkerEnded hangs up worker w's connection.
func (u *upper) WorkerEnded(w int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	delete(u.conns, w)
}

// Close is called once every worker has ended.
func (u *upper) Close() error { return nil }

func ExampleNewOn() {
	ctx := context.Background()
	b := &upper{conns: map[int]*conn{}}
	p, err := pool.NewOn(ctx, b, pool.WithMaxWorkers(1))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Call(ctx, "hello"))
	_, err = p.Call(ctx, "break")
	fmt.Println(err)
	fmt.Println(p.Call(ctx, "again")) // on a fresh connection
	fmt.Println(p.Stop(ctx), b.dialed)
	// Output:
	// HELLO <nil>
	// connection reset: stage: worker lost
	// AGAIN <nil>
	// <nil> 2
}
