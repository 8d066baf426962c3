package remote_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/remote"
)

// serveBytes runs Serve over a fixed input and returns what it wrote.
func serveBytes(t *testing.T, frames ...remote.Frame) ([]remote.Frame, error) {
	t.Helper()
	var in, out bytes.Buffer
	for _, f := range frames {
		require.NoError(t, remote.WriteFrame(&in, f, 1<<20))
	}
	err := remote.Serve(context.Background(), &in, &out)
	var got []remote.Frame
	for {
		f, rerr := remote.ReadFrame(&out, 1<<20)
		if rerr != nil {
			require.Equal(t, io.EOF, rerr)
			return got, err
		}
		got = append(got, f)
	}
}

func TestServe_EndsCleanlyAtEOF(t *testing.T) {
	got, err := serveBytes(t,
		remote.Frame{Kind: remote.KindHello, Version: remote.Version},
		remote.Frame{Kind: remote.KindRequest, ID: 1, Name: square.Name(), Payload: gobInt(t, 3)})
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, remote.DefaultMaxFrame, got[0].MaxFrame, "no limit proposed: the default")
	assert.Equal(t, gobInt(t, 9), got[1].Payload)
}

func TestServe_RefusesABadStart(t *testing.T) {
	_, err := serveBytes(t)
	assert.EqualError(t, err, "remote: reading the client's hello: EOF")

	_, err = serveBytes(t, remote.Frame{Kind: remote.KindCancel, ID: 1})
	assert.EqualError(t, err, "remote: the client's first frame is a cancel, not a hello")

	got, err := serveBytes(t, remote.Frame{Kind: remote.KindHello, Version: 99})
	assert.EqualError(t, err, "remote: the client speaks protocol version 99, this server 1")
	require.Len(t, got, 1, "the server still says which version it speaks")
	assert.Equal(t, remote.Version, got[0].Version)
}

func TestServe_ProtocolErrorsEndIt(t *testing.T) {
	_, err := serveBytes(t,
		remote.Frame{Kind: remote.KindHello, Version: remote.Version},
		remote.Frame{Kind: remote.KindResponse, ID: 1})
	assert.ErrorIs(t, err, remote.ErrBadFrame)
	assert.ErrorContains(t, err, "a response frame from the client")

	_, err = serveBytes(t,
		remote.Frame{Kind: remote.KindHello, Version: remote.Version, MaxFrame: 100},
		remote.Frame{Kind: remote.KindRequest, ID: 1, Name: echo.Name(), Payload: make([]byte, 200)})
	assert.ErrorIs(t, err, remote.ErrFrameTooLarge)
}

func TestServe_CtxEndCancelsCallsAndClosesTheReader(t *testing.T) {
	reqR, reqW := io.Pipe()
	respR, respW := io.Pipe()
	ctx, cancel := context.WithCancelCause(context.Background())
	end := make(chan error, 1)
	go func() {
		end <- remote.Serve(ctx, reqR, respW)
		respW.Close()
	}()
	c, err := remote.NewConn(context.Background(), respR, reqW)
	require.NoError(t, err)
	called := make(chan error, 1)
	go func() {
		_, err := block.Call(context.Background(), c, 0, 0)
		called <- err
	}()
	stop := errors.New("stop serving")
	// The call is in flight once the server has it; cancel then.
	waitInFlight(t)
	cancel(stop)
	assert.Equal(t, stop, <-blocked, "the call's ctx has Serve's cause")
	assert.True(t, <-called == context.Canceled)
	assert.Equal(t, stop, <-end)
	<-c.Done()
	require.NoError(t, c.Close())
}

func TestServe_ItsOwnGoroutineRunsNoCall(t *testing.T) {
	// The last request has nothing buffered behind it, so it runs inline,
	// on the goroutine that read it; were that Serve's, the Goexit would
	// end this test's goroutine.
	got, err := serveBytes(t,
		remote.Frame{Kind: remote.KindHello, Version: remote.Version},
		remote.Frame{Kind: remote.KindRequest, ID: 1, Name: failInline.Name(), Payload: []byte("goexit")})
	require.NoError(t, err)
	require.True(t, <-failInlineRan)
	require.Len(t, got, 2)
	assert.Equal(t, uint64(1), got[1].ID)
	assert.True(t, got[1].Err == future.ErrGoexit, "%v", got[1].Err)
}
