package bench_test

import (
	"testing"
	"time"
)

// MixedOrder workload: 200 items, 10% of them slow.
const (
	mixedItems   = 200
	mixedWorkers = 16
	mixedShort   = time.Millisecond
	mixedLong    = 50 * time.Millisecond
)

// BenchmarkMixedOrder streams 200 items through 16 workers, each item
// sleeping 1ms or, one in ten (in an order fixed by a seeded generator),
// 50ms, with the results in input order or in any order, and reports
// makespan/ideal: the time until the last result is in hand over the lower
// bound max(total work / 16, longest item). Lower is better.
//
// What keeping order costs is the ordered subject's makespan over the
// unordered one's, of the same library: a slow item holds back the results
// after it, and when the room for finished results waiting their turn runs
// out, the workers wait too. sluice is flow.From(indices).Pool(task,
// pool.WithMaxWorkers(16)), made Unordered or not, collected with Collect;
// rill is rill.OrderedMap or rill.Map with 16 goroutines. One op is one
// whole run of 200 items.
func BenchmarkMixedOrder(b *testing.B) {
	durs := tailDurations(mixedItems, 10, mixedShort, mixedLong, 3)
	benchSleep(b, durs, mixedWorkers, []sleepSubject{
		{"sluice-flow-unordered", sluiceFlowSleep(false)},
		{"sluice-flow-ordered", sluiceFlowSleep(true)},
		{"rill-unordered", rillSleep(false)},
		{"rill-ordered", rillSleep(true)},
	})
}
