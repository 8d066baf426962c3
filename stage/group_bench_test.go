package stage_test

import (
	"sync"
	"testing"

	"github.com/sluice-go/sluice/stage"
)

// BenchmarkGroup enqueues noop items from one producer onto 8 workers,
// round robin, in batches of 1024 it waits for: the group's own share of
// pool.Submit's cost. One op is one item.
func BenchmarkGroup(b *testing.B) {
	for _, steal := range []bool{true, false} {
		name := "stealing=on"
		var opts []stage.GroupOption
		if !steal {
			name = "stealing=off"
			opts = append(opts, stage.WithoutStealing())
		}
		b.Run(name, func(b *testing.B) {
			var wg sync.WaitGroup
			g := stage.NewGroup(8, func(_ int, _ int) { wg.Done() }, opts...)
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
