package progress

import (
	"fmt"
	"strings"
	"time"
)

// line formats the plain-line mode's line, as in
//
//	resizing: 40/100 (40%) 2 failed 12.3 it/s ETA 4s
//	resizing: 100/100 (100%) 2 failed 48.3 it/s done in 2.07s
//
// The rate is the mean since the bar's clock started.
func (b *Bar) line(now time.Time, final bool) string {
	var s strings.Builder
	if b.desc != "" {
		s.WriteString(b.desc)
		s.WriteString(": ")
	}
	n := b.count()
	if b.total >= 0 {
		pct := int64(100)
		if b.total > 0 {
			pct = n * 100 / b.total
		}
		fmt.Fprintf(&s, "%d/%d (%d%%)", n, b.total, pct)
	} else {
		fmt.Fprintf(&s, "%d/?", n)
	}
	if b.failed > 0 {
		fmt.Fprintf(&s, " %d failed", b.failed)
	}
	elapsed := now.Sub(b.start)
	var rate float64
	if elapsed > 0 {
		rate = float64(n) / elapsed.Seconds()
		fmt.Fprintf(&s, " %.1f it/s", rate)
	}
	switch {
	case final && (b.total < 0 || n >= b.total):
		fmt.Fprintf(&s, " done in %s", roundElapsed(elapsed))
	case final:
		fmt.Fprintf(&s, " stopped after %s", roundElapsed(elapsed))
	case b.total >= 0 && rate > 0:
		eta := time.Duration(float64(b.total-n) / rate * float64(time.Second))
		fmt.Fprintf(&s, " ETA %s", eta.Round(time.Second))
	}
	return s.String()
}

// roundElapsed keeps two decimals of a second for short runs, whole
// seconds past a minute.
func roundElapsed(d time.Duration) time.Duration {
	if d < time.Minute {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Second)
}
