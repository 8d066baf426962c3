package stages_test

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/internal/stages"
)

// mapStrategies is every way Map can balance, by the name tests draw.
var mapStrategies = map[string]func() balance.Strategy{
	"default":      func() balance.Strategy { return nil },
	"round-robin":  balance.RoundRobin,
	"least-active": balance.LeastActive,
	"least-total":  balance.LeastTotal,
	"random":       balance.Random,
	"power-of-two": balance.PowerOfTwo,
	"key-affinity": func() balance.Strategy { return balance.KeyAffinity(balance.LeastActive()) },
}

// mapResult is what the test's map function yields for an item: the item's
// index, which of its results this is, and the worker that made it.
type mapResult struct{ in, k, worker int }

// mapCase is a Map stage and its input, drawn before it runs.
type mapCase struct {
	counts   []int // results per item: 0 filters it out, 2 flat-maps it
	cuts     []bool
	size     int
	inBuffer int
	keys     int // items i and j share a key if i%keys == j%keys
	strategy string
	keyed    bool
	yield    bool
	cfg      stages.Config[int]
}

func drawMapCase(t *rapid.T, maxItems int) mapCase {
	n := rapid.IntRange(0, maxItems).Draw(t, "items")
	c := mapCase{
		size:     rapid.IntRange(1, 9).Draw(t, "chunkSize"),
		inBuffer: rapid.IntRange(0, 3).Draw(t, "inBuffer"),
		keys:     rapid.IntRange(1, 6).Draw(t, "keys"),
		strategy: rapid.SampledFrom(slices.Sorted(maps.Keys(mapStrategies))).Draw(t, "strategy"),
		yield:    rapid.Bool().Draw(t, "yield"),
		cuts:     rapid.SliceOfN(rapid.Bool(), n, n).Draw(t, "cuts"),
	}
	switch rapid.SampledFrom([]string{"map", "filter", "flat-map", "mixed"}).Draw(t, "fn") {
	case "map":
		c.counts = repeatInt(1, n)
	case "filter":
		c.counts = rapid.SliceOfN(rapid.IntRange(0, 1), n, n).Draw(t, "kept")
	case "flat-map":
		c.counts = rapid.SliceOfN(rapid.IntRange(1, 2), n, n).Draw(t, "yields")
	case "mixed":
		c.counts = rapid.SliceOfN(rapid.IntRange(0, 2), n, n).Draw(t, "yields")
	}
	c.keyed = c.strategy == "key-affinity" && rapid.Bool().Draw(t, "keyFunc")
	c.cfg = stages.Config[int]{
		Workers:  rapid.IntRange(0, 5).Draw(t, "workers"),
		Queue:    rapid.IntRange(0, 3).Draw(t, "queue"),
		Buffer:   rapid.IntRange(0, 3).Draw(t, "buffer"),
		Ordered:  rapid.Bool().Draw(t, "ordered"),
		OnDemand: rapid.Bool().Draw(t, "onDemand"),
		Linger:   time.Duration(rapid.IntRange(0, 2).Draw(t, "lingerUs")) * time.Microsecond,
		Strategy: mapStrategies[c.strategy](),
	}
	if c.keyed {
		keys := c.keys
		c.cfg.Key = func(i int) uint64 { return uint64(i % keys) }
	}
	return c
}

func repeatInt(v, n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// want is the sequential map of the case's input.
func (c mapCase) want() []mapResult {
	var out []mapResult
	for i, k := range c.counts {
		for j := range k {
			out = append(out, mapResult{in: i, k: j})
		}
	}
	return out
}

// fn is the map function: item i yields counts[i] results.
func (c mapCase) fn(_ context.Context, w, i int, out []mapResult) []mapResult {
	if c.yield {
		runtime.Gosched()
	}
	for j := range c.counts[i] {
		out = append(out, mapResult{i, j, w})
	}
	return out
}

// feed sends the items 0..n-1 on in, cutting chunks where the case says,
// until done; it closes in and reports each chunk it sent to sent.
func (c mapCase) feed(done <-chan struct{}, in *stages.Chunks[int], sent func(int)) {
	defer in.Close()
	chunk := in.Get()
	for i, cut := range c.cuts {
		chunk = append(chunk, i)
		if len(chunk) == in.Size() || cut {
			if !in.Send(done, chunk) {
				return
			}
			sent(len(chunk))
			chunk = in.Get()
		}
	}
	if len(chunk) > 0 && in.Send(done, chunk) {
		sent(len(chunk))
	}
}

// collectResults reads out to its end, putting every chunk back.
func collectResults(out *stages.Chunks[mapResult]) []mapResult {
	var got []mapResult
	for c := range out.C() {
		got = append(got, c...)
		out.Put(c)
	}
	return got
}

func compareMapResults(a, b mapResult) int {
	return cmp.Or(cmp.Compare(a.in, b.in), cmp.Compare(a.k, b.k))
}

// checkResults reports how got differs from the sequential map want: equal
// if ordered, the same multiset otherwise; with keyed placement each key's
// items ran on one worker and came out in input order.
func (c mapCase) checkResults(got, want []mapResult, complete bool) error {
	bare := make([]mapResult, len(got))
	for i, r := range got {
		bare[i] = mapResult{in: r.in, k: r.k}
	}
	if c.cfg.Ordered {
		if complete && !slices.Equal(bare, want) {
			return fmt.Errorf("ordered output %v, want %v", bare, want)
		}
		if !complete && (len(bare) > len(want) || !slices.Equal(bare, want[:len(bare)])) {
			return fmt.Errorf("ordered output after cancel %v is not a prefix of %v", bare, want)
		}
	}
	sorted := slices.SortedFunc(slices.Values(bare), compareMapResults)
	if complete && !slices.Equal(sorted, want) {
		return fmt.Errorf("output is not the input's results once each:\n got %v\nwant %v", sorted, want)
	}
	if !complete {
		if len(slices.Compact(slices.Clone(sorted))) != len(sorted) {
			return fmt.Errorf("output after cancel has duplicates: %v", sorted)
		}
		for _, r := range sorted {
			if _, ok := slices.BinarySearchFunc(want, r, compareMapResults); !ok {
				return fmt.Errorf("output after cancel has %v, which no item yields", r)
			}
		}
	}
	if c.keyed {
		worker := map[int]int{}
		last := map[int]mapResult{}
		for _, r := range got {
			key := r.in % c.keys
			if w, ok := worker[key]; ok && w != r.worker {
				return fmt.Errorf("key %d ran on workers %d and %d", key, w, r.worker)
			}
			worker[key] = r.worker
			if l, ok := last[key]; ok && compareMapResults(l, r) > 0 {
				return fmt.Errorf("key %d: %v came out after %v", key, r, l)
			}
			last[key] = r
		}
	}
	return nil
}

// TestMap_MatchesSequentialMap runs random inputs through every kind of
// Map stage (worker counts, queue and chunk sizes, each strategy, keyed or
// not, ordered or not, on demand or not, map, filter and flat-map): ordered
// output equals the sequential map, unordered output is the same multiset,
// nothing is lost or doubled, and keyed items keep their worker and order.
func TestMap_MatchesSequentialMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := drawMapCase(t, 300)
		ctx := context.Background()
		in := stages.NewChunks[int](c.inBuffer, c.size)
		go c.feed(ctx.Done(), in, func(int) {})
		out := stages.Map(ctx, in, c.fn, c.cfg)
		if out.Size() != c.size {
			t.Fatalf("output chunk size %d, want the input's %d", out.Size(), c.size)
		}
		got := collectResults(out)
		workers := max(c.cfg.Workers, 1)
		for _, r := range got {
			if r.worker < 0 || r.worker >= workers {
				t.Fatalf("fn called with worker %d of %d", r.worker, workers)
			}
		}
		if err := c.checkResults(got, c.want(), true); err != nil {
			t.Fatal(err)
		}
	})
}

// TestMap_Cancel cancels a Map stage at a random point, from the consumer
// or the producer side, and then either reads on or walks away: what came
// out is correct as far as it goes (an ordered prefix, no duplicates), the
// output closes when read on, and every goroutine exits either way.
func TestMap_Cancel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := drawMapCase(t, 200)
		by := rapid.SampledFrom([]string{"consumer", "producer", "before"}).Draw(t, "cancelBy")
		at := rapid.IntRange(0, 20).Draw(t, "cancelAtChunk")
		readOn := rapid.Bool().Draw(t, "readOnAfterCancel")
		// Timing decides where the cancel lands, so try each case a few
		// times.
		for range 4 {
			if err := runCancelled(c, by, at, readOn); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func runCancelled(c mapCase, by string, at int, readOn bool) error {
	ignore := goleak.IgnoreCurrent()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if by == "before" {
		cancel()
	}
	in := stages.NewChunks[int](c.inBuffer, c.size)
	var sent atomic.Int64
	go c.feed(ctx.Done(), in, func(int) {
		if sent.Add(1) == int64(at) && by == "producer" {
			cancel()
		}
	})
	out := stages.Map(ctx, in, c.fn, c.cfg)
	var got []mapResult
	read := 0
	for chunk := range out.C() {
		got = append(got, chunk...)
		out.Put(chunk)
		if read++; read == at && by == "consumer" {
			cancel()
		}
		if ctx.Err() != nil && !readOn {
			break
		}
	}
	complete := ctx.Err() == nil
	cancel()
	if err := c.checkResults(got, c.want(), complete); err != nil {
		return err
	}
	if err := findLeaks(ignore); err != nil {
		return fmt.Errorf("goroutines left after cancel: %w", err)
	}
	return nil
}

// findLeaks is goleak.Find with patience for a loaded machine: goroutines
// that are on their way out get some seconds, not half of one.
func findLeaks(opts ...goleak.Option) error {
	var err error
	for range 20 {
		if err = goleak.Find(opts...); err == nil {
			return nil
		}
	}
	return err
}

// TestMap_InFlightBound checks Config.Capacity: a Map stage whose consumer
// reads only when the test says never holds more items than Capacity. In
// a synctest bubble the test reads the counts only once every goroutine is
// stuck, so they are exact: items the stage took from an unbuffered source,
// minus items the consumer took from the output.
func TestMap_InFlightBound(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		c := drawMapCase(rt, 250)
		c.counts = repeatInt(1, len(c.counts))
		c.inBuffer = 0
		c.yield = false
		reads := rapid.SliceOfN(rapid.IntRange(1, 4), 1, 30).Draw(rt, "chunksReadPerStep")
		capacity := c.cfg.Capacity(c.size)

		var problems []string
		var got []mapResult
		synctest.Test(t, func(t *testing.T) {
			in := stages.NewChunks[int](0, c.size)
			var entered atomic.Int64
			go c.feed(t.Context().Done(), in, func(n int) { entered.Add(int64(n)) })
			out := stages.Map(t.Context(), in, c.fn, c.cfg)
			consumed := 0
			for step := 0; ; step++ {
				synctest.Wait()
				held := int(entered.Load()) - consumed
				if held > capacity {
					problems = append(problems, fmt.Sprintf("step %d: %d items in flight, Capacity(%d) = %d", step, held, c.size, capacity))
				}
				for range reads[step%len(reads)] {
					chunk, ok := <-out.C()
					if !ok {
						return
					}
					got = append(got, chunk...)
					consumed += len(chunk)
					out.Put(chunk)
				}
			}
		})
		if len(problems) > 0 {
			rt.Fatalf("config %+v, chunk size %d:\n%s", c.cfg, c.size, problems[0])
		}
		if err := c.checkResults(got, c.want(), true); err != nil {
			rt.Fatal(err)
		}
	})
}

// TestMap_InFlightReachesCapacity checks that Capacity is not just a bound
// but reached: with one worker (so that none is left with room while the
// fan-out waits for another), full chunks and a consumer that does not
// read, every place it counts fills up.
func TestMap_InFlightReachesCapacity(t *testing.T) {
	for _, cfg := range []stages.Config[int]{
		{},
		{Queue: 3, Buffer: 2},
		{Ordered: true},
		{Queue: 3, Buffer: 5, Ordered: true},
	} {
		t.Run(fmt.Sprintf("queue=%d/buffer=%d/ordered=%v", cfg.Queue, cfg.Buffer, cfg.Ordered), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				const size = 4
				c := mapCase{counts: repeatInt(1, 400), cuts: make([]bool, 400)}
				in := stages.NewChunks[int](0, size)
				var entered atomic.Int64
				go c.feed(t.Context().Done(), in, func(n int) { entered.Add(int64(n)) })
				out := stages.Map(t.Context(), in, c.fn, cfg)
				synctest.Wait()
				require.Equal(t, cfg.Capacity(size), int(entered.Load()))
				require.Len(t, collectResults(out), 400)
			})
		})
	}
}

// TestConfig_Capacity pins the formula for a few configs.
func TestConfig_Capacity(t *testing.T) {
	require.Equal(t, (1+1*2+1)*10, stages.Config[int]{}.Capacity(10))
	require.Equal(t, (1+4*(2+1)+3)*5, stages.Config[int]{Workers: 4, Queue: 2, Buffer: 3}.Capacity(5))
	require.Equal(t, (1+4*(2+1)*stages.ReorderFactor+4)*5, stages.Config[int]{Workers: 4, Queue: 2, Ordered: true}.Capacity(5))
}

// TestMap_NegativeConfigPanics checks that a negative config field panics
// with a message that names the fields.
func TestMap_NegativeConfigPanics(t *testing.T) {
	for _, cfg := range []stages.Config[int]{{Workers: -1}, {Queue: -1}, {Buffer: -1}, {Linger: -1}} {
		require.PanicsWithValue(t,
			fmt.Sprintf("stages: Map config with negative field: workers %d, queue %d, buffer %d, linger %v", cfg.Workers, cfg.Queue, cfg.Buffer, cfg.Linger),
			func() { cfg.Capacity(1) })
	}
}

// ExampleMap squares a stream of numbers on four workers, drops the odd
// squares and keeps the input order.
func ExampleMap() {
	ctx := context.Background()
	in := stages.NewChunks[int](1, 3)
	go func() {
		defer in.Close()
		c := in.Get()
		for i := 1; i <= 10; i++ {
			c = append(c, i)
			if len(c) == in.Size() {
				if !in.Send(ctx.Done(), c) {
					return
				}
				c = in.Get()
			}
		}
		in.Send(ctx.Done(), c)
	}()
	square := func(_ context.Context, _ int, v int, out []int) []int {
		if v%2 == 1 {
			return out
		}
		return append(out, v*v)
	}
	out := stages.Map(ctx, in, square, stages.Config[int]{Workers: 4, Ordered: true})
	for c := range out.C() {
		fmt.Println(c)
		out.Put(c)
	}
	// Output:
	// [4]
	// [16 36]
	// [64]
	// [100]
}
