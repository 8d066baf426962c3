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
	count  int64 // units admitted in it
}

func newFixedWindow(limit int64, period time.Duration, clk *clock) *fixedWindow {
	return &fixedWindow{limit: limit, period: int64(period), clk: clk}
}

// roll moves to the window of now and returns now. Callers hold mu.
func (w *fixedWindow) roll() int64 {
	now := w.clk.now()
	if win := now / w.period; win != w.win {
		w.win, w.count = win, 0
	}
	return now
}

func (w *fixedWindow) take(n int64) (int64, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	if w.count+n > w.limit {
		return 0, false
	}
	w.count += n
	return w.win, true
}

func (w *fixedWindow) untake(n, stamp int64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	if stamp == w.win {
		w.count -= n
	}
}

func (w *fixedWindow) delay(n int64) (time.Duration, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.roll()
	if w.count+n <= w.limit {
		return 0, true
	}
	return time.Duration((w.win+1)*w.period - now), true
}

// adjust counts a charge in the current window; a refund is not possible.
func (w *fixedWindow) adjust(delta, _ int64) bool {
	if delta <= 0 {
		return false
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	w.count += delta
	return false
}

func (w *fixedWindow) release(int64) bool { return false }

func (w *fixedWindow) available() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.roll()
	return max(w.limit-w.count, 0)
}
