package proc

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/sluice-go/sluice/remote"
	"github.com/sluice-go/sluice/stage"
)

// MaxLanes is the most tasks a pool or flow on a [NewBackend] has in
// flight on one worker process at once: each process has
// min(MaxLanes, pool.WithMaxQueued) lanes, pipelined on its pipes.
const MaxLanes = 256

// NewBackend returns a stage.Backend that runs fn in worker processes,
// one per worker index, for pool.NewOn (flows take [Backends]). Each
// process is started with opts, as [Start] starts one: the program's own
// binary unless [WithCommand] says otherwise, so its main must call
// [Main] first. The pool's balancing, queues, limits, retries, timeouts,
// Stats and Observer are the pool's, as with goroutine workers; what the
// backend adds:
//
//   - Pipelining: it is a stage.Laned of [MaxLanes], so a worker has
//     min(MaxLanes, pool.WithMaxQueued) tasks in flight on its process.
//   - Processes: a persistent pool starts every worker's process before
//     it runs anything (stage.Starter); an on-demand worker's process
//     starts with its first task. A worker that ends (lingered idle,
//     retired by Resize, the pool stopped) closes its process gracefully
//     ([Process.Close], with [WithGrace]), and a later task on that index
//     starts a new one.
//   - Losing a process: when a worker's process dies (SIGKILL, os.Exit, a
//     panic in a goroutine it started), the tasks in flight on it, and
//     only they, fail with an error that matches stage.ErrWorkerLost and
//     [ErrProcessLost] and unwraps to the [*LostError] with the exit
//     status; the next task on that worker starts a fresh process. Tasks
//     still queued in the parent are not touched.
//   - Hard timeouts: with [WithHardTimeout](d), a task whose ctx ends (a
//     pool.WithTimeout deadline, a cancel, a cancelling stop) is
//     cancelled in the worker, and if the worker has not answered d
//     later its process is killed, failing what else was in flight on it;
//     a pool settles the task's future at its deadline all the same, not
//     at the kill. Until then the lane waits, so the worker's next task
//     runs on a process that answered or on a fresh one. Without it, a
//     task whose ctx ends returns at once and the process may go on
//     with it.
//
// fn may be a plain function ([remote.Register]) or a stateful worker's
// method ([remote.RegisterMethod]): worker w's calls go to instance w in
// w's process, made with its first call and closed with the process.
//
// NewBackend returns an error naming a bad option; it panics if fn is
// the zero Func. The backend is safe for concurrent use. Starting a
// process costs a few milliseconds; a call costs what [Process] says.
func NewBackend[In, Out any](fn remote.Func[In, Out], opts ...Option) (stage.Backend[In, Out], error) {
	if fn.Name() == "" {
		panic("proc: NewBackend with a zero remote.Func (use one that remote.Register returned)")
	}
	o := buildOptions(opts)
	if o.err != nil {
		return nil, o.err
	}
	return &backend[In, Out]{fn: fn, opts: append([]Option(nil), opts...), wait: o.hardTimeout > 0}, nil
}

// Backends returns a constructor of [NewBackend] backends for
// flow.PoolOn: each run of the flow gets processes of its own, closed
// when the run ends. It returns an error naming a bad option.
func Backends[In, Out any](fn remote.Func[In, Out], opts ...Option) (func() stage.Backend[In, Out], error) {
	if _, err := NewBackend(fn, opts...); err != nil {
		return nil, err
	}
	return func() stage.Backend[In, Out] {
		b, _ := NewBackend(fn, opts...)
		return b
	}, nil
}

type backend[In, Out any] struct {
	fn   remote.Func[In, Out]
	opts []Option
	wait bool // a hard timeout: calls whose ctx ended wait for the answer or the kill

	mu    sync.Mutex // grows slots; guards errs
	slots atomic.Pointer[[]*slot]
	errs  []error
}

// slot is one worker index's process, started and replaced under mu.
type slot struct {
	mu sync.Mutex // held to start, replace or close p
	p  atomic.Pointer[live]
}

// live is a worker's process and, with a hard timeout, the calls in
// flight on it. A call whose ctx has ended waits for the answer or the
// kill; while there is one, the process is in doubt, and new calls wait
// for the verdict. Doubt is read from ctx.Err, which is set before
// anything hears of the end (a pool's future settling at its deadline),
// so a task submitted after that never lands on a process about to be
// killed.
type live struct {
	*Process
	mu      sync.Mutex
	calls   map[*context.Context]struct{}
	changed chan struct{} // closed when a call leaves calls
}

// verdict waits while l is in doubt: until its cancelled calls were
// answered or it died, or ctx ended.
func (l *live) verdict(ctx context.Context) {
	for {
		l.mu.Lock()
		doubt := false
		for c := range l.calls {
			if (*c).Err() != nil {
				doubt = true
				break
			}
		}
		if !doubt {
			l.mu.Unlock()
			return
		}
		if l.changed == nil {
			l.changed = make(chan struct{})
		}
		ch := l.changed
		l.mu.Unlock()
		select {
		case <-ch:
		case <-l.Done():
			return
		case <-ctx.Done():
			return
		}
	}
}

// call runs f as a call in flight with ctx.
func (l *live) call(ctx context.Context, f func()) {
	l.mu.Lock()
	if l.calls == nil {
		l.calls = make(map[*context.Context]struct{})
	}
	l.calls[&ctx] = struct{}{}
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		delete(l.calls, &ctx)
		if l.changed != nil {
			close(l.changed)
			l.changed = nil
		}
		l.mu.Unlock()
	}()
	f()
}

func (b *backend[In, Out]) Lanes() int { return MaxLanes }

func (b *backend[In, Out]) slot(w int) *slot {
	if ss := b.slots.Load(); ss != nil && w < len(*ss) {
		return (*ss)[w]
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	var ss []*slot
	if old := b.slots.Load(); old != nil {
		ss = *old
	}
	if w < len(ss) {
		return ss[w]
	}
	ss = append(ss[:len(ss):len(ss)], make([]*slot, w+1-len(ss))...)
	for i := range ss {
		if ss[i] == nil {
			ss[i] = new(slot)
		}
	}
	b.slots.Store(&ss)
	return ss[w]
}

// process returns worker w's process, starting one if it has none or
// its last one has died.
func (b *backend[In, Out]) process(ctx context.Context, s *slot, w int) (*live, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.p.Load(); p != nil && !isDone(p.Process) {
		return p, nil
	}
	// None, or it died between tasks (its calls have had their errors).
	p, err := Start(ctx, b.opts...)
	if err != nil {
		s.p.Store(nil)
		return nil, fmt.Errorf("proc: worker %d: %w", w, err)
	}
	l := &live{Process: p}
	s.p.Store(l)
	return l, nil
}

// Run runs fn on worker w's process.
func (b *backend[In, Out]) Run(ctx context.Context, w int, in In) (Out, error) {
	s := b.slot(w)
	var zero Out
	p := s.p.Load()
	if b.wait && p != nil {
		p.verdict(ctx)
	}
	if p == nil || isDone(p.Process) {
		var err error
		if p, err = b.process(ctx, s, w); err != nil {
			return zero, err
		}
	}
	var v Out
	var err error
	if b.wait {
		p.call(ctx, func() { v, err = b.fn.Call(ctx, waiting{p.Process}, w, in) })
	} else {
		v, err = b.fn.Call(ctx, p.Process, w, in)
	}
	if err != nil && errors.Is(err, ErrProcessLost) {
		s.p.CompareAndSwap(p, nil)
		return v, fmt.Errorf("proc: worker %d: %w: %w", w, stage.ErrWorkerLost, err)
	}
	return v, err
}

func isDone(p *Process) bool {
	select {
	case <-p.Done():
		return true
	default:
		return false
	}
}

// Start starts worker w's process if it has none.
func (b *backend[In, Out]) Start(ctx context.Context, w int) error {
	_, err := b.process(ctx, b.slot(w), w)
	return err
}

// WorkerEnded closes worker w's process, gracefully.
func (b *backend[In, Out]) WorkerEnded(w int) {
	s := b.slot(w)
	s.mu.Lock()
	defer s.mu.Unlock()
	if l := s.p.Swap(nil); l != nil {
		b.close(w, l.Process)
	}
}

// close closes p and keeps the error of a process that did not end
// cleanly when closed; one that had died before has told its calls.
func (b *backend[In, Out]) close(w int, p *Process) {
	if p == nil || isDone(p) {
		return
	}
	if err := p.Close(); err != nil {
		b.mu.Lock()
		b.errs = append(b.errs, fmt.Errorf("proc: closing worker %d: %w", w, err))
		b.mu.Unlock()
	}
}

// Close closes every process still there, at once, and returns the
// errors of those that did not end cleanly since the backend was made.
func (b *backend[In, Out]) Close() error {
	var wg sync.WaitGroup
	if ss := b.slots.Load(); ss != nil {
		for w := range *ss {
			wg.Go(func() { b.WorkerEnded(w) })
		}
	}
	wg.Wait()
	b.mu.Lock()
	defer b.mu.Unlock()
	return errors.Join(b.errs...)
}
