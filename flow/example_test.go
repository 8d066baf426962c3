package flow_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/pool"
)

func Example() {
	square := func(_ context.Context, v int) (int, error) { return v * v, nil }
	results, err := flow.From([]int{1, 2, 3, 4, 5}).
		Pool(square, pool.WithMaxWorkers(4)).
		Collect(context.Background())
	fmt.Println(results, err)
	// Output: [1 4 9 16 25] <nil>
}

// Stages that change the item type are functions that take the flow.
func Example_changingTypes() {
	ctx := context.Background()
	words := flow.From([]string{"pear", "fig", "banana", "kiwi", "plum"})
	lengths := flow.Pool(words, func(_ context.Context, w string) (int, error) {
		return len(w), nil
	})
	labels := flow.Map(lengths, strconv.Itoa)
	batches, _ := flow.Batch(labels, 2, time.Second).Collect(ctx)
	fmt.Println(batches)
	// Output: [[4 3] [6 4] [4]]
}

func ExampleFlow_All() {
	ctx := context.Background()
	upper := func(_ context.Context, s string) (string, error) { return strings.ToUpper(s), nil }
	for s, err := range flow.From([]string{"a", "b", "c", "d"}).Pool(upper).All(ctx) {
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		if s == "C" {
			break // stops the flow; nothing is left running
		}
		fmt.Println(s)
	}
	// Output:
	// A
	// B
}

func ExampleWithContinueOnError() {
	errOdd := errors.New("odd")
	half := func(_ context.Context, v int) (int, error) {
		if v%2 == 1 {
			return 0, fmt.Errorf("item %d: %w", v, errOdd)
		}
		return v / 2, nil
	}
	// One worker, so the errors happen, and are joined, in input order.
	results, err := flow.From([]int{2, 3, 4, 5, 6}).Pool(half, pool.WithMaxWorkers(1)).
		Collect(context.Background(), flow.WithContinueOnError())
	fmt.Println(results)
	fmt.Println(err)
	fmt.Println(errors.Is(err, errOdd))
	// Output:
	// [1 2 3]
	// item 3: odd
	// item 5: odd
	// true
}

func ExamplePoolStateful() {
	type worker struct{ buf strings.Builder }
	newWorker := func(context.Context, int) (*worker, error) { return new(worker), nil }
	render := func(w *worker, _ context.Context, v int) (string, error) {
		w.buf.Reset() // each worker reuses its own buffer
		fmt.Fprintf(&w.buf, "<%d>", v)
		return w.buf.String(), nil
	}
	out, _ := flow.PoolStateful(flow.From([]int{1, 2, 3}), newWorker, render, pool.WithMaxWorkers(2)).
		Collect(context.Background())
	fmt.Println(out)
	// Output: [<1> <2> <3>]
}

func ExampleWithProgress() {
	var last flow.Progress
	bar := func(p flow.Progress) { last = p } // a real bar would redraw here
	_ = flow.From(make([]int, 500)).Drain(context.Background(), flow.WithProgress(bar))
	fmt.Printf("%d/%d done, %d failed\n", last.Done, last.Total, last.Failed)
	// Output: 500/500 done, 0 failed
}
