package limiter

import "sync/atomic"

// Lease is what one acquisition holds: some units of one or more limits.
// [Lease.Release] gives back what is held (units of resource limits; rate
// and call limits hold nothing, their units are spent on admission);
// [Lease.Report] settles what the work actually used.
//
// The idiom is
//
//	ls, err := lim.Acquire(ctx)
//	if err != nil {
//		return err
//	}
//	defer ls.Release()
//
// so the lease is released however the work ends: error, panic or
// runtime.Goexit.
//
// A Lease is safe for concurrent use and must not be copied. The zero value
// and a nil *Lease hold nothing: Release on them is a no-op. A lease costs
// one allocation (64 bytes) from a single limit, two from a set.
type Lease struct {
	released atomic.Bool
	index    int32
	parts    []leasePart
	one      [1]leasePart // parts of a single-limit lease, without a second allocation
}

type leasePart struct {
	l     *Limit
	n     int64        // units acquired
	stamp int64        // the meter's mark for the take
	extra atomic.Int64 // units reported beyond n (negative: refunded)
}

// newLease returns a lease on alternative index a, taken with stamps.
func newLease(a alt, stamps []int64, index int) *Lease {
	ls := &Lease{index: int32(index)}
	if len(a) == 1 {
		ls.parts = ls.one[:]
	} else {
		ls.parts = make([]leasePart, len(a))
	}
	for i, p := range a {
		ls.parts[i].l, ls.parts[i].n, ls.parts[i].stamp = p.l, p.n, stamps[i]
	}
	return ls
}

func newLease1(l *Limit, n, stamp int64) *Lease {
	ls := &Lease{}
	ls.one[0].l, ls.one[0].n, ls.one[0].stamp = l, n, stamp
	ls.parts = ls.one[:]
	return ls
}

// Release gives back what the lease holds and wakes whoever waits for it.
// It is idempotent: only the first call does anything. Call it in a defer.
func (ls *Lease) Release() {
	// Rate and call limits spend their units on admission: nothing to give.
	if ls == nil || !ls.holds() || ls.released.Swap(true) {
		return
	}
	for i := range ls.parts {
		p := &ls.parts[i]
		if p.n > 0 && p.l.kind == resourceKind && p.l.m.release(p.n) {
			p.l.notify()
		}
	}
}

func (ls *Lease) holds() bool {
	for i := range ls.parts {
		if ls.parts[i].n > 0 && ls.parts[i].l.kind == resourceKind {
			return true
		}
	}
	return false
}

// Report says how many units of the limit named key the work actually used;
// the lease's last report for a key is what counts. Asked for more than was
// used, a [GCRA] or [TokenBucket] limit refunds the rest (and wakes waiters);
// the window algorithms cannot. Used more than asked, every rate limit
// charges the excess now, delaying later acquisitions. Call and resource
// limits ignore reports. Report may come before or after Release.
//
// A key the lease does not hold, or a negative used, is an error wrapping
// [ErrInvalidRequest].
func (ls *Lease) Report(key string, used int64) error {
	if ls != nil {
		for i := range ls.parts {
			if ls.parts[i].l.name == key {
				return ls.parts[i].report(used)
			}
		}
	}
	return &LimitError{Limit: key, Err: ErrInvalidRequest, Msg: "the lease holds no limit of that name"}
}

// ReportN is [Lease.Report] for a lease on one limit, as a single [Limit]
// gives. On a lease from a set it is an error wrapping [ErrInvalidRequest].
func (ls *Lease) ReportN(used int64) error {
	if ls == nil || len(ls.parts) != 1 {
		n := 0
		if ls != nil {
			n = len(ls.parts)
		}
		return limitErr("", ErrInvalidRequest, "ReportN on a lease of %d limits; use Report(key, used)", n)
	}
	return ls.parts[0].report(used)
}

func (p *leasePart) report(used int64) error {
	if used < 0 {
		return limitErr(p.l.name, ErrInvalidRequest, "reported usage %d is negative", used)
	}
	if p.l.kind != rateKind {
		return nil
	}
	for {
		old := p.extra.Load()
		next := used - p.n
		if !p.l.alg.refunds() {
			next = max(next, old)
		}
		if next == old {
			return nil
		}
		if p.extra.CompareAndSwap(old, next) {
			if p.l.m.adjust(next-old, p.stamp) {
				p.l.notify()
			}
			return nil
		}
	}
}

// Index returns the position, in its [SetPool], of the [Set] the lease was
// acquired from (to pick the matching API key or region); 0 for a lease
// from a single [Limit] or [Set].
func (ls *Lease) Index() int {
	if ls == nil {
		return 0
	}
	return int(ls.index)
}

// Granted returns the units the lease acquired from the limit named key,
// 0 if it holds no such limit.
func (ls *Lease) Granted(key string) int64 {
	if ls != nil {
		for i := range ls.parts {
			if ls.parts[i].l.name == key {
				return ls.parts[i].n
			}
		}
	}
	return 0
}
