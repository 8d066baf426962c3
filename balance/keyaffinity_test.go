package balance_test

import (
	"fmt"
	"hash/fnv"
	"slices"
	"strconv"
	"testing"

	"github.com/sluice-go/sluice/balance"
	"pgregory.net/rapid"
)

// TestKeyAffinity_SameKeySameWorker checks that the mapping depends only on
// the key and Len: not on the value, its fallback, loads or earlier picks.
func TestKeyAffinity_SameKeySameWorker(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		a := balance.KeyAffinity(balance.RoundRobin())
		b := balance.KeyAffinity(balance.Random())
		n := rapid.IntRange(1, 1000).Draw(t, "workers")
		key := rapid.Uint64().Draw(t, "key")
		first := a.PickKey(newView(n), key)
		for range rapid.IntRange(1, 5).Draw(t, "repeats") {
			w := drawWorkers(t, 1) // only its loads matter; its Len is 1
			w.active = slices.Repeat(w.active, n)
			w.assigned = slices.Repeat(w.assigned, n)
			a.Pick(w)
			if got := a.PickKey(w, key); got != first {
				t.Fatalf("key %d among %d: worker %d, earlier %d", key, n, got, first)
			}
			if got := b.PickKey(w, key); got != first {
				t.Fatalf("key %d among %d: another value gives %d, want %d", key, n, got, first)
			}
		}
	})
}

// TestKeyAffinity_Spreads checks that keys in common shapes (sequential IDs,
// strided IDs, strings) spread evenly. The mapping is deterministic, so the
// test cannot flake; the bound is the chi-square statistic a uniform random
// mapping stays under with probability 1 - 1e-6.
func TestKeyAffinity_Spreads(t *testing.T) {
	const perWorker = 1000
	shapes := []struct {
		name string
		key  func(k int) uint64
	}{
		{"sequential", func(k int) uint64 { return uint64(k) }},
		{"stride 64", func(k int) uint64 { return uint64(k) * 64 }},
		{"stride 2^32", func(k int) uint64 { return uint64(k) << 32 }},
		{"high bits", func(k int) uint64 { return uint64(k) << 44 }},
		{"strings", func(k int) uint64 { return balance.KeyOf("user-" + strconv.Itoa(k)) }},
	}
	bound := map[int]float64{2: 24, 3: 28, 7: 39, 8: 41, 64: 132}
	s := balance.KeyAffinity(balance.RoundRobin())
	for _, shape := range shapes {
		for n, most := range bound {
			counts, w := make([]int, n), newView(n)
			for k := range n * perWorker {
				counts[s.PickKey(w, shape.key(k))]++
			}
			if chi2 := chiSquare(counts, perWorker); chi2 > most {
				t.Errorf("%s keys over %d workers: chi-square %.1f, want <= %v; counts %v",
					shape.name, n, chi2, most, counts)
			}
		}
	}
}

func TestKeyAffinity_PickUsesFallback(t *testing.T) {
	s, w := balance.KeyAffinity(balance.RoundRobin()), busyLoads(3)
	var got []int
	for range 4 {
		got = append(got, s.Pick(w))
	}
	if want := []int{0, 1, 2, 0}; !slices.Equal(got, want) {
		t.Errorf("picks %v, want the fallback's %v", got, want)
	}
}

func TestKeyAffinity_NilFallbackPanics(t *testing.T) {
	mustPanic(t, "balance: KeyAffinity", func() { balance.KeyAffinity(nil) })
}

// plain is a Strategy without a String method.
type plain struct{}

func (plain) Pick(balance.Workers) int { return 0 }

func TestKeyAffinity_StringWithoutFallbackName(t *testing.T) {
	if got, want := fmt.Sprint(balance.KeyAffinity(plain{})), "key-affinity(balance_test.plain)"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestKeyOf_IsFNV1a(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.String().Draw(t, "s")
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := balance.KeyOf(s), h.Sum64(); got != want {
			t.Fatalf("KeyOf(%q) = %#x, want %#x", s, got, want)
		}
	})
}

func TestKeyOf_NoAllocs(t *testing.T) {
	s := "a key of moderate length"
	if a := testing.AllocsPerRun(100, func() { sink = int(balance.KeyOf(s)) }); a != 0 {
		t.Errorf("KeyOf allocates %v times", a)
	}
}

func BenchmarkKeyOf(b *testing.B) {
	for _, n := range []int{8, 64} {
		b.Run(fmt.Sprintf("bytes=%d", n), func(b *testing.B) {
			s := string(make([]byte, n))
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				sink = int(balance.KeyOf(s))
			}
		})
	}
}

func ExampleKeyAffinity() {
	s := balance.KeyAffinity(balance.LeastActive())
	w := counts{0, 0, 0, 0} // four idle workers
	for _, user := range []string{"ada", "grace", "ada", "alan", "grace", "ada"} {
		fmt.Println(user, "-> worker", s.PickKey(w, balance.KeyOf(user)))
	}
	fmt.Println("no key -> worker", s.Pick(w))
	// Output:
	// ada -> worker 1
	// grace -> worker 0
	// ada -> worker 1
	// alan -> worker 2
	// grace -> worker 0
	// ada -> worker 1
	// no key -> worker 0
}
