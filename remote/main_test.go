package remote_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/remote"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The functions every test calls, registered at package scope as users do.
var (
	square = remote.Register("square", func(_ context.Context, n int) (int, error) { return n * n, nil })
	echo   = remote.Register("echo", func(_ context.Context, b []byte) ([]byte, error) { return b, nil })
	upper  = remote.Register("upper", func(_ context.Context, s string) (string, error) {
		return fmt.Sprintf("%q!", s), nil
	})
	scale = remote.Register("scale", func(_ context.Context, p point) (point, error) {
		return point{p.X * 2, p.Y * 2, p.Label}, nil
	})
	ping   = remote.Register("ping", func(context.Context, struct{}) (struct{}, error) { return struct{}{}, nil })
	asJSON = remote.Register("json", func(_ context.Context, p point) (point, error) { return p, nil },
		remote.WithCodec(remote.JSON))
	fail = remote.Register("fail", failWith)
	// block waits for its ctx to end, tells blocked, and returns the cause.
	block = remote.Register("block", func(ctx context.Context, _ int) (int, error) {
		blockStarted <- struct{}{}
		<-ctx.Done()
		blocked <- context.Cause(ctx)
		return 0, ctx.Err()
	})
	blocked      = make(chan error, 16)
	blockStarted = make(chan struct{}, 16)
)

type point struct {
	X, Y  int
	Label string
}

var errSentinel = errors.New("remote_test: the sentinel")

func init() { remote.RegisterError("remote_test.errSentinel", errSentinel) }

type myErr struct{ code int }

func (e *myErr) Error() string { return fmt.Sprintf("my error %d", e.code) }

// failWith fails in the way kind names.
func failWith(ctx context.Context, kind string) (int, error) {
	switch kind {
	case "sentinel":
		return 0, errSentinel
	case "wrapped":
		return 0, fmt.Errorf("doing it: %w", errSentinel)
	case "canceled":
		return 0, context.Canceled
	case "deadline":
		return 0, fmt.Errorf("op: %w", context.DeadlineExceeded)
	case "plain":
		return 0, &myErr{7}
	case "panic":
		panic("boom")
	case "panicErr":
		panic(fmt.Errorf("wrapped in a panic: %w", errSentinel))
	case "goexit":
		runtime.Goexit()
	case "eof":
		return 0, io.EOF
	}
	return 1, nil
}

// served is a Conn to a Serve running in this process.
type served struct {
	*remote.Conn
	serveErr chan error
}

// pipe makes a one-way stream: what is written to w is read from r.
type pipe func(t *testing.T) (r io.ReadCloser, w io.WriteCloser)

// The two kinds of stream a Conn is tested over: an io.Pipe, whose reads
// cannot be cut short, so a goroutine of the Conn reads all the time, and
// an os.Pipe, whose read deadline lets the calling goroutines read.
var pipes = []struct {
	name string
	make pipe
}{
	{"io.Pipe", func(*testing.T) (io.ReadCloser, io.WriteCloser) { return io.Pipe() }},
	{"os.Pipe", func(t *testing.T) (io.ReadCloser, io.WriteCloser) {
		r, w, err := os.Pipe()
		require.NoError(t, err)
		t.Cleanup(func() { r.Close(); w.Close() })
		return r, w
	}},
}

// forEachPipe runs test once over each kind of pipe, with serve making
// Conns over that kind.
func forEachPipe(t *testing.T, test func(t *testing.T, serve func(*testing.T, ...remote.ConnOption) *served)) {
	for _, p := range pipes {
		t.Run(p.name, func(t *testing.T) {
			test(t, func(t *testing.T, opts ...remote.ConnOption) *served { return serveOver(t, p.make, opts...) })
		})
	}
}

// serve starts Serve on io.Pipes and returns a Conn to it; the test's
// cleanup closes the Conn and checks that Serve ended cleanly.
func serve(t *testing.T, opts ...remote.ConnOption) *served {
	t.Helper()
	return serveOver(t, pipes[0].make, opts...)
}

// serveOver is serve over pipes that mk makes.
func serveOver(t *testing.T, mk pipe, opts ...remote.ConnOption) *served {
	t.Helper()
	reqR, reqW := mk(t)
	respR, respW := mk(t)
	s := &served{serveErr: make(chan error, 1)}
	go func() {
		err := remote.Serve(context.Background(), reqR, respW)
		respW.Close()
		s.serveErr <- err
	}()
	c, err := remote.NewConn(context.Background(), respR, reqW, opts...)
	require.NoError(t, err)
	s.Conn = c
	t.Cleanup(func() { s.close(t) })
	return s
}

var closeOnce sync.Map

// close closes the Conn once and waits for Serve's result.
func (s *served) close(t *testing.T) error {
	t.Helper()
	if _, done := closeOnce.LoadOrStore(s, true); done {
		return nil
	}
	require.NoError(t, s.Close())
	err := <-s.serveErr
	<-s.Done()
	return err
}
