package progress

import (
	"log"
	"runtime/debug"
)

// recoverDraw is deferred around everything that writes to the bar's
// writer. A panic there, the writer's or the terminal renderer's, would
// otherwise go on in whatever goroutine drew: the caller of Add, a flow's,
// one settling a future (a pool's worker, often), or the timer's, where
// nothing can recover it. It is logged once, with its stack, and the bar
// draws no more: a writer that panicked is not trusted again. The bar's
// lock is held, so broken needs no other guard.
func (b *Bar) recoverDraw() {
	if r := recover(); r != nil {
		b.broken = true
		log.Printf("progress: panic while drawing: %v\n\n%s", r, debug.Stack())
	}
}
