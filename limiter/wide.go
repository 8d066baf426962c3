package limiter

import "math/bits"

// wide is a count of units in 128 bits, for the window algorithms: each
// charge (usage reported beyond a request) may be up to MaxInt64 units,
// and a window holds any number of them, so an int64 sum could wrap round
// to empty and admit everything. The zero value is 0.
type wide struct{ hi, lo uint64 }

// add adds n >= 0.
func (w *wide) add(n int64) {
	var carry uint64
	w.lo, carry = bits.Add64(w.lo, uint64(n), 0)
	w.hi += carry
}

// sub subtracts n, 0 <= n <= w.
func (w *wide) sub(n int64) {
	var borrow uint64
	w.lo, borrow = bits.Sub64(w.lo, uint64(n), 0)
	w.hi -= borrow
}

// room returns limit - w, or 0 if w >= limit (limit >= 0).
func (w wide) room(limit int64) int64 {
	if w.hi != 0 || w.lo >= uint64(limit) {
		return 0
	}
	return limit - int64(w.lo)
}
