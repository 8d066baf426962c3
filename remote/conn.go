package remote

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// ErrConnLost is wrapped by the error of every call in flight on a [Conn]
// when its reading side ends (the server went away or broke the
// protocol), and of every call made after that.
var ErrConnLost = errors.New("remote: connection lost")

// ErrClosed is the error of a call made on a [Conn] after Close.
var ErrClosed = errors.New("remote: connection closed")

// Conn is the calling side of the protocol over a stream, a [Transport]:
// it writes requests to w and reads responses from r on a goroutine of
// its own, matching them by id, so any number of calls can be in flight
// at once (pipelined). A Conn is safe for concurrent use and must not be
// copied. A call costs one frame each way and, beyond the codec, about a
// goroutine wake-up on each side: over a pipe to a worker process, through
// a pool, p50 about 100 µs against about 20 µs for a bare pipe loop, and
// 74-85k calls/s with 16 in flight against 83-122k (bench's
// BenchmarkProcess, two runs on 2026-12-02, 2-core virtual machine).
type Conn struct {
	fw        *frameWriter
	w         io.WriteCloser
	sendLimit int // the server's frame limit
	readLimit int
	names     []string
	done      chan struct{}

	mu        sync.Mutex
	calls     map[uint64]*call
	cancelled map[uint64]*time.Timer // calls given up on, still unanswered
	nextID    uint64
	closed    bool
	lost      error // why reading ended, once it has

	unanswered   time.Duration
	onUnanswered func(name string)
}

type call struct {
	ch chan result // one result, once
}

type result struct {
	payload []byte
	err     error
}

var callPool = sync.Pool{New: func() any { return &call{ch: make(chan result, 1)} }}

// ConnOption configures a [Conn].
type ConnOption func(*connOptions)

type connOptions struct {
	maxFrame     int
	unanswered   time.Duration
	onUnanswered func(name string)
	err          error // the first bad option
}

// WithUnanswered has f called, on a goroutine of its own, with the
// function's name when a call cancelled by its ctx is still unanswered d
// after its cancel frame was sent: the server ignores cancellation, and a
// backend can kill it (the hard timeout of package proc).
func WithUnanswered(d time.Duration, f func(name string)) ConnOption {
	return func(o *connOptions) {
		if (d <= 0 || f == nil) && o.err == nil {
			o.err = fmt.Errorf("remote: WithUnanswered(%v, %p): want a positive duration and a function", d, f)
		}
		o.unanswered, o.onUnanswered = d, f
	}
}

// WithMaxFrame sets the largest frame body, in bytes, the Conn accepts
// and proposes to the server, which then uses it too; the default is
// [DefaultMaxFrame]. A call whose argument or result is larger fails with
// [ErrFrameTooLarge]; the connection goes on.
func WithMaxFrame(n int) ConnOption {
	return func(o *connOptions) {
		if (n < 64 || n > maxFrameLimit) && o.err == nil {
			o.err = fmt.Errorf("remote: WithMaxFrame(%d): want 64 to %d bytes", n, maxFrameLimit)
		}
		o.maxFrame = n
	}
}

// NewConn starts a Conn: it sends its hello on w and waits for the
// server's on r. A bad option is an error that names it; w is closed. If the hello does not come before ctx is done, or is
// not a hello of this [Version], it closes w and returns an error. The
// goroutine that reads r ends when r does (the server closed its side or
// was killed), even when NewConn failed.
func NewConn(ctx context.Context, r io.Reader, w io.WriteCloser, opts ...ConnOption) (*Conn, error) {
	o := connOptions{maxFrame: DefaultMaxFrame}
	for _, opt := range opts {
		opt(&o)
	}
	if o.err != nil {
		w.Close()
		return nil, o.err
	}
	c := &Conn{fw: newFrameWriter(w), w: w, readLimit: o.maxFrame,
		done: make(chan struct{}), calls: make(map[uint64]*call), cancelled: make(map[uint64]*time.Timer),
		unanswered: o.unanswered, onUnanswered: o.onUnanswered}
	if err := c.fw.write(Frame{Kind: KindHello, Version: Version, MaxFrame: o.maxFrame}, helloMax); err != nil {
		w.Close()
		return nil, fmt.Errorf("remote: writing the hello: %w", err)
	}
	hello := make(chan error, 1)
	go c.read(r, hello)
	select {
	case err := <-hello:
		if err != nil {
			w.Close()
			return nil, err
		}
		return c, nil
	case <-ctx.Done():
		w.Close()
		return nil, fmt.Errorf("remote: waiting for the server's hello: %w", context.Cause(ctx))
	}
}

// read reads the server's hello, reports on hello, then delivers
// responses until r ends.
func (c *Conn) read(r io.Reader, hello chan<- error) {
	br := bufio.NewReaderSize(rawReader(r), 64<<10)
	f, err := ReadFrame(br, c.readLimit)
	switch {
	case err != nil:
		err = fmt.Errorf("%w before the server's hello: %v", ErrConnLost, err)
	case f.Kind != KindHello:
		err = fmt.Errorf("%w: the server's first frame is a %v, not a hello", ErrBadFrame, f.Kind)
	case f.Version != Version:
		err = fmt.Errorf("remote: the server speaks protocol version %d, this client %d", f.Version, Version)
	default:
		c.names, c.sendLimit = f.Names, min(f.MaxFrame, c.readLimit)
	}
	hello <- err
	for err == nil {
		if f, err = ReadFrame(br, c.readLimit); err != nil {
			break
		}
		if f.Kind != KindResponse {
			err = fmt.Errorf("%w: a %v frame from the server", ErrBadFrame, f.Kind)
			break
		}
		c.mu.Lock()
		cl := c.calls[f.ID]
		delete(c.calls, f.ID)
		if t := c.cancelled[f.ID]; t != nil {
			t.Stop()
			delete(c.cancelled, f.ID)
		}
		c.mu.Unlock()
		if cl != nil { // nil: a call that gave up when its ctx ended
			cl.ch <- result{f.Payload, f.Err}
		}
	}
	c.fail(err)
}

// fail ends the Conn's reading: every call in flight fails.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	if err == io.EOF && c.closed && len(c.calls) == 0 {
		c.lost = ErrClosed
	} else {
		c.lost = fmt.Errorf("%w: %v", ErrConnLost, err)
		if errors.Is(err, ErrConnLost) {
			c.lost = err
		}
	}
	calls := c.calls
	c.calls = nil
	for _, t := range c.cancelled {
		t.Stop()
	}
	c.cancelled = nil
	c.mu.Unlock()
	for _, cl := range calls {
		cl.ch <- result{err: c.lost}
	}
	close(c.done)
}

// RoundTrip sends req and waits for its response, the call's error, or
// the end of ctx. When ctx ends first, it sends a cancel frame, so the
// call's ctx on the serving side is cancelled too, and returns
// context.Cause(ctx) without waiting for the server; an answer already
// received wins over a done ctx. It fails with [ErrClosed] after
// [Conn.Close], with an error wrapping [ErrConnLost] once reading has
// ended, and with [ErrFrameTooLarge] for a request over the server's
// limit. A request is written by the calling goroutine: if the server
// stops reading (a stopped process), the call blocks until the stream is
// closed or broken.
func (c *Conn) RoundTrip(ctx context.Context, req Request) ([]byte, error) {
	return c.roundTrip(ctx, req, false)
}

// RoundTripWait is [Conn.RoundTrip] for a caller that must know the
// server is done with a call before it goes on: the process backend,
// which gives a worker's next task to the same process. When ctx ends
// first, it sends the cancel frame and waits for the server's answer
// (with [WithUnanswered], its timer starts then, so a server that ignores
// the cancel can be ended), and returns that answer as it came, or an
// error wrapping [ErrConnLost] if the connection ends first.
func (c *Conn) RoundTripWait(ctx context.Context, req Request) ([]byte, error) {
	return c.roundTrip(ctx, req, true)
}

func (c *Conn) roundTrip(ctx context.Context, req Request, wait bool) ([]byte, error) {
	if ctx.Err() != nil {
		return nil, context.Cause(ctx)
	}
	c.mu.Lock()
	switch {
	case c.closed:
		c.mu.Unlock()
		return nil, ErrClosed
	case c.calls == nil:
		c.mu.Unlock()
		return nil, c.lost
	}
	c.nextID++
	id := c.nextID
	cl := callPool.Get().(*call)
	c.calls[id] = cl
	c.mu.Unlock()

	if err := c.fw.write(Frame{Kind: KindRequest, ID: id, Worker: req.Worker, Name: req.Name, Payload: req.Payload}, c.sendLimit); err != nil && c.take(id) {
		callPool.Put(cl)
		if errors.Is(err, ErrFrameTooLarge) {
			return nil, fmt.Errorf("remote: %s: %w", req.Name, err)
		}
		if errors.Is(err, ErrClosed) {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("%w: writing a request: %v", ErrConnLost, err)
	}
	select {
	case r := <-cl.ch:
		callPool.Put(cl)
		return r.payload, r.err
	case <-ctx.Done():
		if wait {
			if c.cancelling(id, req.Name) {
				c.fw.write(Frame{Kind: KindCancel, ID: id}, c.sendLimit)
			}
		} else if c.giveUp(id, req.Name) {
			callPool.Put(cl)
			c.fw.write(Frame{Kind: KindCancel, ID: id}, c.sendLimit)
			return nil, context.Cause(ctx)
		}
		r := <-cl.ch // being delivered (it wins), or waited for
		callPool.Put(cl)
		return r.payload, r.err
	}
}

// cancelling arms the WithUnanswered timer for call id, which stays in
// flight, and reports whether the call still waits for its answer.
func (c *Conn) cancelling(id uint64, name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.calls[id]; !ok {
		return false
	}
	c.arm(id, name)
	return true
}

// giveUp is take for a call whose ctx ended. With WithUnanswered it also
// arms the timer, in the same critical section, so that the answer cannot
// slip past it.
func (c *Conn) giveUp(id uint64, name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.calls[id]; !ok {
		return false
	}
	delete(c.calls, id)
	c.arm(id, name)
	return true
}

// arm starts the WithUnanswered timer for call id, if there is one; c.mu
// is held.
func (c *Conn) arm(id uint64, name string) {
	if c.onUnanswered == nil {
		return
	}
	c.cancelled[id] = time.AfterFunc(c.unanswered, func() {
		c.mu.Lock()
		_, still := c.cancelled[id]
		delete(c.cancelled, id)
		c.mu.Unlock()
		if still {
			c.onUnanswered(name)
		}
	})
}

// take removes call id, reporting whether it was still there (no result
// is on its way to it).
func (c *Conn) take(id uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.calls[id]
	delete(c.calls, id)
	return ok
}

// Names returns the names the server announced in its hello, sorted.
func (c *Conn) Names() []string { return slices.Clone(c.names) }

// Close stops new calls and closes w, which tells the server to end: it
// cancels the calls still in flight, whose answers (most likely
// context.Canceled) still come back here, and closes its stateful
// workers. Close does not wait: [Conn.Done] closes when the server has
// ended. It returns the error of closing w; later calls return nil.
func (c *Conn) Close() error {
	c.mu.Lock()
	already := c.closed
	c.closed = true
	c.mu.Unlock()
	if already {
		return nil
	}
	return c.fw.close(c.w)
}

// Done returns a channel that is closed when reading has ended and every
// call in flight has its result.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns nil while reading goes on; then [ErrClosed] if the server
// ended cleanly after [Conn.Close] with nothing in flight, or else the
// error, wrapping [ErrConnLost], that the calls in flight got.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lost
}
