package limiter

import (
	"sync"
	"time"
)

// fixedWindow counts units admitted in window number now/period, windows
// counted from the limit's creation.
type fixedWindow struct {
	mu     sync.Mutex
	limit  int64
	period int64
	clk    *clock
	win    int64 // current window number
	count  wide  // units admitted in it; charges may take it past MaxInt64
}

func newFixedWindow(limit int64, period time.Duration, clk *clock) *fixedWindow {
	return &fixedWindow{limit: limit, period: int64(period), clk: clk}
}

// roll moves to the window of now and returns now. Callers hold mu.
func (w *fixedWindow) roll() int64 {
	now := w.clk.now()
	if win := now / w.period; win != w.win {
		w.win, w.count = win, wide{}
	}
	return now
}

func (w *fixedWindow) take(n int64) (int64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	if n > w.count.room(w.limit) {
		return 0, false
	}
	w.count.add(n)
	return w.win, true
}

func (w *fixedWindow) untake(n, stamp int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	if stamp == w.win {
		w.count.sub(n)
	}
}

func (w *fixedWindow) delay(n int64) (time.Duration, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.roll()
	if n <= w.count.room(w.limit) {
		return 0, true
	}
	return time.Duration(w.period - now%w.period), true
}

// adjust counts a charge in the current window; a refund is not possible.
func (w *fixedWindow) adjust(delta, _ int64) bool {
	if delta <= 0 {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	w.count.add(delta)
	return false
}

func (w *fixedWindow) release(int64) bool { return false }

func (w *fixedWindow) available() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	return w.count.room(w.limit)
}
