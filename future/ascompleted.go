package future

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
)

// Completion is one future's outcome as [Completed] delivers it: the
// future's position in the list given, and its [Result] (embedded, so c.Value
// and c.Err read it directly).
//
// Its zero value is index 0 with a zero result. It is a plain value: safe
// to copy, and to read from many goroutines; it costs nothing beyond T.
type Completion[T any] struct {
	Index int
	Result[T]
}

// AsCompleted returns a sequence of (index, result) pairs for futs in the
// order they settle; futures already settled when the loop starts come
// first, in list order. Each index is yielded exactly once, so a loop that
// runs to the end sees len(futs) pairs.
//
// If ctx ends first the sequence simply stops: a loop that saw fewer than
// len(futs) pairs and did not break ended because of ctx, and
// context.Cause(ctx) says why. Outcomes already in hand are yielded before
// ctx is heeded, as [Future.Await] does. The futures are left untouched
// either way.
//
// Each loop over the sequence starts afresh. It runs in the caller's
// goroutine and starts none: it puts one callback on each pending future,
// which pushes into a buffer with room for all of them and so never blocks.
// Breaking out early therefore leaks nothing; the callbacks left on futures
// that are still pending run, harmlessly, when those settle.
//
// A nil ctx or a nil future panics here, at the call, not in the loop.
func AsCompleted[T any](ctx context.Context, futs ...*Future[T]) iter.Seq2[int, Result[T]] {
	checkArgs(ctx, "AsCompleted", futs)
	futs = slices.Clone(futs) // the caller may reuse its slice before the loop
	return func(yield func(int, Result[T]) bool) {
		w := watch(futs, false)
		for range len(futs) {
			c, ok := w.next(ctx)
			if !ok || !yield(c.Index, c.Result) {
				return
			}
		}
	}
}

// Completed is [AsCompleted] as a channel, for use in select: it delivers a
// [Completion] for each future as it settles (those already settled first,
// in list order) and is closed after the last one, or once ctx is done.
// Completions that happened before ctx ended stay in the channel's buffer
// and are received before it reads as closed; a consumer that received
// fewer than len(futs) learns the reason from context.Cause(ctx).
//
// The channel's buffer holds len(futs) completions, so no sender ever
// waits, and Completed starts no goroutine of its own (a ctx that is
// cancelled runs one brief context.AfterFunc to close the channel). A
// consumer may therefore walk away at any time, drained or not, cancelled
// or not, and nothing leaks: the channel is collected with whatever it
// holds once the futures still pending settle.
//
// A nil ctx or a nil future panics.
func Completed[T any](ctx context.Context, futs ...*Future[T]) <-chan Completion[T] {
	checkArgs(ctx, "Completed", futs)
	w := watch(futs, true)
	w.mu.Lock()
	if !w.closed {
		w.stop = context.AfterFunc(ctx, w.close)
	}
	w.mu.Unlock()
	return w.ch
}

// watcher gathers the outcomes of a list of futures in the order they
// settle, without a goroutine: a callback on each pending future pushes its
// completion into a channel with room for all of them, so a push never
// blocks, and a watcher nobody reads any more is simply collected.
type watcher[T any] struct {
	ch chan Completion[T]

	mu      sync.Mutex // guards the fields below and sends on ch
	left    int        // completions still to push
	closing bool       // close ch after the last push (Completed)
	closed  bool
	stop    func() bool // unhooks the close on ctx, once hooked
}

// watch starts watching futs. Futures already settled are pushed at once, in
// list order, without a callback.
func watch[T any](futs []*Future[T], closing bool) *watcher[T] {
	w := &watcher[T]{
		ch:      make(chan Completion[T], len(futs)),
		left:    len(futs),
		closing: closing,
	}
	if closing && len(futs) == 0 {
		w.closed = true
		close(w.ch)
	}
	for i, f := range futs {
		if v, err, ok := f.TryResult(); ok {
			w.push(i, v, err)
			continue
		}
		f.OnSettled(func(v T, err error) { w.push(i, v, err) })
	}
	return w
}

func (w *watcher[T]) push(i int, v T, err error) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.ch <- Completion[T]{Index: i, Result: Result[T]{Value: v, Err: err}}
	w.left--
	var stop func() bool
	if w.left == 0 && w.closing {
		w.closed = true
		close(w.ch)
		stop, w.stop = w.stop, nil
	}
	w.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// close closes the channel early: ctx is done.
func (w *watcher[T]) close() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.closed {
		w.closed = true
		close(w.ch)
	}
}

// next returns the next completion, or ok false once ctx is done and none is
// ready: outcomes already in hand win over ctx, as in [Future.Await].
func (w *watcher[T]) next(ctx context.Context) (c Completion[T], ok bool) {
	select {
	case c = <-w.ch:
		return c, true
	case <-ctx.Done():
		select {
		case c = <-w.ch:
			return c, true
		default:
			return c, false
		}
	}
}

// checkArgs panics, naming op, on a nil ctx or a nil future, so the mistake
// shows at the call rather than as a nil dereference in a callback.
func checkArgs[T any](ctx context.Context, op string, futs []*Future[T]) {
	if ctx == nil {
		panic("future: " + op + " with nil context")
	}
	for i, f := range futs {
		if f == nil {
			panic(fmt.Sprintf("future: %s with nil future at index %d", op, i))
		}
	}
}
