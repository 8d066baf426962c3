package balance_test

import (
	"sync"
	"testing"

	"github.com/sluice-go/sluice/balance"
)

func TestLoads_Counts(t *testing.T) {
	l := balance.NewLoads(3)
	l.Assign(1)
	l.Assign(1)
	l.Assign(2)
	l.Finish(1)
	for i, want := range []struct {
		active   int
		assigned uint64
	}{{0, 0}, {1, 2}, {1, 1}} {
		if got := l.Active(i); got != want.active {
			t.Errorf("Active(%d) = %d, want %d", i, got, want.active)
		}
		if got := l.Assigned(i); got != want.assigned {
			t.Errorf("Assigned(%d) = %d, want %d", i, got, want.assigned)
		}
	}
	if l.Len() != 3 {
		t.Errorf("Len() = %d, want 3", l.Len())
	}
}

func TestLoads_Concurrent(t *testing.T) {
	const n, goroutines, perG = 4, 8, 1000
	l := balance.NewLoads(n)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for k := range perG {
				i := (g + k) % n
				l.Assign(i)
				l.Finish(i)
			}
		})
	}
	wg.Wait()
	for i := range n {
		if l.Active(i) != 0 || l.Assigned(i) != goroutines*perG/n {
			t.Errorf("worker %d: active %d, assigned %d; want 0, %d", i, l.Active(i), l.Assigned(i), goroutines*perG/n)
		}
	}
}

func TestNewLoads_NoWorkersPanics(t *testing.T) {
	for _, n := range []int{0, -1} {
		mustPanic(t, "balance: NewLoads", func() { balance.NewLoads(n) })
	}
}

func TestLoads_ZeroValueHasNoWorkers(t *testing.T) {
	var l balance.Loads
	if l.Len() != 0 {
		t.Errorf("zero Loads has Len %d, want 0", l.Len())
	}
}

// BenchmarkLoads measures recording one task's start and end.
func BenchmarkLoads(b *testing.B) {
	l := balance.NewLoads(8)
	b.Run("mode=serial", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			l.Assign(3)
			l.Finish(3)
		}
	})
	b.Run("mode=parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Assign(3)
				l.Finish(3)
			}
		})
	})
}
