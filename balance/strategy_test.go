package balance_test

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sluice-go/sluice/balance"
	"pgregory.net/rapid"
)

// strategyCase is one row of the table every strategy runs through.
type strategyCase struct {
	name string // what String returns
	make func() balance.Strategy
}

var allStrategies = []strategyCase{
	{"round-robin", balance.RoundRobin},
	{"least-active", balance.LeastActive},
	{"least-total", balance.LeastTotal},
	{"random", balance.Random},
	{"power-of-two", balance.PowerOfTwo},
	{"key-affinity(round-robin)", func() balance.Strategy { return balance.KeyAffinity(balance.RoundRobin()) }},
	{"key-affinity(least-active)", func() balance.Strategy { return balance.KeyAffinity(balance.LeastActive()) }},
}

// fixed is a Workers snapshot that tests set directly.
type fixed struct {
	active   []int
	assigned []uint64
}

func (f fixed) Len() int              { return len(f.active) }
func (f fixed) Active(i int) int      { return f.active[i] }
func (f fixed) Assigned(i int) uint64 { return f.assigned[i] }

// fixedOf returns workers holding active[i] tasks, each assigned as many.
func fixedOf(active []int) fixed {
	f := fixed{active: active, assigned: make([]uint64, len(active))}
	for i, a := range active {
		f.assigned[i] = uint64(a)
	}
	return f
}

// equalLoads returns n workers each holding active tasks.
func equalLoads(n, active int) fixed {
	a := make([]int, n)
	for i := range a {
		a[i] = active
	}
	return fixedOf(a)
}

// drawWorkers draws 1 to maxN workers with small loads, so ties are common.
func drawWorkers(t *rapid.T, maxN int) fixed {
	n := rapid.IntRange(1, maxN).Draw(t, "workers")
	return fixed{
		active:   rapid.SliceOfN(rapid.IntRange(0, 4), n, n).Draw(t, "active"),
		assigned: rapid.SliceOfN(rapid.Uint64Range(0, 4), n, n).Draw(t, "assigned"),
	}
}

// busyLoads returns n workers that all hold a task or more, unevenly: the
// worst case for the scanning strategies, which stop early at an idle one.
func busyLoads(n int) *view {
	v := newView(n)
	for i := range n {
		for range 1 + i*5%7 {
			v.assign(i)
		}
	}
	return v
}

func TestStrategies_String(t *testing.T) {
	for _, c := range allStrategies {
		if got := fmt.Sprint(c.make()); got != c.name {
			t.Errorf("String() = %q, want %q", got, c.name)
		}
	}
}

func TestStrategies_InRange(t *testing.T) {
	for _, c := range allStrategies {
		t.Run(c.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				s := c.make() // one value across picks, as Len changes under it
				picks := rapid.IntRange(1, 20).Draw(t, "picks")
				for range picks {
					w := drawWorkers(t, 100)
					if i := s.Pick(w); i < 0 || i >= w.Len() {
						t.Fatalf("Pick = %d with %d workers", i, w.Len())
					}
					ks, ok := s.(balance.KeyedStrategy)
					if !ok {
						continue
					}
					key := rapid.Uint64().Draw(t, "key")
					if i := ks.PickKey(w, key); i < 0 || i >= w.Len() {
						t.Fatalf("PickKey(%d) = %d with %d workers", key, i, w.Len())
					}
				}
			})
		})
	}
}

func TestStrategies_OneWorker(t *testing.T) {
	for _, c := range allStrategies {
		s := c.make()
		for _, w := range []balance.Workers{newView(1), fixedOf([]int{3})} {
			for range 10 {
				if i := s.Pick(w); i != 0 {
					t.Fatalf("%s: Pick = %d with one worker", c.name, i)
				}
			}
		}
	}
}

// TestStrategies_SpreadEqualLoads checks that with all workers equally loaded
// every strategy spreads tasks over all of them. The bound (half the fair
// share) is more than 16 standard deviations away for the random ones.
func TestStrategies_SpreadEqualLoads(t *testing.T) {
	const n, perWorker = 8, 1000
	for _, c := range allStrategies {
		for _, active := range []int{0, 2} {
			s, w := c.make(), equalLoads(n, active)
			count := make([]int, n)
			for range n * perWorker {
				count[s.Pick(w)]++
			}
			for i, k := range count {
				if k < perWorker/2 {
					t.Errorf("%s, all workers holding %d: worker %d got %d of %d picks, want >= %d",
						c.name, active, i, k, n*perWorker, perWorker/2)
				}
			}
		}
	}
}

func TestStrategies_NoAllocs(t *testing.T) {
	for _, c := range allStrategies {
		for _, n := range []int{1, 8, 64} {
			s, w := c.make(), balance.Workers(busyLoads(n))
			if a := testing.AllocsPerRun(1000, func() { s.Pick(w) }); a != 0 {
				t.Errorf("%s, %d workers: Pick allocates %v times", c.name, n, a)
			}
			if ks, ok := s.(balance.KeyedStrategy); ok {
				key := uint64(0)
				if a := testing.AllocsPerRun(1000, func() { key++; ks.PickKey(w, key) }); a != 0 {
					t.Errorf("%s, %d workers: PickKey allocates %v times", c.name, n, a)
				}
			}
		}
	}
}

// TestStrategies_Concurrent picks from many goroutines while they update the
// loads, as a pool does; run it with -race.
func TestStrategies_Concurrent(t *testing.T) {
	const n, goroutines, perG = 5, 8, 500
	for _, c := range allStrategies {
		s, loads := c.make(), newView(n)
		ks, keyed := s.(balance.KeyedStrategy)
		bad := make([]int, goroutines) // out-of-range picks, per goroutine
		var wg sync.WaitGroup
		for g := range goroutines {
			wg.Go(func() {
				for k := range perG {
					i := s.Pick(loads)
					if keyed && k%2 == 0 {
						i = ks.PickKey(loads, uint64(g*perG+k))
					}
					if i < 0 || i >= n {
						bad[g]++
						continue
					}
					loads.assign(i)
					if k%3 != 0 { // leave some tasks active
						loads.finish(i)
					}
				}
			})
		}
		wg.Wait()
		var total uint64
		for i := range n {
			total += loads.Assigned(i)
		}
		for g, b := range bad {
			if b != 0 {
				t.Errorf("%s: goroutine %d got %d out-of-range picks", c.name, g, b)
			}
		}
		if want := uint64(goroutines * perG); total != want {
			t.Errorf("%s: %d tasks assigned, want %d", c.name, total, want)
		}
	}
}

func TestStrategies_PanicWithoutWorkers(t *testing.T) {
	for _, c := range allStrategies {
		s := c.make()
		for _, w := range []balance.Workers{nil, fixed{}, new(view)} {
			mustPanic(t, "balance: ", func() { s.Pick(w) })
			if ks, ok := s.(balance.KeyedStrategy); ok {
				mustPanic(t, "balance: ", func() { ks.PickKey(w, 1) })
			}
		}
	}
}

// mustPanic fails t unless f panics with a string starting with prefix.
func mustPanic(t *testing.T, prefix string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if msg, ok := r.(string); !ok || !strings.HasPrefix(msg, prefix) {
			t.Errorf("panic value %#v, want a string starting %q", r, prefix)
		}
	}()
	f()
}

// sink and parallelSink keep benchmarked results alive.
var (
	sink         int
	parallelSink atomic.Int64
)

// BenchmarkPick measures one Pick (PickKey for key-affinity) among busy
// workers of uneven load, the worst case for the scanning strategies, read
// through a view shaped like a pool's, so it is what a pool pays. The Cost
// table in doc.go quotes its medians.
func BenchmarkPick(b *testing.B) {
	for _, c := range benchStrategies() {
		for _, n := range []int{8, 64} {
			b.Run(fmt.Sprintf("strategy=%s/workers=%d", c.name, n), func(b *testing.B) {
				s, w := c.make(), balance.Workers(busyLoads(n))
				b.ReportAllocs()
				if ks, ok := s.(balance.KeyedStrategy); ok {
					key := uint64(0)
					for b.Loop() {
						key++
						sink = ks.PickKey(w, key)
					}
					return
				}
				for b.Loop() {
					sink = s.Pick(w)
				}
			})
		}
	}
}

// BenchmarkPickParallel is BenchmarkPick from GOMAXPROCS goroutines sharing
// one strategy value, to show contention on its state.
func BenchmarkPickParallel(b *testing.B) {
	for _, c := range benchStrategies() {
		for _, n := range []int{8, 64} {
			b.Run(fmt.Sprintf("strategy=%s/workers=%d", c.name, n), func(b *testing.B) {
				s, w := c.make(), balance.Workers(busyLoads(n))
				b.ReportAllocs()
				ks, keyed := s.(balance.KeyedStrategy)
				b.RunParallel(func(pb *testing.PB) {
					sum, key := 0, uint64(0)
					for pb.Next() {
						if keyed {
							key++
							sum += ks.PickKey(w, key)
						} else {
							sum += s.Pick(w)
						}
					}
					parallelSink.Add(int64(sum))
				})
			})
		}
	}
}

// benchStrategies is allStrategies with key-affinity, whose Pick is its
// fallback's, measured by its PickKey instead.
func benchStrategies() []strategyCase {
	return append(allStrategies[:5:5], strategyCase{"key-affinity",
		func() balance.Strategy { return balance.KeyAffinity(balance.RoundRobin()) }})
}
