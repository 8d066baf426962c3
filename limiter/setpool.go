package limiter

import (
	"context"
	"slices"
	"sync/atomic"
)

// SetPool spreads acquisitions over several [Set]s, such as one per API key
// or region, and fails over between them. Each acquisition starts at the
// next set in rotation and takes the first set that is free now (TryAcquire
// on each in turn); if none is, it queues on all of them at once and takes
// whichever frees first, holding nothing meanwhile (first come, first
// served on every limit, as for a [Set]). [Lease.Index] tells which set it
// got.
//
// Use it as a *SetPool made by [NewSetPool]; the zero value is not usable.
// It is safe for concurrent use and must not be copied. Sets in a pool may
// share limits (a global cap over all keys, say).
//
// Cost: that of a [Set] acquisition when the first set tried is free, one
// such try per busy set before it otherwise.
type SetPool struct {
	sets []*Set
	self []alt // each set's default request
	next atomic.Uint64
}

// NewSetPool returns a pool over sets. No sets or a nil set is an error
// wrapping [ErrInvalidSet].
func NewSetPool(sets ...*Set) (*SetPool, error) {
	if len(sets) == 0 {
		return nil, limitErr("", ErrInvalidSet, "a set pool needs at least one set")
	}
	p := &SetPool{sets: slices.Clone(sets)}
	for i, s := range sets {
		if s == nil {
			return nil, limitErr("", ErrInvalidSet, "set %d of the pool is nil", i)
		}
		p.self = append(p.self, s.self)
	}
	return p, nil
}

// Sets returns the pool's sets, in the order given to [NewSetPool].
func (p *SetPool) Sets() []*Set { return slices.Clone(p.sets) }

func (p *SetPool) start() int { return int((p.next.Add(1) - 1) % uint64(len(p.sets))) }

// Acquire waits for the default request of one of the sets; see
// [SetPool.AcquireRequest].
func (p *SetPool) Acquire(ctx context.Context) (*Lease, error) {
	return acquire(ctx, p.self, p.start())
}

// TryAcquire acquires the default request of the first set, in rotation,
// that is free now.
func (p *SetPool) TryAcquire() (*Lease, bool) {
	ls := tryAlts(p.self, p.start())
	return ls, ls != nil
}

// AcquireRequest asks req of one set of the pool: the first free one in
// rotation, else whichever frees first. req is resolved against each set as
// by [Set.AcquireRequest], whose errors it returns (every set must know
// every key req names). If ctx is done first it returns context.Cause(ctx)
// and takes nothing.
func (p *SetPool) AcquireRequest(ctx context.Context, req Request) (*Lease, error) {
	alts, err := p.resolve(req)
	if err != nil {
		return nil, err
	}
	return acquire(ctx, alts, p.start())
}

// TryAcquireRequest is [SetPool.AcquireRequest] without waiting: it returns
// [ErrWouldBlock] if no set is free now.
func (p *SetPool) TryAcquireRequest(req Request) (*Lease, error) {
	alts, err := p.resolve(req)
	if err != nil {
		return nil, err
	}
	if ls := tryAlts(alts, p.start()); ls != nil {
		return ls, nil
	}
	return nil, ErrWouldBlock
}

func (p *SetPool) resolve(req Request) ([]alt, error) {
	alts := make([]alt, len(p.sets))
	for i, s := range p.sets {
		a, err := s.resolve(req)
		if err != nil {
			return nil, err
		}
		alts[i] = a
	}
	return alts, nil
}
