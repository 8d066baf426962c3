package limiter

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// The wait queue. Each limit keeps a FIFO of waiting requests; a request
// over several limits (a set) or several alternatives (a set pool) is in the
// queue of each limit it asks units of. It is appended to all of them at
// once, holding all their mutexes (taken in creation order of the limits),
// so any two queues list the requests they share in the same order: the
// earliest request is at the head of every queue it is in, and waits only
// for capacity, never for another waiter. So no set waits on another set,
// and a request holds nothing while it waits.
//
// A waiter grants itself: woken by a release or refund on a limit whose
// queue it heads, by reaching the head of a queue, or by its timer at the
// instant its units fall due, it locks its limits and takes an alternative
// whose queues it heads in full, or goes back to sleep.

type waitNode struct {
	w          *waiter
	l          *Limit
	prev, next *waitNode
}

type queue struct{ head, tail *waitNode }

func (q *queue) push(n *waitNode) {
	n.prev = q.tail
	if q.tail != nil {
		q.tail.next = n
	} else {
		q.head = n
	}
	q.tail = n
}

func (q *queue) remove(n *waitNode) {
	if n.prev != nil {
		n.prev.next = n.next
	} else {
		q.head = n.next
	}
	if n.next != nil {
		n.next.prev = n.prev
	} else {
		q.tail = n.prev
	}
	n.prev, n.next = nil, nil
}

type waiter struct {
	alts  []alt
	order []int      // alternatives in the order to try them
	at    [][]int    // at[ai][pi]: index in nodes of part pi of alt ai, -1 if n = 0
	nodes []waitNode // one per limit asked units of, in lock order
	ready chan struct{}
}

func newWaiter(alts []alt, start int) *waiter {
	w := &waiter{alts: alts, ready: make(chan struct{}, 1)}
	for i := range alts {
		w.order = append(w.order, (start+i)%len(alts))
	}
	var ls []*Limit
	for _, a := range alts {
		for _, p := range a {
			if p.n > 0 {
				ls = append(ls, p.l)
			}
		}
	}
	slices.SortFunc(ls, func(a, b *Limit) int { return cmp.Compare(a.id, b.id) })
	ls = slices.Compact(ls)
	w.nodes = make([]waitNode, len(ls))
	for i, l := range ls {
		w.nodes[i] = waitNode{w: w, l: l}
	}
	w.at = make([][]int, len(alts))
	for ai, a := range alts {
		w.at[ai] = make([]int, len(a))
		for pi, p := range a {
			w.at[ai][pi] = -1
			if p.n > 0 {
				w.at[ai][pi], _ = slices.BinarySearchFunc(ls, p.l, func(a, b *Limit) int { return cmp.Compare(a.id, b.id) })
			}
		}
	}
	return w
}

func (w *waiter) lock() {
	for i := range w.nodes {
		w.nodes[i].l.mu.Lock()
	}
}

func (w *waiter) unlock() {
	for i := len(w.nodes) - 1; i >= 0; i-- {
		w.nodes[i].l.mu.Unlock()
	}
}

func (w *waiter) signal() {
	select {
	case w.ready <- struct{}{}:
	default:
	}
}

func (w *waiter) enqueue() {
	for i := range w.nodes {
		n := &w.nodes[i]
		n.l.queue.push(n)
		n.l.waiting.Add(1)
	}
}

// dequeue leaves every queue and wakes each waiter that becomes a head.
func (w *waiter) dequeue() {
	for i := range w.nodes {
		n := &w.nodes[i]
		q := &n.l.queue
		wasHead := q.head == n
		q.remove(n)
		n.l.waiting.Add(-1)
		if wasHead && q.head != nil {
			q.head.w.signal()
		}
	}
}

// eligible reports whether alternative ai may be taken: before queueing,
// when no one is queued on its limits; after, when w heads all its queues.
func (w *waiter) eligible(ai int, queued bool) bool {
	for pi, ni := range w.at[ai] {
		if ni < 0 {
			continue
		}
		head := w.alts[ai][pi].l.queue.head
		if queued && head != &w.nodes[ni] || !queued && head != nil {
			return false
		}
	}
	return true
}

// grant takes the first eligible alternative that is free. Callers hold
// every lock of w.
func (w *waiter) grant(queued bool) *Lease {
	for _, ai := range w.order {
		if !w.eligible(ai, queued) {
			continue
		}
		stamps := make([]int64, len(w.alts[ai]))
		if takeAll(w.alts[ai], stamps, false) {
			return newLease(w.alts[ai], stamps, ai)
		}
	}
	return nil
}

// due returns how long until some alternative w heads in full is free, or
// false if none will be by time alone. Callers hold every lock of w.
func (w *waiter) due() (time.Duration, bool) {
	var best time.Duration
	found := false
	for _, ai := range w.order {
		if !w.eligible(ai, true) {
			continue
		}
		var d time.Duration
		ok := true
		for _, p := range w.alts[ai] {
			if p.n == 0 {
				continue
			}
			pd, pok := p.l.m.delay(p.n)
			if !pok {
				ok = false
				break
			}
			d = max(d, pd)
		}
		if ok && (!found || d < best) {
			best, found = d, true
		}
	}
	// Free now yet not taken means a racing take is being rolled back:
	// look again in a moment rather than spin.
	return max(best, time.Nanosecond), found
}

// acquireSlow queues a request and waits for it.
func acquireSlow(ctx context.Context, alts []alt, start int) (*Lease, error) {
	w := newWaiter(alts, start)
	w.lock()
	if ls := w.grant(false); ls != nil {
		w.unlock()
		return ls, nil
	}
	w.enqueue()
	d, timed := w.due()
	w.unlock()

	var timer *time.Timer
	var tick <-chan time.Time
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		tick = nil
		if timed {
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			tick = timer.C
		}
		select {
		case <-ctx.Done():
			w.lock()
			w.dequeue()
			w.unlock()
			return nil, context.Cause(ctx)
		case <-w.ready:
		case <-tick:
		}
		w.lock()
		if ls := w.grant(true); ls != nil {
			w.dequeue()
			w.unlock()
			return ls, nil
		}
		d, timed = w.due()
		w.unlock()
	}
}
