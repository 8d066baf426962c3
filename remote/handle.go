package remote

import (
	"context"
	"fmt"
	"sync"
)

// Session is the serving side of [Serve] for a transport that carries
// one frame per message (a message broker, say) rather than a stream:
// the caller hands it each request or cancel frame with [Session.Handle],
// and it calls send with each response frame's body as the call
// finishes. Requests run as under Serve, except that none runs on the
// goroutine that handed it: on goroutines the session keeps for as long
// as calls keep coming, many at once, with a ctx that a cancel for its id
// cancels, panics caught, a stateful worker's calls one at a time in the
// order they were handled, on an instance made for its worker id and
// closed by [Session.Close]. There is no hello: the transport agrees on
// the frame limit.
//
// A Session is safe for concurrent use, except that Handle calls must not
// overlap (the order they come in is the order of a stateful worker's
// calls). It must not be copied. It costs no goroutine of its own while
// idle: one per call in flight, each kept for a second after its call to
// take the next, so that a busy session starts none per call.
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
	return &Session{s: newSession(ctx, &msgWriter{send: send}, limit), cancel: cancel}
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

// msgWriter is a Session's answer writer: it encodes each response frame
// and sends its body, one at a time.
type msgWriter struct {
	mu   sync.Mutex
	send func([]byte)
	buf  []byte
}

func (w *msgWriter) write(f Frame, limit int) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := appendFrame(w.buf[:0], f, limit)
	if err != nil {
		return err
	}
	w.send(b[4:])
	if cap(b) <= 1<<20 {
		w.buf = b // keep no huge buffer alive for small frames
	} else {
		w.buf = nil
	}
	return nil
}
