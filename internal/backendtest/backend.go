// Package backendtest is a stage.Backend for tests: a real alternative
// to goroutine workers, not a mock. It runs each attempt on a fresh
// goroutine of its own, lets a test lose a worker, and records what the
// seam's contract forbids.
package backendtest

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/sourcegraph/conc/panics"

	"github.com/sluice-go/sluice/stage"
)

// Worker is what an attempt runs on: the worker index and its
// incarnation, counted from 0 per index; a lost or ended worker's next
// attempt runs on the next incarnation.
type Worker struct{ Index, Incarnation int }

// Backend runs fn for each attempt on a new goroutine and waits for it,
// or for the worker to be lost ([Backend.Lose]): the attempts then in
// flight on it fail at once with an error matching stage.ErrWorkerLost
// (their goroutines run on until fn returns, and Close waits for them). A
// panic or runtime.Goexit in fn happens again on the calling goroutine, as
// with goroutine workers. It has Lanes lanes per worker.
type Backend[In, Out any] struct {
	fn    func(ctx context.Context, w Worker, in In) (Out, error)
	lanes int
	wg    sync.WaitGroup

	mu       sync.Mutex
	current  map[int]*incarnation
	next     map[int]int // the next incarnation per index
	ended    []int
	closed   int
	problems []string
}

type incarnation struct {
	n        int
	lost     chan struct{}
	inflight int
}

type outcome[Out any] struct {
	v      Out
	err    error
	panic  *panics.Recovered
	goexit bool
}

// New returns a backend that runs fn with lanes attempts per worker at
// once (at least 1).
func New[In, Out any](lanes int, fn func(ctx context.Context, w Worker, in In) (Out, error)) *Backend[In, Out] {
	return &Backend[In, Out]{fn: fn, lanes: max(lanes, 1), current: map[int]*incarnation{}, next: map[int]int{}}
}

func (b *Backend[In, Out]) note(format string, args ...any) {
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

// Lanes returns the lanes per worker.
func (b *Backend[In, Out]) Lanes() int { return b.lanes }

// Run runs one attempt on a fresh goroutine.
func (b *Backend[In, Out]) Run(ctx context.Context, w int, in In) (Out, error) {
	b.mu.Lock()
	if b.closed > 0 {
		b.note("Run on worker %d after Close", w)
	}
	inc := b.current[w]
	if inc == nil {
		inc = &incarnation{n: b.next[w], lost: make(chan struct{})}
		b.next[w]++
		b.current[w] = inc
	}
	inc.inflight++
	if inc.inflight > b.lanes {
		b.note("worker %d has %d attempts in flight, %d lanes", w, inc.inflight, b.lanes)
	}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		inc.inflight--
		b.mu.Unlock()
	}()
	done := make(chan outcome[Out], 1)
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		var o outcome[Out]
		returned := false
		defer func() {
			if !returned {
				done <- outcome[Out]{goexit: true}
			}
		}()
		o.panic = panics.Try(func() { o.v, o.err = b.fn(ctx, Worker{w, inc.n}, in) })
		returned = true
		done <- o
	}()
	select {
	case o := <-done:
		switch {
		case o.panic != nil:
			panic(o.panic.Value)
		case o.goexit:
			runtime.Goexit()
		}
		return o.v, o.err
	case <-inc.lost:
		var zero Out
		return zero, fmt.Errorf("backendtest: worker %d (incarnation %d): %w", w, inc.n, stage.ErrWorkerLost)
	}
}

// Lose loses worker w's current incarnation, if it has one, and returns
// it: its attempts in flight fail with stage.ErrWorkerLost.
func (b *Backend[In, Out]) Lose(w int) (Worker, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	inc := b.current[w]
	if inc == nil {
		return Worker{}, false
	}
	close(inc.lost)
	delete(b.current, w)
	return Worker{w, inc.n}, true
}

// InFlight returns the attempts in flight on worker w.
func (b *Backend[In, Out]) InFlight(w int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if inc := b.current[w]; inc != nil {
		return inc.inflight
	}
	return 0
}

// WorkerEnded records that w ended; its next attempt begins a new
// incarnation.
func (b *Backend[In, Out]) WorkerEnded(w int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if inc := b.current[w]; inc != nil && inc.inflight > 0 {
		b.note("worker %d ended with %d attempts in flight", w, inc.inflight)
	}
	if b.closed > 0 {
		b.note("WorkerEnded(%d) after Close", w)
	}
	delete(b.current, w)
	b.ended = append(b.ended, w)
}

// Close records the close and waits for every attempt's goroutine.
func (b *Backend[In, Out]) Close() error {
	b.mu.Lock()
	b.closed++
	for w, inc := range b.current {
		if inc.inflight > 0 {
			b.note("Close with %d attempts in flight on worker %d", inc.inflight, w)
		}
	}
	b.mu.Unlock()
	b.wg.Wait()
	return nil
}

// Ended returns the workers WorkerEnded was called for, in order.
func (b *Backend[In, Out]) Ended() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int(nil), b.ended...)
}

// Closed returns how many times Close was called.
func (b *Backend[In, Out]) Closed() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

// Problems returns every breach of the seam's contract seen: Run after
// Close, more attempts at once on one worker than lanes, a worker ended
// with attempts in flight.
func (b *Backend[In, Out]) Problems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.problems...)
}
