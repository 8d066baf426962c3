package limiter

import "context"

// Acquirer is the seam the rest of sluice uses for limits: pools and stages
// call Acquire before each task and [Lease.Release] after it. [*Limit],
// [*Set] and [*SetPool] implement it, each acquiring its default request.
type Acquirer interface {
	// Acquire waits until the default request is granted, or ctx is done,
	// and returns a lease on it; on a done ctx it returns context.Cause(ctx)
	// and holds nothing.
	Acquire(ctx context.Context) (*Lease, error)
	// TryAcquire acquires the default request if that needs no waiting.
	TryAcquire() (*Lease, bool)
}

var (
	_ Acquirer = (*Limit)(nil)
	_ Acquirer = (*Set)(nil)
	_ Acquirer = (*SetPool)(nil)
)

type leaseKey struct{}

// NewContext returns a copy of ctx that carries ls, so the task that runs
// under ls can reach it (to [Lease.Report] usage) with [FromContext].
func NewContext(ctx context.Context, ls *Lease) context.Context {
	return context.WithValue(ctx, leaseKey{}, ls)
}

// FromContext returns the lease that [NewContext] put in ctx, if any.
func FromContext(ctx context.Context) (*Lease, bool) {
	ls, ok := ctx.Value(leaseKey{}).(*Lease)
	return ls, ok && ls != nil
}

// ctxDone returns the cause if ctx is already done. Acquisition on a done
// context fails even when units are free, as x/sync/semaphore does.
func ctxDone(ctx context.Context) error {
	if ctx == nil {
		panic("limiter: nil context")
	}
	if done := ctx.Done(); done != nil {
		select {
		case <-done:
			return context.Cause(ctx)
		default:
		}
	}
	return nil
}
