package flow_test

import (
	"context"
	"testing"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/pool"
)

func noop(_ context.Context, v int) (int, error) { return v, nil }

// benchPool measures the per-item cost of a pool stage of 8 workers on a
// noop function, from a slice source into sink; the slice is made before
// the timer starts.
func benchPool(b *testing.B, ordered, collect bool) {
	items := make([]int, b.N)
	for i := range items {
		items[i] = i
	}
	f := flow.From(items).Pool(noop, pool.WithMaxWorkers(8))
	if !ordered {
		f = f.Unordered()
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	if collect {
		res, err := f.Collect(ctx)
		if err != nil || len(res) != b.N {
			b.Fatalf("got %d results, %v; want %d", len(res), err, b.N)
		}
		return
	}
	if err := f.Drain(ctx); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkPool is the cost per item of a flow with one pool stage of 8
// workers on a noop function.
func BenchmarkPool(b *testing.B) {
	for _, order := range []string{"unordered", "ordered"} {
		for _, sink := range []string{"Drain", "Collect"} {
			b.Run("order="+order+"/sink="+sink, func(b *testing.B) {
				benchPool(b, order == "ordered", sink == "Collect")
			})
		}
	}
}
