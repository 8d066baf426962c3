package future

import "log"

// CallbackOption configures one callback registered with
// [Future.OnSettled]: [WithPanicHandler] is the one there is. A nil
// CallbackOption makes OnSettled panic. It is a function value, free to
// copy, share and reuse.
type CallbackOption func(*callbackConfig)

type callbackConfig struct {
	onPanic func(*PanicError)
}

// WithPanicHandler has a panic in the callback delivered to h, as a
// [*PanicError] with the value and the stack, instead of being logged. h
// runs where the callback ran, just after it panicked and before the next
// callback, so like the callback it should be quick and must not block. A
// panic in h itself is logged. A nil h panics.
func WithPanicHandler(h func(*PanicError)) CallbackOption {
	if h == nil {
		panic("future: WithPanicHandler with nil function")
	}
	return func(c *callbackConfig) { c.onPanic = h }
}

// OnSettled registers fn to be called with the future's value and error once
// it settles: at once, in the calling goroutine, if it has already settled;
// otherwise in the goroutine that settles it, after waiters are released.
// Callbacks run in the order they were registered. fn should be quick and
// must not block; hand long work to a goroutine.
//
// A panic in fn goes no further than fn, wherever it runs: the goroutine
// that settles the future (a pool's worker, say) and the caller of OnSettled
// carry on, and the other callbacks still run. The panic is recovered into a
// [*PanicError] and reported once: to the handler given with
// [WithPanicHandler], or else to the standard logger, with its value and
// stack (see "Callbacks" in the package doc). A nil fn or a nil option
// panics.
func (f *Future[T]) OnSettled(fn func(v T, err error), opts ...CallbackOption) {
	if fn == nil {
		panic("future: OnSettled with nil function")
	}
	if len(opts) > 0 {
		fn = configure(fn, opts)
	}
	if f.work.state.Load() != settled {
		f.work.lockHooked()
		if f.work.state.Load() != settled {
			if f.cbs == nil {
				f.cbs = new([]func(T, error))
			}
			*f.cbs = append(*f.cbs, fn)
			f.work.mu.Unlock()
			return
		}
		f.work.mu.Unlock()
	}
	call(fn, f.val, f.err)
}

// configure wraps fn as opts ask. Only callbacks given options pay for the
// wrapping.
func configure[T any](fn func(T, error), opts []CallbackOption) func(T, error) {
	var c callbackConfig
	for _, o := range opts {
		if o == nil {
			panic("future: OnSettled with nil option")
		}
		o(&c)
	}
	if c.onPanic == nil {
		return fn
	}
	h := c.onPanic
	return func(v T, err error) {
		defer func() {
			if r := recover(); r != nil {
				h(NewPanicError(r))
			}
		}()
		fn(v, err)
	}
}

// runCallbacks calls each of cbs in turn. A callback that panics or calls
// runtime.Goexit leaves the loop; the deferred call then logs the panic
// (see logPanic) and runs the rest, so no callback is skipped and nobody
// waiting through one is stranded. Goexit cannot be stopped: the
// goroutine goes on exiting once the rest have run. One deferred call per
// settle, not one per callback, keeps the common case as cheap as it was
// (a deferred call per callback measured some 5 ns each). The price is
// paid only when a second callback of the same settle panics: it does so
// while the first one's frames are still on the stack, and its reported
// stack shows them too.
func runCallbacks[T any](cbs []func(T, error), v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(r)
		}
		if len(cbs) > 0 {
			runCallbacks(cbs, v, err)
		}
	}()
	for len(cbs) > 0 {
		cb := cbs[0]
		cbs = cbs[1:]
		cb(v, err)
	}
}

// call calls one callback, as runCallbacks does a list of them.
func call[T any](cb func(T, error), v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			logPanic(r)
		}
	}()
	cb(v, err)
}

// logPanic reports a callback's panic that had no handler: there is no
// one else to tell. Called in the deferred call that recovered, before
// the panicking frames unwind, so the stack shows where it panicked.
func logPanic(r any) {
	log.Print("future: callback ", NewPanicError(r))
}
