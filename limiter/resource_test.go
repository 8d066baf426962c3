package limiter_test

import (
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/sluice-go/sluice/limiter"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestResourceWaitersGoInOrder: a release wakes waiters first come, first
// served, as many as fit: 3 and then 1 fit in 4; 2 must wait for more.
func TestResourceWaitersGoInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l, err := limiter.NewResourceLimit("mem", 4)
		require.NoError(t, err)
		held, err := l.AcquireN(t.Context(), 4)
		require.NoError(t, err)
		var (
			mu    sync.Mutex
			order []int64
		)
		granted := func() []int64 {
			mu.Lock()
			defer mu.Unlock()
			return slices.Clone(order)
		}
		var waiters []<-chan result
		for _, n := range []int64{3, 1, 2} {
			waiters = append(waiters, goAcquire(func() (*limiter.Lease, error) {
				ls, err := l.AcquireN(t.Context(), n)
				if err == nil {
					mu.Lock()
					order = append(order, n)
					mu.Unlock()
				}
				return ls, err
			}))
			synctest.Wait()
		}
		held.Release()
		synctest.Wait()
		assert.ElementsMatch(t, []int64{3, 1}, granted(), "2 does not fit in what is left")
		assert.Equal(t, int64(0), l.Available())
		r := <-waiters[0]
		r.lease.Release()
		synctest.Wait()
		assert.ElementsMatch(t, []int64{3, 1, 2}, granted())
		(<-waiters[1]).lease.Release()
		(<-waiters[2]).lease.Release()
		assert.Equal(t, int64(4), l.Available())
	})
}
