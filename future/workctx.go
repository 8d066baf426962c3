package future

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// workCtx is the context handed to the work behind a [Future]. It lives inside
// the Future's allocation, so giving work a cancellable context costs nothing
// until the work asks for Done: the channel and the link to the parent are made
// lazily.
//
// It is cancelled when the future is cancelled, when the parent is done, and
// when the future settles (the work is over, so whatever it derived from the
// context is released).
type workCtx struct {
	parent context.Context

	mu    sync.Mutex    // also guards the enclosing Future; take it with lockHooked
	state atomic.Uint32 // the enclosing Future's: see pending
	ended endedBy       // why it is done, once it is: what Err and Cause report
	done  chan struct{} // made on first Done call
	links *links        // made when first needed, dropped on cancel
}

// links are the rarer parts of a work context, out of line so that a
// future whose work never derives a context or waits on a cancellable
// parent stays small.
type links struct {
	unlink func() bool   // stops the parent's AfterFunc, once linked
	afters []*afterEntry // AfterFunc registrations of derived contexts
}

type afterEntry struct{ f func() }

// endedBy is why a work context ended, as a byte, so that neither its
// error nor its cause costs an interface of its own: its own ends are
// context.Canceled with cause ErrSettled or ErrCancelled, and every other
// end is its parent's, whose error and cause are final once it is done.
type endedBy uint8

const (
	notEnded       endedBy = iota
	endedSettled           // context.Canceled, cause ErrSettled: the usual end
	endedCancelled         // context.Canceled, cause ErrCancelled: Future.Cancel
	endedDeadline          // context.DeadlineExceeded, the parent's cause
	endedParent            // what the parent's Err reports, the parent's cause
)

// errLocked returns the error w ended with, nil if it has not.
func (w *workCtx) errLocked() error {
	switch w.ended {
	case notEnded:
		return nil
	case endedSettled, endedCancelled:
		return context.Canceled
	case endedDeadline:
		return context.DeadlineExceeded
	}
	return w.parent.Err()
}

// linksLocked returns w's links, making them if need be. The caller holds
// w.mu and has seen w.ended notEnded.
func (w *workCtx) linksLocked() *links {
	if w.links == nil {
		w.links = new(links)
	}
	return w.links
}

// lockHooked takes w.mu with the future hooked or settled, never pending
// or settling: whoever holds the lock may make a channel, register a
// callback or end the work, and a settle from then on takes the lock too
// and sees to them (see Future.settle). If a lock-free settle is writing
// the outcome, it waits for it to finish, which takes a few stores.
func (w *workCtx) lockHooked() {
	for {
		w.mu.Lock()
		if w.state.CompareAndSwap(pending, hooked) || w.state.Load() != settling {
			return
		}
		w.mu.Unlock()
		runtime.Gosched()
	}
}

var _ context.Context = (*workCtx)(nil)

func (w *workCtx) Deadline() (time.Time, bool) { return w.parent.Deadline() }

func (w *workCtx) Value(key any) any { return w.parent.Value(key) }

func (w *workCtx) Err() error {
	// While the future is pending, only its parent can have ended the
	// work: no lock needed.
	if s := w.state.Load(); s == pending || s == hooked {
		return w.parent.Err()
	}
	w.lockHooked()
	err := w.errLocked()
	w.mu.Unlock()
	if err != nil {
		return err
	}
	return w.parent.Err()
}

func (w *workCtx) Done() <-chan struct{} {
	w.lockHooked()
	var finish func()
	if w.done == nil {
		w.done = make(chan struct{})
		if w.ended != notEnded {
			close(w.done)
		} else {
			finish = w.linkLocked()
		}
	}
	done := w.done
	w.mu.Unlock()
	if finish != nil {
		finish()
	}
	return done
}

// linkLocked makes the parent's cancellation reach this context. A parent
// that is already done cancels it at once, so Done is never open while Err
// reports an error. The returned func must be called once w.mu is released.
func (w *workCtx) linkLocked() (finish func()) {
	if w.ended != notEnded || w.links != nil && w.links.unlink != nil || w.parent.Done() == nil {
		return nil
	}
	parent := w.parent
	if err := parent.Err(); err != nil {
		return w.endLocked(parentEnd(err))
	}
	w.linksLocked().unlink = context.AfterFunc(parent, func() {
		w.end(parentEnd(parent.Err()))
	})
	return nil
}

// AfterFunc lets contexts derived from this one (context.WithTimeout in a
// task, say) hook its cancellation without a goroutine each: the context
// package looks for this method. The context package only ever passes a
// child's cancel, which is quick and takes no lock of ours, so cancel calls
// the registered funcs directly, as the standard library does for its own
// children; a derived context is done by the time Cancel returns.
func (w *workCtx) AfterFunc(f func()) (stop func() bool) {
	w.lockHooked()
	finish := w.linkLocked()
	if w.ended != notEnded {
		w.mu.Unlock()
		if finish != nil {
			finish()
		}
		// The caller may hold the child's lock (the context package does),
		// so f must not run in this goroutine.
		go f()
		return func() bool { return false }
	}
	entry := &afterEntry{f: f}
	l := w.linksLocked()
	l.afters = append(l.afters, entry)
	w.mu.Unlock()
	return func() bool {
		w.lockHooked()
		defer w.mu.Unlock()
		if w.links != l { // cancelled: the entry has run or is running
			return false
		}
		for i, e := range l.afters {
			if e == entry {
				l.afters = append(l.afters[:i], l.afters[i+1:]...)
				return true
			}
		}
		return false
	}
}

// end ends the context for the reason by; only the first end counts.
func (w *workCtx) end(by endedBy) {
	w.lockHooked()
	finish := w.endLocked(by)
	w.mu.Unlock()
	if finish != nil {
		finish()
	}
}

// parentEnd is how a parent that is done with err ends its child.
func parentEnd(err error) endedBy {
	if err == context.DeadlineExceeded {
		return endedDeadline
	}
	return endedParent
}

// endLocked is end with w.mu held (by lockHooked); the returned func, if
// any, unlinks from the parent and cancels derived contexts, and must be
// called once w.mu is released.
func (w *workCtx) endLocked(by endedBy) (finish func()) {
	if w.ended != notEnded {
		return nil
	}
	w.ended = by
	if w.done != nil {
		close(w.done)
	}
	l := w.links
	w.links = nil
	if l == nil || l.unlink == nil && len(l.afters) == 0 {
		return nil
	}
	unlink, afters := l.unlink, l.afters
	return func() {
		if unlink != nil {
			unlink()
		}
		for _, e := range afters {
			e.f()
		}
	}
}

// causeErr reports why the context was cancelled, nil while it is not. A
// parent that is done counts even before anyone linked to it, to agree with
// Err.
func (w *workCtx) causeErr() error {
	ended := notEnded // while pending, unhooked: only a parent can be done
	if w.state.Load() != pending {
		w.lockHooked()
		ended = w.ended
		w.mu.Unlock()
	}
	switch ended {
	case endedSettled:
		return ErrSettled
	case endedCancelled:
		return ErrCancelled
	}
	if w.parent.Err() != nil {
		return context.Cause(w.parent)
	}
	return nil
}
