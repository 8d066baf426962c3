package limiter

import (
	"sync"
	"time"
)

// slidingWindow keeps a log of admissions and admits n at time t when the
// units logged in (t-period, t] plus n stay within limit. Entries leave the
// log one period after they were admitted.
type slidingWindow struct {
	mu     sync.Mutex
	limit  int64
	period int64
	clk    *clock
	log    []entry // oldest first; log[start:] is live
	start  int
	sum    wide  // units in log[start:]; charges may take it past MaxInt64
	seq    int64 // stamp of the last entry
}

type entry struct{ at, n, seq int64 }

func newSlidingWindow(limit int64, period time.Duration, clk *clock) *slidingWindow {
	return &slidingWindow{limit: limit, period: int64(period), clk: clk}
}

// evict drops entries admitted at or before now-period. Callers hold mu.
func (w *slidingWindow) evict(now int64) {
	for w.start < len(w.log) && w.log[w.start].at <= now-w.period {
		w.sum.sub(w.log[w.start].n)
		w.start++
	}
	if w.start == len(w.log) {
		w.log, w.start = w.log[:0], 0
	} else if w.start > 64 && w.start > len(w.log)/2 {
		w.log = w.log[:copy(w.log, w.log[w.start:])]
		w.start = 0
	}
}

// push logs n units admitted now. Callers hold mu.
func (w *slidingWindow) push(now, n int64) int64 {
	w.seq++
	w.log = append(w.log, entry{at: now, n: n, seq: w.seq})
	w.sum.add(n)
	return w.seq
}

func (w *slidingWindow) take(n int64) (int64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clk.now()
	w.evict(now)
	if n > w.sum.room(w.limit) {
		return 0, false
	}
	return w.push(now, n), true
}

func (w *slidingWindow) untake(n, stamp int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	for i := len(w.log) - 1; i >= w.start; i-- {
		if w.log[i].seq == stamp {
			w.log[i].n -= n
			w.sum.sub(n)
			return
		}
	}
}

func (w *slidingWindow) delay(n int64) (time.Duration, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clk.now()
	w.evict(now)
	if n <= w.sum.room(w.limit) {
		return 0, true
	}
	// n fit once the entries up to the first that leaves room have left.
	rest := w.sum
	for i := w.start; i < len(w.log); i++ {
		rest.sub(w.log[i].n)
		if n <= rest.room(w.limit) {
			return time.Duration(w.period - (now - w.log[i].at)), true
		}
	}
	return 0, true
}

// adjust logs a charge now; a refund is not possible: the units were
// admitted and stay in the window.
func (w *slidingWindow) adjust(delta, _ int64) bool {
	if delta <= 0 {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.clk.now()
	w.evict(now)
	w.push(now, delta)
	return false
}

func (w *slidingWindow) release(int64) bool { return false }

func (w *slidingWindow) available() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.evict(w.clk.now())
	return w.sum.room(w.limit)
}
