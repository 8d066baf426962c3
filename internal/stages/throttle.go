package stages

import (
	"context"
	"fmt"

	"github.com/sluice-go/sluice/internal/typednil"
	"github.com/sluice-go/sluice/limiter"
)

// Throttle passes the items of in on, in order, each once it has acquired
// lim's default request; the lease is released at once, so a rate or call
// limit paces the stream while a resource limit (which bounds what is held
// at once, not how fast) does not. Stages that share one lim stay within
// it together. Acquisition that need not wait takes [limiter.Acquirer]'s
// TryAcquire fast path; before it would wait, Throttle sends on what it
// has, so admitted items are not held back.
//
// If an acquisition fails for a reason other than ctx being done (a request
// the limit can never grant, say), Throttle calls fail with the error and
// stops; fail runs on Throttle's goroutine, at most once.
//
// Throttle holds at most one chunk of in and two chunks of items (one
// being filled, one in the returned stream's buffer). Ownership is as for
// [Map]. A nil lim or fail panics.
func Throttle[T any](ctx context.Context, in *Chunks[T], lim limiter.Acquirer, fail func(error)) *Chunks[T] {
	if typednil.Is(lim) || fail == nil {
		panic(fmt.Sprintf("stages: Throttle with limit %v and fail %p: want both", lim, fail))
	}
	out := NewChunks[T](1, in.Size())
	go func() {
		defer out.Close()
		w := NewWriter(out, ctx.Done())
		for {
			c, ok := Next(in, w)
			if !ok {
				w.Finish()
				return
			}
			for _, v := range c {
				ls, ok := lim.TryAcquire()
				if !ok {
					if !w.Flush() {
						in.Put(c)
						return
					}
					var err error
					if ls, err = lim.Acquire(ctx); err != nil {
						if ctx.Err() == nil {
							fail(err)
						}
						in.Put(c)
						return
					}
				}
				ls.Release()
				if !w.Add(v) {
					in.Put(c)
					return
				}
			}
			in.Put(c)
		}
	}()
	return out
}
