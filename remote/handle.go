package remote

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
)

// Session is the serving side of [Serve] for a transport that carries
// one frame per message (a message broker, say) rather than a stream:
// the caller hands it each request or cancel frame with [Session.Handle],
// and it calls send with each response frame's body as the call
// finishes. Requests run as under Serve: each on a goroutine of its own,
// with a ctx that a cancel for its id cancels, panics caught, a stateful
// worker's calls one at a time in the order they were handled, on an
// instance made for its worker id and closed by [Session.Close]. There is
// no hello: the transport agrees on the frame limit.
//
// A Session is safe for concurrent use, except that Handle calls must not
// overlap (the order they come in is the order of a stateful worker's
// calls). It must not be copied. It costs no goroutine of its own, only
// one per call in flight.
type Session struct {
	s      *session
	cancel context.CancelCauseFunc

	mu     sync.Mutex
	closed bool
}

// NewSession starts a session whose calls' ctxs derive from ctx. limit
// bounds a response body (as the hello's frame limit does for Serve): a
// result over it comes back as an error wrapping [ErrFrameTooLarge].
// send gets each response body, without a length prefix, on the call's
// goroutine, one at a time; it may keep body only until it returns.
// NewSession panics if send is nil.
func NewSession(ctx context.Context, limit int, send func(body []byte)) *Session {
	if send == nil {
		panic("remote: NewSession with a nil send")
	}
	if limit <= 0 || limit > maxFrameLimit {
		limit = DefaultMaxFrame
	}
	ctx, cancel := context.WithCancelCause(ctx)
	return &Session{s: newSession(ctx, newFrameWriter(&splitter{send: send}), limit), cancel: cancel}
}

// Handle starts a request frame's call or cancels the call a cancel frame
// names. Any other kind of frame is an error wrapping [ErrBadFrame], and
// so is a request whose id is in flight (it is answered with that error
// too). After Close it does nothing and returns [ErrClosed].
func (s *Session) Handle(f Frame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return ErrClosed
	}
	switch f.Kind {
	case KindRequest:
		s.s.start(f)
	case KindCancel:
		s.s.cancel(f.ID)
	default:
		return fmt.Errorf("%w: a %v frame from the client", ErrBadFrame, f.Kind)
	}
	return nil
}

// Close cancels the calls in flight, with [ErrClosed] as their ctx's
// cause, waits for them (their answers are still sent), closes every
// stateful worker instance that is an io.Closer, and returns the errors
// of those Close calls. Later calls return nil.
func (s *Session) Close() error {
	s.mu.Lock()
	closed := s.closed
	s.closed = true
	s.mu.Unlock()
	if closed {
		return nil
	}
	s.cancel(ErrClosed)
	return s.s.end()
}

// splitter is the stream under a Session's frame writer: it cuts what it
// is written into frames and sends each body. The frame writer serializes
// its writes.
type splitter struct {
	send func([]byte)
	buf  []byte // the start of a frame a write left unfinished
}

func (w *splitter) Write(p []byte) (int, error) {
	n := len(p)
	if len(w.buf) > 0 {
		w.buf = append(w.buf, p...)
		p = w.buf
	}
	for len(p) >= 4 {
		m := binary.BigEndian.Uint32(p)
		if uint64(len(p)-4) < uint64(m) {
			break
		}
		w.send(p[4 : 4+m])
		p = p[4+m:]
	}
	w.buf = append(w.buf[:0], p...) // copy handles the overlap
	return n, nil
}
