package seam

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/sourcegraph/conc/panics"

	"github.com/sluice-go/sluice/stage"
)

// Stateful is the backend of pool.NewStateful and flow.PoolStateful: a
// state W per worker, made by a constructor given the worker's index, and
// fn run with the worker's W. Its lifecycle, the same for pools and flows:
//
//   - Start (a persistent pool, before any task) or the worker's first Run
//     (on demand) makes W; if that fails, Start or that Run returns the
//     error naming the worker, and the next Run tries again;
//   - WorkerEnded (lingered idle, retired by a resize, stopped) closes W
//     if it is an io.Closer and forgets it: a worker that begins again gets
//     a new W;
//   - an fn error matching stage.ErrWorkerLost closes and forgets W too,
//     so the next Run on the worker makes a fresh one;
//   - Close closes every W still there; it returns every close error since
//     the Stateful was made, joined, each naming its worker.
//
// Without lanes calls on one W never overlap (a worker is one goroutine at
// a time); one W is made and closed under a per-worker lock, so a W is
// never made twice for one worker nor closed while fn runs on it.
type Stateful[W, In, Out any] struct {
	prefix    string // "pool: ", in errors
	newWorker func(ctx context.Context, id int) (W, error)
	fn        func(w W, ctx context.Context, in In) (Out, error)

	mu    sync.Mutex // grows cells; guards errs
	cells atomic.Pointer[[]*state[W]]
	errs  []error
}

// state is one worker's W, once made.
type state[W any] struct {
	mu sync.Mutex // held while W is made or closed
	w  atomic.Pointer[W]
}

// NewStateful returns the stateful backend; prefix starts its errors.
func NewStateful[W, In, Out any](prefix string, newWorker func(ctx context.Context, id int) (W, error), fn func(w W, ctx context.Context, in In) (Out, error)) *Stateful[W, In, Out] {
	return &Stateful[W, In, Out]{prefix: prefix, newWorker: newWorker, fn: fn}
}

func (s *Stateful[W, In, Out]) state(w int) *state[W] {
	if cs := s.cells.Load(); cs != nil && w < len(*cs) {
		return (*cs)[w]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var cs []*state[W]
	if old := s.cells.Load(); old != nil {
		cs = *old
	}
	if w < len(cs) {
		return cs[w]
	}
	cs = append(cs[:len(cs):len(cs)], make([]*state[W], w+1-len(cs))...)
	for i := range cs {
		if cs[i] == nil {
			cs[i] = new(state[W])
		}
	}
	s.cells.Store(&cs)
	return cs[w]
}

// Run runs fn on worker w's W, making W first if there is none.
func (s *Stateful[W, In, Out]) Run(ctx context.Context, w int, in In) (Out, error) {
	st := s.state(w)
	p := st.w.Load()
	if p == nil {
		var err error
		if p, err = s.make(ctx, st, w); err != nil {
			var zero Out
			return zero, err
		}
	}
	v, err := s.fn(*p, ctx, in)
	if err != nil && errors.Is(err, stage.ErrWorkerLost) {
		s.end(st, w, p)
	}
	return v, err
}

// Start makes worker w's W if there is none.
func (s *Stateful[W, In, Out]) Start(ctx context.Context, w int) error {
	st := s.state(w)
	if st.w.Load() != nil {
		return nil
	}
	if err := context.Cause(ctx); err != nil {
		return fmt.Errorf("%sworker %d: %w", s.prefix, w, err)
	}
	_, err := s.make(ctx, st, w)
	return err
}

// make makes st's W, unless another call did first. A panic in the
// constructor goes up, unlocked: it is the caller's to report.
func (s *Stateful[W, In, Out]) make(ctx context.Context, st *state[W], w int) (*W, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if p := st.w.Load(); p != nil {
		return p, nil
	}
	v, err := s.newWorker(ctx, w)
	if err != nil {
		return nil, fmt.Errorf("%sworker %d: %w", s.prefix, w, err)
	}
	p := &v
	st.w.Store(p)
	return p, nil
}

// WorkerEnded closes and forgets worker w's W.
func (s *Stateful[W, In, Out]) WorkerEnded(w int) { s.end(s.state(w), w, nil) }

// end closes st's W if it is still the one given (any, if nil) and
// forgets it.
func (s *Stateful[W, In, Out]) end(st *state[W], w int, only *W) {
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.w.Load()
	if p == nil || only != nil && p != only {
		return
	}
	st.w.Store(nil)
	if err := closeState(*p); err != nil {
		s.mu.Lock()
		s.errs = append(s.errs, fmt.Errorf("%sclosing worker %d: %w", s.prefix, w, err))
		s.mu.Unlock()
	}
}

// Close closes every W still there and returns every close error.
func (s *Stateful[W, In, Out]) Close() error {
	if cs := s.cells.Load(); cs != nil {
		for w, st := range *cs {
			s.end(st, w, nil)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return errors.Join(s.errs...)
}

// closeState closes w if it is an io.Closer; a panic in Close is its
// error.
func closeState[W any](w W) (err error) {
	c, ok := any(w).(io.Closer)
	if !ok {
		return nil
	}
	if r := panics.Try(func() { err = c.Close() }); r != nil {
		return r.AsError()
	}
	return err
}
