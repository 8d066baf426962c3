package bench_test

import (
	"context"
	"testing"
)

const (
	// workers is how many tasks every subject runs at once.
	workers = 8
	// batch is how many tasks a producer submits before it collects their
	// results: the shape of pool/bench_test.go, used for every subject.
	batch = 1024
)

// bg is the context of every call that takes one.
var bg = context.Background()

// noop is the task of the throughput benchmarks: it returns its input.
func noop(_ context.Context, x int) (int, error) { return x, nil }

// inBatches calls run with the sizes of consecutive batches of at most
// batch items, b.N items in all.
func inBatches(b *testing.B, run func(n int)) {
	for i := 0; i < b.N; i += batch {
		run(min(batch, b.N-i))
	}
}

// sumTo is 0+1+...+(n-1) for each batch of b.N items: what a benchmark
// that adds up its results must get.
func sumTo(b *testing.B) int {
	want := 0
	inBatches(b, func(n int) { want += n * (n - 1) / 2 })
	return want
}

// checkSum fails the benchmark unless got is sumTo(b).
func checkSum(b *testing.B, got int) {
	b.Helper()
	if want := sumTo(b); got != want {
		b.Fatalf("results add up to %d, want %d", got, want)
	}
}
