package stages_test

import (
	"context"
	"sync"
	"testing"

	"github.com/sluice-go/sluice/internal/stages"
)

// source sends 0..n-1 on a new stream in full chunks.
func source(ctx context.Context, n int) *stages.Chunks[int] {
	s := stages.NewChunks[int](4, stages.DefaultChunk)
	go func() {
		defer s.Close()
		c := s.Get()
		for i := range n {
			c = append(c, i)
			if len(c) == cap(c) {
				if !s.Send(ctx.Done(), c) {
					return
				}
				c = s.Get()
			}
		}
		s.Send(ctx.Done(), c)
	}()
	return s
}

func identity(_ context.Context, _ int, v int, out []int) []int { return append(out, v) }

func benchMap(b *testing.B, ordered bool) {
	ctx := context.Background()
	b.ReportAllocs()
	out := stages.Map(ctx, source(ctx, b.N), identity, stages.Config[int]{Workers: 8, Queue: 2, Ordered: ordered})
	n := 0
	for c := range out.C() {
		n += len(c)
		out.Put(c)
	}
	if n != b.N {
		b.Fatalf("got %d items, want %d", n, b.N)
	}
}

func BenchmarkMap(b *testing.B) {
	b.Run("order=unordered", func(b *testing.B) { benchMap(b, false) })
	b.Run("order=ordered", func(b *testing.B) { benchMap(b, true) })
}

// BenchmarkGroup enqueues noop items from one producer onto 8 workers,
// round robin, in batches of 1024 it waits for: the group's own share of
// pool.Submit's cost. One op is one item.
func BenchmarkGroup(b *testing.B) {
	for _, steal := range []bool{true, false} {
		name := "stealing=on"
		var opts []stages.GroupOption
		if !steal {
			name = "stealing=off"
			opts = append(opts, stages.WithoutStealing())
		}
		b.Run(name, func(b *testing.B) {
			var wg sync.WaitGroup
			g := stages.NewGroup(8, func(_ int, _ int) { wg.Done() }, opts...)
			defer g.Close()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += 1024 {
				n := min(1024, b.N-i)
				wg.Add(n)
				v := g.View()
				for j := range n {
					if err := v.Enqueue(j%8, j, 0, false); err != nil {
						b.Fatal(err)
					}
				}
				wg.Wait()
			}
		})
	}
}
