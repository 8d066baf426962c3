package future_test

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sluice-go/sluice/future"
)

func ExampleGo() {
	ctx := context.Background()
	f := future.Go(ctx, func(ctx context.Context) (string, error) {
		return strings.ToUpper("hello"), nil
	})
	v, err := f.Await(ctx)
	fmt.Println(v, err)
	// Output: HELLO <nil>
}

func ExampleNew() {
	f, p := future.New[int](context.Background())
	go func() {
		p.Resolve(42) // the producer settles the future, once
	}()
	v, _ := f.Wait()
	fmt.Println(v, p.Resolve(7))
	// Output: 42 false
}

func ExampleThen() {
	f := future.Resolved(20)
	g := future.Then(f, func(v int) (string, error) {
		return fmt.Sprint(v*2+2, " items"), nil
	})
	fmt.Println(g.Wait())
	// Output: 42 items <nil>
}

func ExampleAll() {
	ctx := context.Background()
	var futs []*future.Future[int]
	for i := 1; i <= 3; i++ {
		futs = append(futs, future.Go(ctx, func(context.Context) (int, error) { return i * i, nil }))
	}
	squares, err := future.All(ctx, futs...)
	fmt.Println(squares, err) // in input order, whatever order they finished in
	// Output: [1 4 9] <nil>
}

func ExampleAsCompleted() {
	ctx := context.Background()
	fast, pf := future.New[string](ctx)
	slow, ps := future.New[string](ctx)
	pf.Resolve("fast")
	for i, r := range future.AsCompleted(ctx, slow, fast) {
		fmt.Println(i, r.Value, r.Err)
		ps.Resolve("slow") // settled only once the fast one has been seen
	}
	// Output:
	// 1 fast <nil>
	// 0 slow <nil>
}

func ExampleWait() {
	ctx := context.Background()
	ok := future.Resolved("ok")
	bad := future.Failed[string](errors.New("disk full"))
	stuck, _ := future.New[string](ctx)

	done, pending, err := future.Wait(ctx, future.FirstError, ok, stuck, bad)
	fmt.Println(len(done), len(pending), err)
	for _, f := range pending {
		f.Cancel() // Wait leaves the stragglers to the caller
	}
	// Output: 2 1 <nil>
}

func ExampleFirst() {
	ctx := context.Background()
	replicaA := future.Failed[string](errors.New("a: timeout"))
	replicaB := future.Resolved("b: answer")
	replicaC, _ := future.New[string](ctx)

	v, err := future.First(ctx, replicaA, replicaB, replicaC)
	fmt.Println(v, err)
	_, err = replicaC.Wait() // the loser was cancelled
	fmt.Println(err)
	// Output:
	// b: answer <nil>
	// future: cancelled: context canceled
}

func ExampleFuture_Cancel() {
	ctx := context.Background()
	started := make(chan struct{})
	f := future.Go(ctx, func(ctx context.Context) (int, error) {
		close(started)
		<-ctx.Done() // cancellation is cooperative: the work watches its ctx
		return 0, ctx.Err()
	})
	<-started
	fmt.Println(f.Cancel(), f.Cancel())
	_, err := f.Wait()
	fmt.Println(errors.Is(err, future.ErrCancelled), errors.Is(err, context.Canceled))
	// Output:
	// true false
	// true true
}

func ExampleWithPanicHandler() {
	f, p := future.New[int](context.Background())
	f.OnSettled(func(v int, _ error) {
		panic(fmt.Sprint("cannot use ", v))
	}, future.WithPanicHandler(func(pe *future.PanicError) {
		fmt.Println("recovered:", pe.Value)
	}))
	fmt.Println(p.Resolve(7)) // the settler carries on
	// Output:
	// recovered: cannot use 7
	// true
}
