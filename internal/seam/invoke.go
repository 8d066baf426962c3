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
func (h *Host[In, Out]) Invoke(ctx context.Context, c *Catcher, w int, in In, expire func(error), goexit func()) (v Out, err error, ok bool) {
	if perr := h.Catch(c, func() { v, err = h.Call(ctx, w, in, expire) }, goexit); perr != nil {
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

// Catch runs f with c, and returns a *future.PanicError (value and
// stack) if f panicked; panics are never retried. runtime.Goexit is no
// panic and conc does not see it: Catch calls goexit as the goroutine
// unwinds, and does not return.
func (h *Host[In, Out]) Catch(c *Catcher, f func(), goexit func()) error {
	returned := false
	defer func() {
		if !returned {
			goexit()
		}
	}()
	if c.c == nil {
		c.c = new(panics.Catcher)
	}
	c.c.Try(f)
	returned = true
	if r := c.c.Recovered(); r != nil {
		c.c = nil // a Catcher keeps the first panic only
		return &future.PanicError{Value: r.Value, Stack: r.Stack}
	}
	return nil
}

// Catcher is one worker's (or lane's) conc panics.Catcher, which Catch
// catches panics with. conc's Catcher keeps the first panic it caught,
// and one made per call would cost an allocation per task (it escapes);
// one kept per worker costs one allocation per worker and one per panic.
// The zero value is ready; it must be used by one goroutine at a time.
type Catcher struct{ c *panics.Catcher }
