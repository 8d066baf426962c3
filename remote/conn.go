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
// it writes requests to w and reads responses from r, matching them by
// id, so any number of calls can be in flight at once (pipelined). A Conn
// is safe for concurrent use and must not be copied.
//
// Who reads r depends on r. If a read of r can be cut short, because r
// has a working SetReadDeadline (an *os.File pipe, a net.Conn), the
// calling goroutines read, one at a time: a call that finds nobody
// reading reads the answers itself, handing each to its call, until its
// own comes, and then hands the reading to a call still waiting. A lone
// call so wakes no other goroutine on this side: its answer is read by
// the goroutine that waits for it. Such a Conn reads nothing while no
// call is in flight, so it sees the end of r at the next call, or at
// [Conn.Close], which reads r to its end. Over any other r (an io.Pipe,
// say), a goroutine of the Conn reads all the time.
type Conn struct {
	fw        *frameWriter
	w         io.WriteCloser
	br        *bufio.Reader
	deadline  func(time.Time) error // r's SetReadDeadline; nil: a goroutine of the Conn reads
	sendLimit int                   // the server's frame limit
	readLimit int
	names     []string
	done      chan struct{}

	mu        sync.Mutex
	calls     map[uint64]*call
	cancelled map[uint64]*time.Timer // calls given up on, still unanswered
	nextID    uint64
	closed    bool
	lost      error // why reading ended, once it has
	reader    *call // who reads r: a call, connReader, or nil for nobody
	draining  bool  // r is read to its end (after Close, or by a goroutine from the start)
	peeking   bool  // the reader waits for the first byte of a frame, and may be cut short
	cut       bool  // its wait was cut short: r's read deadline is set

	unanswered   time.Duration
	onUnanswered func(name string)
}

// call is one call in flight. Its channel carries one message: its
// result, or the reading handed over to it, after which it reads its
// result itself.
type call struct {
	ch   chan result
	id   uint64
	name string
}

type result struct {
	payload []byte
	err     error
	read    bool // not a result: the call reads r now
}

var callPool = sync.Pool{New: func() any { return &call{ch: make(chan result, 1)} }}

// connReader stands for a goroutine of the Conn as the reader.
var connReader = new(call)

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
// server's on r. A bad option is an error that names it; w is closed. If
// the hello does not come before ctx is done, or is not a hello of this
// [Version], it closes w and returns an error. If r cannot be cut short
// (see [Conn]), the goroutine that reads it ends when r does (the server
// closed its side or was killed), even when NewConn failed.
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
		br:   bufio.NewReaderSize(rawReader(r), 64<<10),
		done: make(chan struct{}), calls: make(map[uint64]*call), cancelled: make(map[uint64]*time.Timer),
		unanswered: o.unanswered, onUnanswered: o.onUnanswered}
	if err := c.fw.write(Frame{Kind: KindHello, Version: Version, MaxFrame: o.maxFrame}, helloMax); err != nil {
		w.Close()
		return nil, fmt.Errorf("remote: writing the hello: %w", err)
	}
	if c.deadline = deadline(r); c.deadline != nil {
		if err := c.readHello(ctx); err != nil {
			w.Close()
			return nil, err
		}
		return c, nil
	}
	c.reader, c.draining = connReader, true
	hello := make(chan error, 1)
	go func() {
		err := c.hello(ReadFrame(c.br, c.readLimit))
		hello <- err
		if err != nil {
			c.fail(err)
			return
		}
		c.read(connReader, nil, false)
	}()
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

// deadline returns r's SetReadDeadline if r has one that works, or nil.
func deadline(r io.Reader) func(time.Time) error {
	d, ok := r.(interface{ SetReadDeadline(time.Time) error })
	if !ok || d.SetReadDeadline(time.Time{}) != nil {
		return nil
	}
	return d.SetReadDeadline
}

// readHello reads the server's hello on the calling goroutine, cut short
// if ctx ends first.
func (c *Conn) readHello(ctx context.Context) error {
	c.mu.Lock()
	c.reader, c.peeking = connReader, true
	c.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { c.interrupt(connReader, 0) })
	f, err := ReadFrame(c.br, c.readLimit)
	stop()
	c.mu.Lock()
	cut := c.cut
	c.reader, c.peeking, c.cut = nil, false, false
	c.mu.Unlock()
	if cut {
		c.deadline(time.Time{})
		return fmt.Errorf("remote: waiting for the server's hello: %w", context.Cause(ctx))
	}
	return c.hello(f, err)
}

// hello checks the server's hello, the first frame read.
func (c *Conn) hello(f Frame, err error) error {
	switch {
	case err != nil:
		return fmt.Errorf("%w before the server's hello: %v", ErrConnLost, err)
	case f.Kind != KindHello:
		return fmt.Errorf("%w: the server's first frame is a %v, not a hello", ErrBadFrame, f.Kind)
	case f.Version != Version:
		return fmt.Errorf("remote: the server speaks protocol version %d, this client %d", f.Version, Version)
	}
	c.names, c.sendLimit = f.Names, min(f.MaxFrame, c.readLimit)
	return nil
}

// interrupt cuts short the wait for a frame of the reader own, if own,
// still the call id (calls are reused), reads and waits for one.
func (c *Conn) interrupt(own *call, id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reader == own && own.id == id && c.peeking && !c.cut {
		c.deadline(time.Now())
		c.cut = true
	}
}

// read is the Conn's reading, done by the reader own: it reads responses
// and hands each to its call. A call reads until its own answer comes
// (and returns it) or, with wait false, until its ctx ends; the Conn's
// goroutine (own is connReader) reads while anything is in flight, or to
// the end of r when draining. Then it hands the reading on (handOff).
// When r ends or breaks the protocol, every call fails (fail).
func (c *Conn) read(own *call, ctx context.Context, wait bool) result {
	cuttable := false
	if own != connReader && ctx.Done() != nil {
		// The callbacks may run after own is reused: they take its id,
		// unique in the Conn, not own.
		id, name := own.id, own.name
		if wait {
			// The answer is waited for all the same: the cancel is sent
			// beside the reading.
			stop := context.AfterFunc(ctx, func() { c.cancel(id, name) })
			defer stop()
		} else {
			cuttable = true
			stop := context.AfterFunc(ctx, func() { c.interrupt(own, id) })
			defer stop()
		}
	}
	for {
		// peeking is set before ctx is looked at, so that an end of ctx
		// after the look finds it set and cuts the wait; and the wait's
		// end clears it, and a deadline set meanwhile, however it ends,
		// so that the next reader starts afresh.
		done := false
		if cuttable {
			c.mu.Lock()
			c.peeking = true
			c.mu.Unlock()
			done = ctx.Err() != nil
		}
		var err error
		if !done {
			_, err = c.br.Peek(1)
		}
		if cuttable {
			c.mu.Lock()
			cut := c.cut
			c.peeking, c.cut = false, false
			c.mu.Unlock()
			if cut {
				c.deadline(time.Time{})
			}
			if done || cut {
				return c.leave(own, ctx)
			}
		}
		var f Frame
		if err == nil {
			f, err = ReadFrame(c.br, c.readLimit)
		}
		if err == nil && f.Kind != KindResponse {
			err = fmt.Errorf("%w: a %v frame from the server", ErrBadFrame, f.Kind)
		}
		if err != nil {
			c.fail(err)
			if own == connReader {
				return result{}
			}
			return <-own.ch
		}
		c.mu.Lock()
		cl := c.calls[f.ID] // nil: a call that gave up when its ctx ended
		delete(c.calls, f.ID)
		if t := c.cancelled[f.ID]; t != nil {
			t.Stop()
			delete(c.cancelled, f.ID)
		}
		if cl == own {
			c.handOff()
			c.mu.Unlock()
			return result{payload: f.Payload, err: f.Err}
		}
		stay := own != connReader || c.draining || len(c.calls) > 0 || len(c.cancelled) > 0
		if !stay {
			c.reader = nil
		}
		c.mu.Unlock()
		if cl != nil {
			cl.ch <- result{payload: f.Payload, err: f.Err}
		}
		if !stay {
			return result{}
		}
	}
}

// handOff passes the reading on from a call that stops reading: to a
// call still waiting, or, if only given-up calls are unanswered or r is
// to be read to its end, to a goroutine. c.mu is held.
func (c *Conn) handOff() {
	c.reader = nil
	if c.calls == nil {
		return
	}
	for _, cl := range c.calls {
		c.reader = cl
		cl.ch <- result{read: true}
		return
	}
	if c.draining || len(c.cancelled) > 0 {
		c.reader = connReader
		go c.read(connReader, nil, false)
	}
}

// leave is the end of a reading call whose ctx ended first: it gives up
// on its answer, which hands the reading on, and sends the cancel.
func (c *Conn) leave(own *call, ctx context.Context) result {
	if !c.abandon(own) {
		return <-own.ch // the Conn failed: its error is there
	}
	return result{err: context.Cause(ctx)}
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
	c.reader, c.draining = nil, false
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
// closed or broken. A call that reads (see [Conn]) and finds a frame
// arriving finishes reading it before it looks at ctx.
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
	cl := callPool.Get().(*call)
	cl.id, cl.name = c.nextID, req.Name
	c.calls[cl.id] = cl
	reads := c.reader == nil
	if reads {
		c.reader = cl
	}
	c.mu.Unlock()

	if err := c.fw.write(Frame{Kind: KindRequest, ID: cl.id, Worker: req.Worker, Name: req.Name, Payload: req.Payload}, c.sendLimit); err != nil && c.drop(cl) {
		callPool.Put(cl)
		if errors.Is(err, ErrFrameTooLarge) {
			return nil, fmt.Errorf("remote: %s: %w", req.Name, err)
		}
		if errors.Is(err, ErrClosed) {
			return nil, ErrClosed
		}
		return nil, fmt.Errorf("%w: writing a request: %v", ErrConnLost, err)
	}
	var r result
	if reads {
		r = c.read(cl, ctx, wait)
	} else {
		r = c.await(cl, ctx, wait)
	}
	callPool.Put(cl)
	return r.payload, r.err
}

// await waits for the result of call cl, which another reads, or for the
// reading to be handed to it.
func (c *Conn) await(cl *call, ctx context.Context, wait bool) result {
	done := ctx.Done()
	for {
		select {
		case r := <-cl.ch:
			if r.read {
				return c.read(cl, ctx, wait)
			}
			return r
		case <-done:
			done = nil
			if wait {
				c.cancel(cl.id, cl.name)
			} else if c.abandon(cl) {
				return result{err: context.Cause(ctx)}
			}
			// Its answer is on its way, or, with wait, awaited.
		}
	}
}

// cancel sends the cancel frame for call id, which stays in flight, and
// arms its WithUnanswered timer, once; nothing if it has its answer.
func (c *Conn) cancel(id uint64, name string) {
	c.mu.Lock()
	_, in := c.calls[id]
	_, armed := c.cancelled[id]
	send := in && !armed
	if send {
		c.arm(id, name)
	}
	c.mu.Unlock()
	if send {
		c.fw.write(Frame{Kind: KindCancel, ID: id}, c.sendLimit)
	}
}

// abandon gives up on call cl, whose ctx ended, and sends its cancel
// frame; it reports false, and does nothing, if a result is on its way
// to cl.
func (c *Conn) abandon(cl *call) bool {
	if !c.giveUp(cl) {
		return false
	}
	c.fw.write(Frame{Kind: KindCancel, ID: cl.id}, c.sendLimit)
	return true
}

// giveUp removes call cl, whose ctx ended, if no result is on its way to
// it, arms its WithUnanswered timer in the same critical section, so that
// the answer cannot slip past it, and passes on the reading if cl has it.
// It reports whether cl was removed.
func (c *Conn) giveUp(cl *call) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remove(cl, true)
}

// drop removes call cl, whose request could not be written, as giveUp
// does but with no timer.
func (c *Conn) drop(cl *call) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.remove(cl, false)
}

// remove takes call cl out of the calls in flight, if it is there (no
// result is on its way to it), arms its WithUnanswered timer if armed is
// set, and then hands the reading on if cl has it: in that order, so that
// handOff sees the call unanswered and leaves a reader for its answer.
// c.mu is held.
func (c *Conn) remove(cl *call, armed bool) bool {
	if _, ok := c.calls[cl.id]; !ok {
		return false
	}
	delete(c.calls, cl.id)
	if armed {
		c.arm(cl.id, cl.name)
	}
	if c.reader == cl {
		select {
		case <-cl.ch: // the reading, handed to it
		default:
		}
		c.handOff()
	}
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

// Names returns the names the server announced in its hello, sorted.
func (c *Conn) Names() []string { return slices.Clone(c.names) }

// Close stops new calls and closes w, which tells the server to end: it
// cancels the calls still in flight, whose answers (most likely
// context.Canceled) still come back here, and closes its stateful
// workers. Close does not wait: r is read to its end, and [Conn.Done]
// closes when the server has ended. It returns the error of closing w;
// later calls return nil.
func (c *Conn) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed, c.draining = true, c.calls != nil
	start := c.draining && c.reader == nil
	if start {
		c.reader = connReader
	}
	c.mu.Unlock()
	err := c.fw.close(c.w)
	if start {
		go c.read(connReader, nil, false)
	}
	return err
}

// Done returns a channel that is closed when reading has ended and every
// call in flight has its result. A Conn whose calls read (see [Conn])
// sees the end of the stream only while it reads: during a call, or
// after [Conn.Close].
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns nil while reading goes on; then [ErrClosed] if the server
// ended cleanly after [Conn.Close] with nothing in flight, or else the
// error, wrapping [ErrConnLost], that the calls in flight got.
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lost
}
