package flow_test

import (
	"context"
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/limiter"
	"github.com/sluice-go/sluice/pool"
)

// pingPong returns a source of the kind named that gives item i+1 only
// after the sink has had item i, and the channel the sink acknowledges on.
func pingPong(kind string, n int) (flow.Flow[int], chan<- struct{}) {
	ack := make(chan struct{})
	seq := func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				return
			}
			if i < n-1 {
				<-ack
			}
		}
	}
	switch kind {
	case "FromChan":
		ch := make(chan int)
		go func() {
			defer close(ch)
			seq(func(v int) bool { ch <- v; return true })
		}()
		return flow.FromChan(ch), ack
	case "FromSeq":
		return flow.FromSeq(iter.Seq[int](seq)), ack
	}
	return flow.FromFunc(func(_ context.Context, yield func(int) bool) error {
		seq(yield)
		return nil
	}), ack
}

// TestItemsDoNotWaitForFullChunks: every source and stage sends a partial
// chunk on when it would otherwise wait, so an item reaches the sink
// while the source waits for the sink: a stream that waited for full
// chunks would deadlock here.
func TestItemsDoNotWaitForFullChunks(t *testing.T) {
	lim, err := limiter.NewRateLimit("unlimited", 1_000_000_000, time.Second)
	require.NoError(t, err)
	stages := map[string]func(flow.Flow[int]) flow.Flow[int]{
		"none":      func(f flow.Flow[int]) flow.Flow[int] { return f },
		"Pool":      func(f flow.Flow[int]) flow.Flow[int] { return f.Pool(double, pool.WithMaxWorkers(3)) },
		"Unordered": func(f flow.Flow[int]) flow.Flow[int] { return f.Pool(double).Unordered() },
		"Map":       func(f flow.Flow[int]) flow.Flow[int] { return f.Map(func(v int) int { return 2 * v }) },
		"Filter":    func(f flow.Flow[int]) flow.Flow[int] { return f.Filter(func(int) bool { return true }) },
		"Buffer":    func(f flow.Flow[int]) flow.Flow[int] { return f.Buffer(1000) },
		"Throttle":  func(f flow.Flow[int]) flow.Flow[int] { return f.Throttle(lim) },
		"Batch": func(f flow.Flow[int]) flow.Flow[int] {
			return flow.Unbatch(flow.Batch(f.Map(func(v int) int { return 2 * v }), 1, 0))
		},
	}
	for name, add := range stages {
		for _, source := range []string{"FromChan", "FromSeq", "FromFunc"} {
			t.Run(source+"/"+name, func(t *testing.T) {
				src, ack := pingPong(source, 100)
				n := 0
				err := add(src).ForEach(t.Context(), func(int) error {
					n++
					if n < 100 {
						ack <- struct{}{}
					}
					return nil
				})
				require.NoError(t, err)
				require.Equal(t, 100, n)
			})
		}
	}
}
