package stages

import "sync"

// reorder is the reorder window of an ordered [Map] stage: result chunks
// arrive from the workers in any order, by sequence number, and leave in
// sequence. The fan-out takes a credit for every chunk and the merge gives
// it back once the chunk's result is out, so no more than the window's
// size are ever in flight and a sequence number's place in the ring,
// seq mod size, is free when it arrives.
type reorder[T any] struct {
	mu    sync.Mutex
	ring  []result[T]
	next  uint64        // the sequence number to send next
	ready chan struct{} // a token when ring[next] has arrived, or at finish
	done  bool          // finish was called: every result has arrived
}

type result[T any] struct {
	c  []T
	ok bool
}

func newReorder[T any](size int) *reorder[T] {
	return &reorder[T]{ring: make([]result[T], size), ready: make(chan struct{}, 1)}
}

// put files the result of chunk seq.
func (r *reorder[T]) put(seq uint64, c []T) {
	r.mu.Lock()
	r.ring[seq%uint64(len(r.ring))] = result[T]{c, true}
	wake := seq == r.next
	r.mu.Unlock()
	if wake {
		r.signal()
	}
}

// finish tells the merge that every result has been put.
func (r *reorder[T]) finish() {
	r.mu.Lock()
	r.done = true
	r.mu.Unlock()
	r.signal()
}

func (r *reorder[T]) signal() {
	select {
	case r.ready <- struct{}{}:
	default:
	}
}

// take removes the next result in sequence, if it has arrived; last is
// true once no more will.
func (r *reorder[T]) take() (c []T, ok, last bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	at := &r.ring[r.next%uint64(len(r.ring))]
	if !at.ok {
		return nil, false, r.done
	}
	c, *at = at.c, result[T]{}
	r.next++
	return c, true, false
}

// merge sends results to out in sequence, giving a credit back for each,
// until every result is out or done closes. It stops as soon as it sees
// done: a worker that skipped a chunk saw done before it put the chunk's
// empty result, so checking before each send keeps what comes out a
// gapless prefix of the full output.
func (r *reorder[T]) merge(done <-chan struct{}, out *Chunks[T], credits <-chan struct{}) {
	for {
		c, ok, last := r.take()
		switch {
		case ok:
			if isDone(done) || !out.Send(done, c) {
				return
			}
			<-credits
		case last:
			return
		default:
			select {
			case <-r.ready:
			case <-done:
				return
			}
		}
	}
}
