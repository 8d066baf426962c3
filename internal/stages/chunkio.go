package stages

// Writer fills the chunks of a stream one item at a time and sends each
// on when it is full or flushed: the output side of every stage that
// rechunks a stream (Unbatch, Throttle, and flow's sources, Map, Filter
// and Buffer). It is for one producer goroutine.
type Writer[T any] struct {
	out  *Chunks[T]
	done <-chan struct{}
	pend []T // the chunk being filled
}

// NewWriter returns a writer of out that gives up sending once done
// closes.
func NewWriter[T any](out *Chunks[T], done <-chan struct{}) *Writer[T] {
	return &Writer[T]{out: out, done: done}
}

// Add appends v, sending the chunk once full. It reports false once done
// has closed.
func (w *Writer[T]) Add(v T) bool {
	if w.pend == nil {
		w.pend = w.out.Get()
	}
	w.pend = append(w.pend, v)
	return len(w.pend) < w.out.Size() || w.Flush()
}

// AddEager is Add for a producer that cannot tell when its own input
// would block (a sequence, a generator): it also sends a partial chunk
// when the stream is empty, that is when the consumer has taken all it
// was given. Under load the consumer lags, the stream is not empty and
// chunks fill; when the consumer waits, items go on at once.
func (w *Writer[T]) AddEager(v T) bool {
	if w.pend == nil {
		w.pend = w.out.Get()
	}
	w.pend = append(w.pend, v)
	if len(w.pend) < w.out.Size() && len(w.out.C()) > 0 {
		return true
	}
	return w.Flush()
}

// Flush sends the partial chunk, if any; false means done has closed.
func (w *Writer[T]) Flush() bool {
	if len(w.pend) == 0 {
		return true
	}
	c := w.pend
	w.pend = nil
	return w.out.Send(w.done, c)
}

// Finish sends what is pending once the input has ended, unless done has
// closed.
func (w *Writer[T]) Finish() {
	if !isDone(w.done) {
		w.Flush()
	}
}

// Next takes the next chunk of in: at once if one is ready, else after
// flushing w (so what is pending goes on while the stage would wait),
// blocking until a chunk arrives, in is closed or w's done closes. It
// reports false for the last two, or if the flush was cancelled.
func Next[In, Out any](in *Chunks[In], w *Writer[Out]) ([]In, bool) {
	select {
	case c, ok := <-in.C():
		return c, ok
	case <-w.done:
		return nil, false
	default:
	}
	if !w.Flush() {
		return nil, false
	}
	return receive(w.done, in.C())
}

// Recv takes the next chunk of in, unless in is closed or done closes
// first.
func Recv[T any](done <-chan struct{}, in *Chunks[T]) ([]T, bool) {
	return receive(done, in.C())
}
