package future_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/sluice-go/sluice/future"
)

var sink int

// BenchmarkNewResolveAwait is the whole life of a future in one goroutine:
// make it, resolve it, await it.
func BenchmarkNewResolveAwait(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	for b.Loop() {
		f, p := future.New[int](ctx)
		p.Resolve(1)
		v, _ := f.Await(ctx)
		sink += v
	}
}

// BenchmarkAwaitSettled is awaiting a future that has already settled.
func BenchmarkAwaitSettled(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	f := future.Resolved(1)
	for b.Loop() {
		v, _ := f.Await(ctx)
		sink += v
	}
}

// BenchmarkGo runs a no-op in its own goroutine and waits for it: the cost
// of a goroutine, a wake-up and a future.
func BenchmarkGo(b *testing.B) {
	b.ReportAllocs()
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	for b.Loop() {
		v, _ := future.Go(ctx, fn).Await(ctx)
		sink += v
	}
}

// BenchmarkAll gathers n futures. go: n no-op [future.Go] tasks started and
// gathered, the usual case (their goroutines dominate); settled: n futures
// already settled, All's own bookkeeping. ns/future divides by n.
func BenchmarkAll(b *testing.B) {
	ctx := context.Background()
	fn := func(context.Context) (int, error) { return 1, nil }
	for _, n := range []int{1, 16, 1024} {
		b.Run(fmt.Sprintf("go/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			fs := make([]*future.Future[int], n)
			for b.Loop() {
				for i := range fs {
					fs[i] = future.Go(ctx, fn)
				}
				vals, _ := future.All(ctx, fs...)
				sink += len(vals)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/future")
		})
		b.Run(fmt.Sprintf("settled/n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			fs := make([]*future.Future[int], n)
			for i := range fs {
				fs[i] = future.Resolved(i)
			}
			for b.Loop() {
				vals, _ := future.All(ctx, fs...)
				sink += len(vals)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/future")
		})
	}
}

// BenchmarkResolveCallbacks makes a future, registers n no-op callbacks and
// resolves it: the cost of running callbacks on settle.
func BenchmarkResolveCallbacks(b *testing.B) {
	ctx := context.Background()
	cb := func(v int, _ error) { sink += v }
	for _, n := range []int{1, 4} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				f, p := future.New[int](ctx)
				for range n {
					f.OnSettled(cb)
				}
				p.Resolve(1)
			}
		})
	}
}
