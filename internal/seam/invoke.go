package seam

import (
	"context"

	"github.com/sourcegraph/conc/panics"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/stage"
)

// Invoke runs one task on worker w: the one task invocation path of pools
// and flows. A plain policy calls the backend's Run at once (the fast
// path); otherwise stage.Run makes the attempts, or stage.RunExpiring if
// expire is not nil and the policy has a timeout (a pool settles its
// future at the deadline).
//
// A panic in the backend, the validator or the limit comes back as a
// *future.PanicError with its stack, and ok false; panics are never
// retried. The caller's [Catcher] catches it. runtime.Goexit is no panic:
// Invoke calls goexit as the goroutine unwinds, and does not return.
func (h *Host[In, Out]) Invoke(ctx context.Context, c *Catcher, w int, in In, expire func(error), goexit func()) (v Out, err error, ok bool) {
	returned := false
	defer func() {
		if !returned {
			goexit()
		}
	}()
	if c.c == nil {
		c.c = new(panics.Catcher)
	}
	c.c.Try(func() { v, err = h.call(ctx, w, in, expire) })
	returned = true
	if r := c.c.Recovered(); r != nil {
		c.c = nil // a Catcher keeps the first panic only
		var zero Out
		return zero, &future.PanicError{Value: r.Value, Stack: r.Stack}, false
	}
	return v, err, true
}

// Catcher is one worker's (or lane's) conc panics.Catcher, which Invoke
// catches panics with. conc's Catcher keeps the first panic it caught,
// and one made per call would cost an allocation per task (it escapes);
// one kept per worker costs one allocation per worker and one per panic.
// The zero value is ready; it must be used by one goroutine at a time.
type Catcher struct{ c *panics.Catcher }

func (h *Host[In, Out]) call(ctx context.Context, w int, in In, expire func(error)) (Out, error) {
	switch {
	case h.plain:
		return h.b.Run(ctx, w, in)
	case expire != nil && h.policy.Timeout > 0:
		return stage.RunExpiring(ctx, &h.policy, h.run, w, in, expire)
	default:
		return stage.Run(ctx, &h.policy, h.run, w, in)
	}
}
