package remote

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
)

// Serve serves calls to the registered functions: it reads frames from r
// and writes frames to w until r ends, and is what a worker process (see
// package proc) runs on its pipes.
//
// It first reads the client's hello and answers with its own, which
// carries [Version], the frame limit (the client's) and [Names]. Then each
// request runs on a goroutine apart from the read loop, so many can be in
// flight, with a ctx that a cancel frame for its id cancels (the
// goroutines outlive their calls by a second to take the next ones, so a
// busy stream starts none per call); a panic in it is recovered
// into a [*future.PanicError] and runtime.Goexit into future.ErrGoexit,
// and either becomes the call's error. A call to a name nobody registered
// fails with [ErrUnknownFunction]. Answers go out in the order calls
// finish, with no flush while another is about to be written.
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
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	if c, ok := r.(io.Closer); ok {
		stop := context.AfterFunc(ctx, func() { c.Close() })
		defer stop()
	}
	br := bufio.NewReaderSize(rawReader(r), 64<<10)
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
	err = s.read(br)
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

// read runs the read loop until r ends: nil for io.EOF.
func (s *session) read(br *bufio.Reader) error {
	for {
		f, err := ReadFrame(br, s.limit)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("remote: reading a frame: %w", err)
		}
		switch f.Kind {
		case KindRequest:
			s.start(f)
		case KindCancel:
			s.cancel(f.ID)
		default:
			return fmt.Errorf("%w: a %v frame from the client", ErrBadFrame, f.Kind)
		}
	}
}
