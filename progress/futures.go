package progress

import (
	"fmt"

	"github.com/sluice-go/sluice/future"
)

// Futures makes b follow futs: it sets b's total to len(futs) and counts
// each future once as it settles, as done if it has a value and as failed
// if it has an error (cancellation included); the bar finishes when the
// last one has been counted. It registers one callback per future with
// Future.OnSettled and returns at once: it starts no goroutine and never
// polls. Futures settled already are counted before it returns.
//
// Callbacks run just after a future's waiters are released, so call
// [Bar.Finish] after gathering: it counts at once the futures that have
// settled and not been counted yet, and draws the final line before the
// program goes on.
//
// Use a fresh bar: the total replaces the bar's, while the counts add to
// what it has. The bar keeps futs until it finishes. A nil b or a nil
// future panics, before anything is registered.
func Futures[T any](b *Bar, futs ...*future.Future[T]) {
	if b == nil {
		panic("progress: Futures with nil bar")
	}
	for i, f := range futs {
		if f == nil {
			panic(fmt.Sprintf("progress: Futures with nil future at index %d", i))
		}
	}
	// counted[i] is guarded by b.mu: a future is counted by its callback
	// or by Finish, whichever comes first.
	counted := make([]bool, len(futs))
	count := func(i int, err error) {
		if counted[i] {
			return
		}
		counted[i] = true
		if err != nil {
			b.failed++
		} else {
			b.done++
		}
	}
	b.update(func() {
		b.total = int64(len(futs))
		b.catchUp = append(b.catchUp, func() {
			for i, f := range futs {
				if _, err, ok := f.TryResult(); ok {
					count(i, err)
				}
			}
		})
	})
	for i, f := range futs {
		f.OnSettled(func(_ T, err error) {
			b.update(func() { count(i, err) })
		})
	}
}
