package limiter

import "context"

// part asks n units of one limit; alt is one way to satisfy a request: all
// of its parts at once, or none.
type part struct {
	l *Limit
	n int64
}

type alt []part

// AcquireN waits until n units of the limit are free and no earlier waiter
// is queued, then takes them and returns a lease on them. Waiting is FIFO:
// n units are granted before any request queued after them, even a smaller
// one. It wakes on a release or refund, or by a timer at the instant the
// units fall due; it never polls. If ctx is done first it returns
// context.Cause(ctx), leaves the queue and takes nothing.
//
// n = 0 returns at once a lease that holds nothing but can report usage.
// n < 0 is an error wrapping [ErrInvalidRequest]; n above [Limit.Capacity]
// one wrapping [ErrExceedsCapacity]; both name the limit.
func (l *Limit) AcquireN(ctx context.Context, n int64) (*Lease, error) {
	if err := l.check(n); err != nil {
		return nil, err
	}
	if err := ctxDone(ctx); err != nil {
		return nil, err
	}
	if n == 0 {
		return newLease1(l, 0, 0), nil
	}
	// The fast path: no one queued, so taking now is FIFO-fair.
	if l.waiting.Load() == 0 {
		if stamp, ok := l.m.take(n); ok {
			return newLease1(l, n, stamp), nil
		}
	}
	a := l.self
	if n != l.dflt {
		a = alt{{l: l, n: n}}
	}
	return acquireSlow(ctx, []alt{a}, 0)
}

// TryAcquireN takes n units if they are free now and no one is waiting for
// the limit (it never jumps the queue); otherwise it returns [ErrWouldBlock].
// Bad n gets the errors of [Limit.AcquireN].
func (l *Limit) TryAcquireN(n int64) (*Lease, error) {
	if err := l.check(n); err != nil {
		return nil, err
	}
	if n == 0 {
		return newLease1(l, 0, 0), nil
	}
	if l.waiting.Load() == 0 {
		if stamp, ok := l.m.take(n); ok {
			return newLease1(l, n, stamp), nil
		}
	}
	return nil, ErrWouldBlock
}

// acquire is AcquireN for alternatives, tried in turn from start.
func acquire(ctx context.Context, alts []alt, start int) (*Lease, error) {
	if err := ctxDone(ctx); err != nil {
		return nil, err
	}
	if ls := tryAlts(alts, start); ls != nil {
		return ls, nil
	}
	return acquireSlow(ctx, alts, start)
}

// tryAlts takes the first alternative, in turn from start, that is free
// now and has no one queued on any of its limits, without taking a lock.
func tryAlts(alts []alt, start int) *Lease {
	for i := range alts {
		ai := (start + i) % len(alts)
		if ls := tryAlt(alts[ai], ai); ls != nil {
			return ls
		}
	}
	return nil
}

func tryAlt(a alt, index int) *Lease {
	for _, p := range a {
		if p.n > 0 && p.l.waiting.Load() > 0 {
			return nil
		}
	}
	var buf [8]int64
	stamps := buf[:]
	if len(a) > len(buf) {
		stamps = make([]int64, len(a))
	}
	if !takeAll(a, stamps, true) {
		return nil
	}
	return newLease(a, stamps, index)
}

// takeAll takes every part of a, noting each take's stamp in stamps, or,
// if one is not free, none: it gives back what it took. Callers without
// locks (notify true) must wake waiters that queued meanwhile on what was
// given back; callers holding the limits' locks either head their queues
// or found them empty, so no waiter is owed a wake-up.
func takeAll(a alt, stamps []int64, notify bool) bool {
	for i, p := range a {
		stamps[i] = 0
		if p.n == 0 {
			continue
		}
		var ok bool
		if stamps[i], ok = p.l.m.take(p.n); !ok {
			for j := i - 1; j >= 0; j-- {
				if q := a[j]; q.n > 0 {
					q.l.m.untake(q.n, stamps[j])
					if notify {
						q.l.notify()
					}
				}
			}
			return false
		}
	}
	return true
}

// notify wakes the head waiter of l, after l's capacity grew.
func (l *Limit) notify() {
	if l.waiting.Load() == 0 {
		return
	}
	l.mu.Lock()
	if h := l.queue.head; h != nil {
		h.w.signal()
	}
	l.mu.Unlock()
}
