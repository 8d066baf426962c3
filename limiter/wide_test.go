package limiter

import (
	"math"
	"testing"
)

// TestWideCountsPastInt64: sums past MaxInt64, and past 2^64, leave no
// room until they come back down.
func TestWideCountsPastInt64(t *testing.T) {
	var w wide
	const limit = 10
	steps := []struct {
		add, sub int64
		room     int64
	}{
		{add: 3, room: 7},
		{add: math.MaxInt64, room: 0},
		{add: math.MaxInt64, room: 0}, // past 2^64
		{add: math.MaxInt64, room: 0},
		{sub: math.MaxInt64, room: 0},
		{sub: math.MaxInt64, room: 0},
		{sub: math.MaxInt64, room: 7},
		{sub: 3, room: limit},
		{add: limit, room: 0},
	}
	for i, s := range steps {
		w.add(s.add)
		w.sub(s.sub)
		if got := w.room(limit); got != s.room {
			t.Fatalf("step %d: room %d, want %d", i, got, s.room)
		}
	}
	if got := (wide{}).room(math.MaxInt64); got != math.MaxInt64 {
		t.Fatalf("empty: room %d, want MaxInt64", got)
	}
}
