package pool_test

import (
	"context"
	"testing"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

func BenchmarkSubmit(b *testing.B) {
	b.Run("stealing=on", func(b *testing.B) { benchSubmit(b) })
	b.Run("stealing=off", func(b *testing.B) { benchSubmit(b, pool.WithStealing(false)) })
}

func benchSubmit(b *testing.B, opts ...pool.Option) {
	ctx := context.Background()
	p, err := pool.New(func(_ context.Context, x int) (int, error) { return x, nil }, append([]pool.Option{pool.WithMaxWorkers(8)}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Stop(ctx)
	const batch = 1024
	futs := make([]*future.Future[int], batch)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += batch {
		n := min(batch, b.N-i)
		for j := range n {
			futs[j] = p.Submit(ctx, j)
		}
		for j := range n {
			if _, err := futs[j].Await(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// noopObserver hears every task and does nothing.
type noopObserver struct{}

func (noopObserver) TaskStarted(ctx context.Context, _ pool.TaskStart) context.Context { return ctx }
func (noopObserver) TaskFinished(context.Context, pool.TaskEnd)                        {}

// valueObserver gives every task a derived context, as a tracer does.
type valueObserver struct{}

func (valueObserver) TaskStarted(ctx context.Context, _ pool.TaskStart) context.Context {
	return context.WithValue(ctx, submitKey{}, 1)
}
func (valueObserver) TaskFinished(context.Context, pool.TaskEnd) {}

// BenchmarkObserver measures what an observer costs a pool per task, the
// pool's part only (clock reads, the calls, the reports): none beside an
// observer that does nothing, and one that derives a context per task.
func BenchmarkObserver(b *testing.B) {
	b.Run("observer=none", func(b *testing.B) { benchSubmit(b) })
	b.Run("observer=noop", func(b *testing.B) { benchSubmit(b, pool.WithObserver(noopObserver{})) })
	b.Run("observer=value", func(b *testing.B) { benchSubmit(b, pool.WithObserver(valueObserver{})) })
}
