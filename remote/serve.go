package remote

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"time"
)

// Serve serves calls to the registered functions: it reads frames from r
// and writes frames to w until r ends, and is what a worker process (see
// package proc) runs on its pipes.
//
// It first reads the client's hello and answers with its own, which
// carries [Version], the frame limit (the client's) and [Names]. Then it
// reads on goroutines of its own, never the caller's, and many calls can
// be in flight, each with a ctx that a cancel frame for its id cancels.
// A request with no more input buffered behind it runs on the goroutine
// that read it, which spares a tiny call a goroutine hand-off; if it runs
// longer than 50µs, another goroutine takes over the reading, so that it
// holds up a cancel frame or a pipelined request no longer than that
// (and a timer's latency). Requests read while more input waits, and
// method calls whose instance is busy, run on goroutines apart, which
// outlive their calls by a second to take the next ones, so a busy
// stream starts none per call. A panic in a call is
// recovered into a [*future.PanicError] and runtime.Goexit into
// future.ErrGoexit, and either becomes the call's error; neither stops
// the serving. A call to a name nobody registered fails with
// [ErrUnknownFunction]. Answers go out in the order calls finish, with no
// flush while another is about to be written.
//
// When r reports io.EOF, the client is done (it closed its side, or it
// died): Serve stops reading, cancels the calls still in flight, with
// [ErrClosed] as their ctx's cause, waits for them and writes their
// answers if it still can, closes every stateful worker instance that is
// an io.Closer, and returns nil (or the errors of those Close calls). If
// ctx is done, it does the same with ctx's cause, closes r if r is an
// io.Closer (there is no other way to stop a blocked read), and returns
// context.Cause(ctx). Any other read error, or a frame that breaks the
// protocol, ends it the same way and is returned.
func Serve(ctx context.Context, r io.Reader, w io.Writer) error {
	mayEnd := ctx.Done() != nil
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if c, ok := r.(io.Closer); ok {
		stop := context.AfterFunc(ctx, func() { c.Close() })
		defer stop()
	}
	rr := rawReader(r)
	br := bufio.NewReaderSize(rr, 64<<10)
	hello, err := ReadFrame(br, helloMax)
	if err != nil {
		return serveErr(ctx, fmt.Errorf("remote: reading the client's hello: %w", err))
	}
	if hello.Kind != KindHello {
		return fmt.Errorf("remote: the client's first frame is a %v, not a hello", hello.Kind)
	}
	limit := hello.MaxFrame
	if limit <= 0 || limit > maxFrameLimit {
		limit = DefaultMaxFrame
	}
	s := newSession(ctx, newFrameWriter(w), limit)
	if err := s.fw.write(Frame{Kind: KindHello, Version: Version, MaxFrame: limit, Names: Names()}, maxFrameLimit); err != nil {
		return serveErr(ctx, fmt.Errorf("remote: writing the hello: %w", err))
	}
	if hello.Version != Version {
		return fmt.Errorf("remote: the client speaks protocol version %d, this server %d", hello.Version, Version)
	}
	rd := &reading{s: s, br: br, end: make(chan error, 1)}
	if !mayEnd {
		// Nothing but the next frame can end a wait with no call in
		// flight: it may block its thread (see rawio_linux.go).
		waitIdle(rr, rd.idle)
	}
	s.wg.Add(1)
	go rd.lead() // not on this goroutine: a call may end its goroutine
	err = <-rd.end
	if err != nil {
		cancel(err)
	} else {
		cancel(ErrClosed)
	}
	err = serveErr(ctx, err)
	if cerr := s.end(); cerr != nil {
		return errors.Join(err, cerr)
	}
	return err
}

// serveErr prefers ctx's cause: a read error after ctx ended is the
// result of closing r.
func serveErr(ctx context.Context, err error) error {
	if ctx.Err() != nil && err != nil {
		if cause := context.Cause(ctx); cause != err {
			return cause
		}
	}
	return err
}

// inlineMax is how long a call may run inline, on the goroutine that
// read it, before another goroutine takes the reading over. It bounds how
// late a cancel frame or a pipelined request is read while a call runs
// inline (give or take the timer's latency): short enough that a call
// blocked on a cancel, or on another call, hardly notices, and long
// enough that a tiny call, the one inline running is for, ends well
// before it and pays no goroutine start. A call that outlasts it pays one
// goroutine start, small next to its own length.
const inlineMax = 50 * time.Microsecond

// reading is Serve's read loop, which passes from goroutine to goroutine:
// exactly one goroutine of the session, the leader, reads at any time.
//
// The leader hands a request to a runner (see [session.hand]) when more
// input is already buffered (pipelined requests wait to be read) or when
// the request is a method call whose turn has not come; otherwise it runs
// the call itself, inline, under a watchdog. If the call ends within
// inlineMax, the leader reads on. If not, the watchdog takes the reading
// over, on the timer's goroutine, and the leader, once its call ends,
// lingers as an idle runner. A call that ends its goroutine with
// runtime.Goexit while that goroutine still holds the reading hands the
// reading to a new goroutine. Every leader counts in the session's wg;
// the last sends the read loop's end on end.
type reading struct {
	s   *session
	br  *bufio.Reader
	end chan error // buffered: the read error that ends the loop, nil for io.EOF

	// pipelined is set when a request was handed to a runner because
	// more input waited behind it, since the leader last waited.
	pipelined bool
}

// idle reports whether the leader, about to wait for input, may wait in a
// blocking system call (see waitIdle): no call is in flight, and the
// client sends one call at a time, waiting for each answer. A client
// that pipelines calls gets the poller's wait, which keeps the thread
// and its P free for the calls' goroutines: measured with 16 calls in
// flight (bench's BenchmarkProcess), waiting in ppoll after every burst
// cost about a sixth of the throughput.
func (rd *reading) idle() bool {
	lockstep := !rd.pipelined
	rd.pipelined = false
	return lockstep && rd.s.idle()
}

// The states of a watchdog.
const (
	dogIdle  int32 = iota // no call runs inline under it
	dogArmed              // a call runs inline; its goroutine holds the reading
	dogFired              // it took the reading over while the call ran
)

// watchdog watches one leader's inline calls, one at a time, with one
// timer. Who goes on reading when an inline call ends is decided by a
// CompareAndSwap from dogArmed: the leader's, to dogIdle, or the timer's,
// to dogFired. The timer's Stop only tells the leader whether it must
// wait for a callback that lost.
type watchdog struct {
	state atomic.Int32
	t     *time.Timer
	lost  chan struct{} // buffered: a callback that lost to the leader says so here
}

// lead runs the read loop on this goroutine, one of the session's wg,
// until the reading ends or passes to another goroutine.
func (rd *reading) lead() {
	defer rd.s.wg.Done()
	var w *watchdog
	for {
		f, err := ReadFrame(rd.br, rd.s.limit)
		if err != nil {
			if err == io.EOF {
				err = nil
			} else {
				err = fmt.Errorf("remote: reading a frame: %w", err)
			}
			rd.end <- err
			return
		}
		switch f.Kind {
		case KindRequest:
			j, ok := rd.s.admit(f)
			if !ok {
				continue
			}
			if more := rd.br.Buffered() > 0; more || !j.due() {
				rd.pipelined = rd.pipelined || more
				rd.s.hand(j)
				continue
			}
			w = rd.arm(w)
			if !rd.inline(w, j) {
				rd.s.linger()
				return
			}
		case KindCancel:
			rd.s.cancel(f.ID)
		default:
			rd.end <- fmt.Errorf("%w: a %v frame from the client", ErrBadFrame, f.Kind)
			return
		}
	}
}

// arm arms w, made on the first call, for a call about to run inline.
func (rd *reading) arm(w *watchdog) *watchdog {
	if w == nil {
		w = &watchdog{lost: make(chan struct{}, 1)}
		w.state.Store(dogArmed)
		w.t = time.AfterFunc(inlineMax, func() { rd.takeOver(w) })
		return w
	}
	w.state.Store(dogArmed)
	w.t.Reset(inlineMax)
	return w
}

// inline runs j on this goroutine, under w, and reports whether this
// goroutine still holds the reading.
func (rd *reading) inline(w *watchdog, j job) bool {
	returned := false
	defer func() {
		// run has answered a call that ended this goroutine
		// (runtime.Goexit): the reading must go on without it.
		if !returned && w.disarm() {
			rd.s.wg.Add(1)
			go rd.lead()
		}
	}()
	rd.s.run(j)
	returned = true
	return w.disarm()
}

// disarm ends w's watch over an inline call, and reports whether the
// call's goroutine still holds the reading: false if w fired and took it.
func (w *watchdog) disarm() bool {
	if !w.state.CompareAndSwap(dogArmed, dogIdle) {
		return false
	}
	if !w.t.Stop() {
		// The timer fired, but its callback lost. Wait for it, so that
		// it cannot meet w's next arming, and no callback outlives the
		// leader.
		<-w.lost
	}
	return true
}

// takeOver is w's timer callback, on a goroutine of its own: if the call
// is still running, that goroutine becomes the leader. The wg.Add is
// safe although the counter may be zero by then (the old leader may have
// lingered and ended): the session waits on wg only once the reading has
// ended, after this goroutine has read on.
func (rd *reading) takeOver(w *watchdog) {
	if !w.state.CompareAndSwap(dogArmed, dogFired) {
		w.lost <- struct{}{}
		return
	}
	rd.s.wg.Add(1)
	rd.lead()
}
