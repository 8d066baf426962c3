package limiter

import (
	"sync/atomic"
	"time"
)

// resource is a counting semaphore: at most capacity units held at once.
type resource struct {
	held     atomic.Int64
	capacity int64
}

func (r *resource) take(n int64) (int64, bool) {
	for {
		held := r.held.Load()
		if n > r.capacity-held { // held+n could wrap
			return 0, false
		}
		if r.held.CompareAndSwap(held, held+n) {
			return 0, true
		}
	}
}

func (r *resource) untake(n, _ int64) { r.held.Add(-n) }

func (r *resource) delay(n int64) (time.Duration, bool) {
	if n <= r.capacity-r.held.Load() {
		return 0, true
	}
	return 0, false
}

// adjust does nothing: what is held is what was acquired until Release.
func (r *resource) adjust(int64, int64) bool { return false }

func (r *resource) release(n int64) bool {
	r.held.Add(-n)
	return true
}

func (r *resource) available() int64 { return max(r.capacity-r.held.Load(), 0) }
