package seam

import (
	"context"

	"github.com/sourcegraph/conc/panics"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/internal/policy"
)

// Invoke runs one task on worker w: the one task invocation path of pools
// and flows, [Host.Call] under [Host.Catch]. (A flow catches once per
// chunk, around the Calls for its items.)
func (h *Host[In, Out]) Invoke(ctx context.Context, w int, in In, expire func(error), goexit func()) (v Out, err error, ok bool) {
	if perr := h.Catch(func() { v, err = h.Call(ctx, w, in, expire) }, goexit); perr != nil {
		var zero Out
		return zero, perr, false
	}
	return v, err, true
}

// Call makes the attempts of one task on worker w: a plain policy calls
// the backend's Run at once (the fast path); otherwise policy.Run makes
// them, or policy.RunExpiring if expire is not nil and the policy has a
// timeout (a pool settles its future at the deadline). Call catches
// nothing: run it under Catch.
func (h *Host[In, Out]) Call(ctx context.Context, w int, in In, expire func(error)) (Out, error) {
	if h.plain {
		return h.b.Run(ctx, w, in)
	}
	return h.attempts(ctx, w, in, expire)
}

func (h *Host[In, Out]) attempts(ctx context.Context, w int, in In, expire func(error)) (Out, error) {
	if expire != nil && h.policy.Timeout > 0 {
		return policy.RunExpiring(ctx, &h.policy, h.run, w, in, expire)
	}
	return policy.Run(ctx, &h.policy, h.run, w, in)
}

// Catch runs f and returns a *future.PanicError (value and stack, taken
// by conc's panics.NewRecovered) if f panicked; panics are never retried.
// runtime.Goexit is no panic: Catch calls goexit as the goroutine unwinds,
// and does not return. One deferred call does both, and the path without
// a panic allocates nothing.
func (h *Host[In, Out]) Catch(f func(), goexit func()) (perr error) {
	returned := false
	defer func() {
		if returned {
			return
		}
		if r := recover(); r != nil {
			rec := panics.NewRecovered(1, r)
			perr = &future.PanicError{Value: rec.Value, Stack: rec.Stack}
			return
		}
		goexit()
	}()
	f()
	returned = true
	return nil
}
