package remote_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/remote"
)

// waitInFlight returns once a block call is running on the server.
func waitInFlight(t *testing.T) {
	t.Helper()
	<-blockStarted
}

func TestConn_ManyCallsInFlight(t *testing.T) { forEachPipe(t, testManyCallsInFlight) }

func testManyCallsInFlight(t *testing.T, serve func(*testing.T, ...remote.ConnOption) *served) {
	c := serve(t)
	var wg sync.WaitGroup
	errs := make(chan error, 64*50)
	for g := range 64 {
		wg.Go(func() {
			for i := range 50 {
				n := g*1000 + i
				got, err := square.Call(context.Background(), c, g, n)
				if err == nil && got != n*n {
					err = errors.New("wrong square")
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestConn_CancelReachesTheServer(t *testing.T) { forEachPipe(t, testCancelReachesTheServer) }

func testCancelReachesTheServer(t *testing.T, serve func(*testing.T, ...remote.ConnOption) *served) {
	c := serve(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	called := make(chan error, 1)
	go func() {
		_, err := block.Call(ctx, c, 0, 0)
		called <- err
	}()
	waitInFlight(t)
	why := errors.New("why")
	cancel(why)
	assert.Equal(t, why, <-called, "the caller gets ctx's cause at once")
	assert.Equal(t, context.Canceled, <-blocked, "the server's ctx is cancelled")

	_, err := square.Call(ctx, c, 0, 2)
	assert.Equal(t, why, err, "a done ctx sends nothing")
}

func TestConn_ClosedAndLost(t *testing.T) { forEachPipe(t, testClosedAndLost) }

func testClosedAndLost(t *testing.T, serve func(*testing.T, ...remote.ConnOption) *served) {
	c := serve(t)
	assert.Contains(t, c.Names(), "square")
	require.NoError(t, c.close(t))
	_, err := square.Call(context.Background(), c, 0, 2)
	assert.Equal(t, remote.ErrClosed, err)
	assert.Equal(t, remote.ErrClosed, c.Err())
	assert.NoError(t, c.Close(), "a second Close does nothing")
}

// The server's end of the answers closes while a call is in flight, as a
// killed process's would: that call fails (over an os.Pipe, it is the
// call that reads), and so does every call after it.
func TestConn_LostFailsCallsInFlight(t *testing.T) {
	for _, p := range pipes {
		t.Run(p.name, func(t *testing.T) {
			reqR, reqW := p.make(t)
			respR, respW := p.make(t)
			served := make(chan error, 1)
			go func() { served <- remote.Serve(context.Background(), reqR, respW) }()
			c, err := remote.NewConn(context.Background(), respR, reqW)
			require.NoError(t, err)
			called := make(chan error, 1)
			go func() {
				_, err := block.Call(context.Background(), c, 0, 0)
				called <- err
			}()
			waitInFlight(t)
			want := "remote: connection lost: EOF"
			if pw, ok := respW.(*io.PipeWriter); ok {
				pw.CloseWithError(errors.New("server died"))
				want = "remote: connection lost: server died"
			} else {
				respW.Close()
			}
			err = <-called
			assert.ErrorIs(t, err, remote.ErrConnLost)
			assert.EqualError(t, err, want)
			<-c.Done()
			assert.Equal(t, err, c.Err())
			_, err = square.Call(context.Background(), c, 0, 2)
			assert.ErrorIs(t, err, remote.ErrConnLost)
			c.Close() // the server cancels the block call; it cannot answer, and ends
			assert.Equal(t, remote.ErrClosed, <-blocked)
			<-served
		})
	}
}

func TestConn_FrameLimits(t *testing.T) { forEachPipe(t, testFrameLimits) }

func testFrameLimits(t *testing.T, serve func(*testing.T, ...remote.ConnOption) *served) {
	c := serve(t, remote.WithMaxFrame(1024))
	ctx := context.Background()
	_, err := echo.Call(ctx, c, 0, make([]byte, 2000))
	assert.ErrorIs(t, err, remote.ErrFrameTooLarge)
	assert.ErrorContains(t, err, "remote: echo: remote: frame too large: request of")

	_, err = grow.Call(ctx, c, 0, 2000)
	assert.ErrorIs(t, err, remote.ErrFrameTooLarge, "a result too large fails that call")
	assert.ErrorContains(t, err, "response of")

	b, err := echo.Call(ctx, c, 0, []byte("still fine"))
	require.NoError(t, err)
	assert.Equal(t, "still fine", string(b))

	respR, respW, reqW := noServer()
	_, err = remote.NewConn(ctx, respR, reqW, remote.WithMaxFrame(10))
	assert.EqualError(t, err, "remote: WithMaxFrame(10): want 64 to 4294967295 bytes")
	respW.Close()
}

var grow = remote.Register("grow", func(_ context.Context, n int) ([]byte, error) { return make([]byte, n), nil })

// noServer returns the pipes of a Conn whose requests nobody reads.
func noServer() (*io.PipeReader, *io.PipeWriter, *io.PipeWriter) {
	respR, respW := io.Pipe()
	reqR, reqW := io.Pipe()
	go io.Copy(io.Discard, reqR)
	return respR, respW, reqW
}

func TestNewConn_NoHello(t *testing.T) {
	respR, respW, reqW := noServer()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := remote.NewConn(ctx, respR, reqW)
	assert.EqualError(t, err, "remote: waiting for the server's hello: context canceled")
	respW.Close() // ends the reading goroutine
}

func TestNewConn_WrongVersion(t *testing.T) {
	respR, respW, reqW := noServer()
	go func() {
		remote.WriteFrame(respW, remote.Frame{Kind: remote.KindHello, Version: 2}, 100)
		respW.Close()
	}()
	_, err := remote.NewConn(context.Background(), respR, reqW)
	assert.EqualError(t, err, "remote: the server speaks protocol version 2, this client 1")
}

func TestNewConn_ServerGoneBeforeHello(t *testing.T) {
	respR, respW, reqW := noServer()
	respW.Close()
	_, err := remote.NewConn(context.Background(), respR, reqW)
	assert.ErrorIs(t, err, remote.ErrConnLost)
	assert.EqualError(t, err, "remote: connection lost before the server's hello: EOF")
}

// deaf ignores its ctx until told to return.
var (
	deafRelease = make(chan struct{})
	deaf        = remote.Register("deaf", func(context.Context, int) (int, error) {
		blockStarted <- struct{}{}
		<-deafRelease
		return 0, nil
	})
)

func TestConn_WithUnanswered(t *testing.T) { forEachPipe(t, testWithUnanswered) }

func testWithUnanswered(t *testing.T, serve func(*testing.T, ...remote.ConnOption) *served) {
	names := make(chan string, 1)
	c := serve(t, remote.WithUnanswered(time.Millisecond, func(name string) { names <- name }))
	ctx, cancel := context.WithCancel(context.Background())
	called := make(chan error, 1)
	go func() {
		_, err := deaf.Call(ctx, c, 0, 0)
		called <- err
	}()
	waitInFlight(t)
	cancel()
	assert.Equal(t, context.Canceled, <-called)
	assert.Equal(t, "deaf", <-names)
	deafRelease <- struct{}{}

	// A cancelled call that is answered in time calls nothing.
	c2 := serve(t, remote.WithUnanswered(time.Hour, func(name string) { names <- name }))
	ctx, cancel = context.WithCancel(context.Background())
	go func() {
		_, err := block.Call(ctx, c2, 0, 0)
		called <- err
	}()
	waitInFlight(t)
	cancel()
	assert.Equal(t, context.Canceled, <-called)
	<-blocked
	require.NoError(t, c2.close(t))
	assert.Empty(t, names)

	respR, respW, reqW := noServer()
	_, err := remote.NewConn(context.Background(), respR, reqW, remote.WithUnanswered(0, func(string) {}))
	assert.ErrorContains(t, err, "remote: WithUnanswered(0s, ")
	respW.Close()
}

// When the call that reads gives up (its ctx ended), the reading passes to
// a call still waiting, which gets its answer.
func TestConn_ReadingPassesToAWaitingCall(t *testing.T) {
	forEachPipe(t, func(t *testing.T, serve func(*testing.T, ...remote.ConnOption) *served) {
		c := serve(t)
		ctx, cancel := context.WithCancel(context.Background())
		first := make(chan error, 1)
		go func() {
			_, err := block.Call(ctx, c, 0, 0) // alone: over an os.Pipe, it reads
			first <- err
		}()
		waitInFlight(t)
		second := make(chan error, 1)
		go func() {
			_, err := deaf.Call(context.Background(), c, 0, 0)
			second <- err
		}()
		waitInFlight(t)
		cancel()
		assert.Equal(t, context.Canceled, <-first)
		assert.Equal(t, context.Canceled, <-blocked)
		deafRelease <- struct{}{}
		assert.NoError(t, <-second, "the waiting call read its own answer")
		n, err := square.Call(context.Background(), c, 0, 9)
		require.NoError(t, err)
		assert.Equal(t, 81, n)
	})
}

// waiting is a Conn as a transport whose calls, when their ctx ends,
// wait for the answer (RoundTripWait).
type waiting struct{ c *served }

func (w waiting) RoundTrip(ctx context.Context, req remote.Request) ([]byte, error) {
	return w.c.RoundTripWait(ctx, req)
}

// Calls whose ctx ends at any moment, with RoundTrip and RoundTripWait,
// among calls that go on: every call gets one outcome, its answer or its
// ctx's cause (RoundTrip only), and the Conn goes on serving.
func TestConn_CallsRaceTheirCancellation(t *testing.T) {
	forEachPipe(t, func(t *testing.T, serve func(*testing.T, ...remote.ConnOption) *served) {
		c := serve(t)
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := range 8 {
			wg.Go(func() {
				for i := range 300 {
					ctx, cancel := context.WithCancel(context.Background())
					if i%3 == 0 {
						go cancel() // at any moment
					}
					var tr remote.Transport = c
					if g%2 == 1 {
						tr = waiting{c}
					}
					n := g*1000 + i
					got, err := square.Call(ctx, tr, 0, n)
					switch {
					case err == nil && got != n*n:
						err = fmt.Errorf("square(%d) = %d", n, got)
					case errors.Is(err, context.Canceled) && (i%3 == 0 || tr != remote.Transport(c)):
						err = nil // cancelled in time, or by the server (RoundTripWait)
					}
					cancel()
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		n, err := square.Call(context.Background(), c, 0, 12)
		require.NoError(t, err)
		assert.Equal(t, 144, n)
	})
}
