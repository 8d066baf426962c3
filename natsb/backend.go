package natsb

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/sluice-go/sluice/remote"
	"github.com/sluice-go/sluice/stage"
)

// Backend is a stage.Backend whose workers are lanes of remote worker
// instances: give it to pool.NewOn or flow.PoolOn, and the pool or flow
// keeps its balancing, queues, stealing, limits, retries, timeouts,
// futures, Stats and Observer; the backend only carries each attempt to
// the instance its worker is bound to and brings the answer back.
//
// A worker is bound to an instance at its start (a persistent pool starts
// them all in pool.NewOn) or its first task: the instance that serves the
// function and has the most lanes free, waiting for one to join if none
// does (see [WithoutWaiting]). It stays bound until it ends
// (WorkerEnded: its session on the instance, and with it a stateful
// worker's state, is closed), until the instance leaves (its next task
// binds again) or until the instance is lost: then its attempts in
// flight fail at once with a [*LostError] (stage.ErrWorkerLost) and its
// next task binds to another instance, with a fresh state. A Backend is
// a stage.Laned: each worker takes [WithLanes] lanes of its instance.
//
// A Backend is safe for concurrent use and must not be copied; it is
// owned by the pool or flow it is given to. Its Close ends its sessions;
// the [Dispatcher] stays open.
type Backend[In, Out any] struct {
	d     *Dispatcher
	f     remote.Func[In, Out]
	lanes int
	key   string // reply subject prefix: the instances key its sessions with it

	mu    sync.Mutex
	bound map[int]*instance
}

// BackendOption configures a [Backend].
type BackendOption func(*backendOptions)

type backendOptions struct {
	lanes int
	err   error
}

// WithLanes sets how many tasks one worker of the pool may have in flight
// at once on its instance (the pool caps it at its MaxQueued); the
// default is 1.
func WithLanes(n int) BackendOption {
	return func(o *backendOptions) {
		if n < 1 && o.err == nil {
			o.err = fmt.Errorf("natsb: WithLanes(%d): want at least 1", n)
		}
		o.lanes = n
	}
}

// NewBackend returns a backend that calls f on the dispatcher's
// instances. f is a function registered with remote.Register, or a
// stateful worker's method registered with remote.RegisterMethod: the
// worker's state then lives on the instance, one per pool worker. A bad
// option is an error naming it.
func NewBackend[In, Out any](d *Dispatcher, f remote.Func[In, Out], opts ...BackendOption) (*Backend[In, Out], error) {
	o := backendOptions{lanes: 1}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case o.err != nil:
		return nil, o.err
	case d == nil:
		return nil, fmt.Errorf("natsb: NewBackend with a nil dispatcher")
	case f.Name() == "":
		return nil, fmt.Errorf("natsb: NewBackend with a zero remote.Func (use one that remote.Register returned)")
	}
	d.mu.Lock()
	d.backends++
	key := d.inbox + "." + strconv.Itoa(d.backends)
	d.mu.Unlock()
	return &Backend[In, Out]{d: d, f: f, lanes: o.lanes, key: key, bound: make(map[int]*instance)}, nil
}

// Lanes returns the lanes per worker, as [WithLanes] set them.
func (b *Backend[In, Out]) Lanes() int { return b.lanes }

// Run runs one attempt on worker w's instance, binding w first if need
// be. It returns the function's error as it crossed (see package remote),
// a [*LostError] if the instance is lost while the attempt is in flight,
// and context.Cause(ctx) at once if ctx ends first (the attempt's ctx on
// the instance is cancelled too).
func (b *Backend[In, Out]) Run(ctx context.Context, w int, in In) (Out, error) {
	if b.d.dur != nil {
		return b.f.Call(ctx, durableTransport{b.d}, w, in)
	}
	inst, err := b.bind(ctx, w)
	if err != nil {
		var zero Out
		return zero, err
	}
	return b.f.Call(ctx, transport{b.d, inst, b.key}, w, in)
}

// Start binds worker w ahead of its first task, waiting under ctx for an
// instance if there is none.
func (b *Backend[In, Out]) Start(ctx context.Context, w int) error {
	if b.d.dur != nil {
		return nil // any instance takes a durable task
	}
	_, err := b.bind(ctx, w)
	return err
}

// WorkerEnded closes worker w's session on its instance and unbinds it.
func (b *Backend[In, Out]) WorkerEnded(w int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if in := b.bound[w]; in != nil {
		delete(b.bound, w)
		b.unbind(in, w)
	}
}

// Close closes the sessions of the workers still bound. It returns nil.
func (b *Backend[In, Out]) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for w, in := range b.bound {
		delete(b.bound, w)
		b.unbind(in, w)
	}
	return nil
}

// bind returns worker w's instance, binding w to one if it has none or
// its instance is leaving or lost.
func (b *Backend[In, Out]) bind(ctx context.Context, w int) (*instance, error) {
	name := b.f.Name()
	for {
		b.mu.Lock()
		d := b.d
		d.mu.Lock()
		in := b.bound[w]
		if in != nil && in.lost == nil && !in.leaving {
			d.mu.Unlock()
			b.mu.Unlock()
			return in, nil
		}
		if d.closed {
			d.mu.Unlock()
			b.mu.Unlock()
			return nil, ErrClosed
		}
		var best *instance
		for _, c := range d.insts {
			if c.leaving || !c.serves(name) {
				continue
			}
			// The most lanes free; ties go to the smaller id, so that
			// binding is deterministic.
			if best == nil || c.bound*best.a.Lanes < best.bound*c.a.Lanes ||
				c.bound*best.a.Lanes == best.bound*c.a.Lanes && c.a.ID < best.a.ID {
				best = c
			}
		}
		if best != nil {
			best.bound += b.lanes
		}
		changed := d.changed
		d.mu.Unlock()
		if best != nil {
			if in != nil {
				b.unbind(in, w)
			}
			b.bound[w] = best
			b.mu.Unlock()
			return best, nil
		}
		b.mu.Unlock()
		if d.o.noWait {
			return nil, fmt.Errorf("natsb: %s: %w", name, ErrNoWorker)
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("natsb: waiting for an instance that serves %s: %w", name, context.Cause(ctx))
		}
	}
}

// unbind gives back w's lanes on in and closes w's session there. b.mu
// is held.
func (b *Backend[In, Out]) unbind(in *instance, w int) {
	d := b.d
	d.mu.Lock()
	in.bound -= b.lanes
	gone := in.lost != nil || d.closed
	d.mu.Unlock()
	if gone {
		return
	}
	m := &nats.Msg{Subject: in.a.Subject, Reply: b.key + ".0", Header: nats.Header{}}
	m.Header.Set(hdrOp, opEnd)
	m.Header.Set(hdrWorker, strconv.Itoa(w))
	d.nc.PublishMsg(m) // an instance that missed it closes the session when it ends
}

// transport is a remote.Transport to one instance, for one backend.
type transport struct {
	d   *Dispatcher
	in  *instance
	key string
}

func (t transport) RoundTrip(ctx context.Context, req remote.Request) ([]byte, error) {
	return t.d.roundTrip(ctx, t.in, t.key, req)
}

var (
	_ stage.Backend[int, int] = (*Backend[int, int])(nil)
	_ stage.Laned             = (*Backend[int, int])(nil)
	_ stage.Starter           = (*Backend[int, int])(nil)
)
