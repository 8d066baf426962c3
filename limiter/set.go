package limiter

import (
	"context"
	"slices"
)

// Request asks units of the limits of a [Set] by name, e.g.
// Request{"calls": 1, "tokens": 1000, "connections": 1}. A member the
// request leaves out is asked its default (1 unless [WithDefaultRequest] or
// [Set.WithDefault] say otherwise); ask 0 to leave it out.
type Request map[string]int64

// Set is a set of keyed limits acquired all-or-nothing: one acquisition
// takes its units of every member at once or waits, holding none of them,
// until it can. Waiting is FIFO per limit (see [Limit.AcquireN]); two sets
// that share limits never deadlock, because every queue orders the
// requests it shares with another queue the same way.
//
// Use it as a *Set made by [NewSet]; the zero value is not usable. A Set
// only refers to its limits: it is safe for concurrent use, any number of
// sets and pools may share a limit, and any number of pools may share a set.
// It must not be copied.
//
// Cost: an acquisition that need not wait takes each member's fast path in
// turn (a compare-and-swap each for GCRA and resource limits) and allocates
// the lease and its parts; a member that turns out not to be free gives
// back what was taken before it.
type Set struct {
	limits []*Limit
	index  map[string]int
	self   alt   // the default request
	selves []alt // self as the only alternative
}

// NewSet returns a set of the given limits, keyed by their names. No
// limits, a nil limit, or two limits with the same name is an error
// wrapping [ErrInvalidSet].
func NewSet(limits ...*Limit) (*Set, error) {
	if len(limits) == 0 {
		return nil, limitErr("", ErrInvalidSet, "a set needs at least one limit")
	}
	s := &Set{limits: slices.Clone(limits), index: make(map[string]int, len(limits))}
	for i, l := range s.limits {
		if l == nil {
			return nil, limitErr("", ErrInvalidSet, "limit %d of the set is nil", i)
		}
		if _, dup := s.index[l.name]; dup {
			return nil, limitErr(l.name, ErrInvalidSet, "two limits of the set have this name")
		}
		s.index[l.name] = i
		s.self = append(s.self, part{l: l, n: l.dflt})
	}
	s.selves = []alt{s.self}
	return s, nil
}

// WithDefault returns a set over the same limits (sharing them, not copies)
// whose Acquire and TryAcquire ask req, so that a pool can be handed, as an
// [Acquirer], exactly what each of its tasks needs. Errors are those of
// [Set.AcquireRequest].
func (s *Set) WithDefault(req Request) (*Set, error) {
	a, err := s.resolve(req)
	if err != nil {
		return nil, err
	}
	return &Set{limits: s.limits, index: s.index, self: a, selves: []alt{a}}, nil
}

// Limits returns the set's limits, in the order given to [NewSet].
func (s *Set) Limits() []*Limit { return slices.Clone(s.limits) }

// resolve turns a request into the units to ask of each member.
func (s *Set) resolve(req Request) (alt, error) {
	a := slices.Clone(s.self)
	keys := make([]string, 0, len(req))
	for k := range req {
		keys = append(keys, k)
	}
	slices.Sort(keys) // report the first bad key, deterministically
	for _, k := range keys {
		i, ok := s.index[k]
		if !ok {
			return nil, limitErr(k, ErrInvalidRequest, "no limit of that name in the set")
		}
		if err := s.limits[i].check(req[k]); err != nil {
			return nil, err
		}
		a[i].n = req[k]
	}
	return a, nil
}

// Acquire waits for the set's default request: each member's default
// unless [Set.WithDefault] set another. See [Set.AcquireRequest].
func (s *Set) Acquire(ctx context.Context) (*Lease, error) {
	return acquire(ctx, s.selves, 0)
}

// TryAcquire is [Set.Acquire] without waiting.
func (s *Set) TryAcquire() (*Lease, bool) {
	ls := tryAlts(s.selves, 0)
	return ls, ls != nil
}

// AcquireRequest waits until every unit req asks is free and no earlier
// request is queued on any of those limits, then takes them all at once and
// returns one lease on them; [Lease.Report] settles usage per key. It wakes
// on releases, refunds and timers as [Limit.AcquireN] does. If ctx is done
// first it returns context.Cause(ctx) and takes nothing.
//
// A key that names no member or a negative amount is an error wrapping
// [ErrInvalidRequest]; an amount above its limit's capacity one wrapping
// [ErrExceedsCapacity]. Both name the limit.
func (s *Set) AcquireRequest(ctx context.Context, req Request) (*Lease, error) {
	a, err := s.resolve(req)
	if err != nil {
		return nil, err
	}
	return acquire(ctx, []alt{a}, 0)
}

// TryAcquireRequest takes what req asks if all of it is free now and no one
// is queued on those limits; otherwise it returns [ErrWouldBlock]. Bad
// requests get the errors of [Set.AcquireRequest].
func (s *Set) TryAcquireRequest(req Request) (*Lease, error) {
	a, err := s.resolve(req)
	if err != nil {
		return nil, err
	}
	if ls := tryAlts([]alt{a}, 0); ls != nil {
		return ls, nil
	}
	return nil, ErrWouldBlock
}
