package flow

import "github.com/sluice-go/sluice/stage"

// writer fills chunks of a stream and sends them on.
type writer[T any] struct {
	s    *stage.Chunks[T]
	done <-chan struct{}
	c    []T
}

func newWriter[T any](r *run, s *stage.Chunks[T]) *writer[T] {
	return &writer[T]{s: s, done: r.ctx.Done()}
}

// add appends v, sending the chunk once full. It reports false once the
// run is done.
func (w *writer[T]) add(v T) bool {
	if w.c == nil {
		w.c = w.s.Get()
	}
	w.c = append(w.c, v)
	if len(w.c) < w.s.Size() {
		return true
	}
	return w.flush()
}

// addEager is add for a producer that cannot tell when its own input
// would block (a sequence, a generator): it also sends a partial chunk
// when the stream is empty, that is when the consumer has taken all it
// was given. Under load the consumer lags, the stream is not empty and
// chunks fill; when the consumer waits, items go on at once.
func (w *writer[T]) addEager(v T) bool {
	if w.c == nil {
		w.c = w.s.Get()
	}
	w.c = append(w.c, v)
	if len(w.c) < w.s.Size() && len(w.s.C()) > 0 {
		return true
	}
	return w.flush()
}

// flush sends the pending chunk, if any.
func (w *writer[T]) flush() bool {
	if len(w.c) == 0 {
		return true
	}
	c := w.c
	w.c = nil
	return w.s.Send(w.done, c)
}

// next takes the next chunk of in: at once if one is ready, else after
// flushing w (so what is pending goes on while the stage would wait),
// blocking until a chunk arrives, in is closed or the run is done. It
// reports false for the last two.
func next[In, Out any](in *stage.Chunks[In], w *writer[Out]) ([]In, bool) {
	select {
	case c, ok := <-in.C():
		return c, ok
	case <-w.done:
		return nil, false
	default:
	}
	if !w.flush() {
		return nil, false
	}
	select {
	case c, ok := <-in.C():
		return c, ok
	case <-w.done:
		return nil, false
	}
}

// recv takes the next chunk of in, unless in is closed or done closes
// first.
func recv[T any](done <-chan struct{}, in *stage.Chunks[T]) ([]T, bool) {
	select {
	case c, ok := <-in.C():
		return c, ok
	default:
	}
	select {
	case c, ok := <-in.C():
		return c, ok
	case <-done:
		return nil, false
	}
}
