package progress_test

import (
	"context"
	"fmt"
	"io"
	"log"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/progress"
)

// A bar over futures: it takes their number as its total and advances
// as each settles. Finish after gathering draws the final line before the
// program goes on.
func ExampleFutures() {
	ctx := context.Background()
	futs := make([]*future.Future[int], 10)
	for i := range futs {
		futs[i] = future.Go(ctx, func(context.Context) (int, error) { return i * i, nil })
	}

	bar := progress.New(io.Discard, progress.WithDescription("squares")) // os.Stderr in a program
	progress.Futures(bar, futs...)
	results, err := future.All(ctx, futs...)
	if err != nil {
		log.Fatal(err)
	}
	bar.Finish()

	fmt.Println(results)
	fmt.Printf("%+v\n", bar.State())
	// Output:
	// [0 1 4 9 16 25 36 49 64 81]
	// {Done:10 Failed:0 Total:10 Finished:true}
}

// A bar over a flow: the flow tells the bar its total, when it knows it,
// and its counts as results come out.
func ExampleBar_Flow() {
	ctx := context.Background()
	bar := progress.New(io.Discard, progress.WithDescription("squares")) // os.Stderr in a program
	results, err := flow.From([]int{1, 2, 3, 4, 5}).
		Pool(func(_ context.Context, x int) (int, error) { return x * x, nil }, pool.WithMaxWorkers(2)).
		Collect(ctx, bar.Flow())
	bar.Finish() // a no-op here: the bar finished at its total
	if err != nil {
		log.Fatal(err)
	}

	fmt.Println(results)
	fmt.Printf("%+v\n", bar.State())
	// Output:
	// [1 4 9 16 25]
	// {Done:5 Failed:0 Total:5 Finished:true}
}

// A bar fed by hand.
func ExampleBar_Add() {
	bar := progress.New(io.Discard, progress.WithTotal(3)) // os.Stderr in a program
	for range 3 {
		bar.Add(1)
	}
	fmt.Printf("%+v\n", bar.State())
	// Output:
	// {Done:3 Failed:0 Total:3 Finished:true}
}
