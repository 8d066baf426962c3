package remote_test

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/remote"
)

// failingWriter takes the hello and then fails every write.
type failingWriter struct {
	io.WriteCloser
	writes int
}

func (w *failingWriter) Write(b []byte) (int, error) {
	w.writes++
	if w.writes > 1 {
		return 0, errors.New("broken pipe")
	}
	return w.WriteCloser.Write(b)
}

func TestWriter_ABrokenStreamFailsTheCallAsLost(t *testing.T) {
	reqR, reqW := io.Pipe()
	respR, respW := io.Pipe()
	end := make(chan error, 1)
	go func() {
		end <- remote.Serve(context.Background(), reqR, respW)
		respW.Close()
	}()
	fw := &failingWriter{WriteCloser: reqW}
	c, err := remote.NewConn(context.Background(), respR, fw)
	require.NoError(t, err)
	for range 2 { // the error sticks
		_, err = square.Call(context.Background(), c, 0, 3)
		assert.ErrorIs(t, err, remote.ErrConnLost)
		assert.EqualError(t, err, "remote: connection lost: writing a request: broken pipe")
	}
	require.NoError(t, c.Close())
	require.NoError(t, <-end)
	<-c.Done()
}

func TestWriter_FramesFromManyGoroutinesStayWhole(t *testing.T) {
	// TestConn_ManyCallsInFlight writes from 64 goroutines at once; here
	// large frames, which bypass the buffer, interleave with small ones.
	c := serve(t)
	errs := make(chan error, 32)
	for i := range 32 {
		go func() {
			n := 10 + i*40000
			b, err := echo.Call(context.Background(), c, 0, make([]byte, n))
			if err == nil && len(b) != n {
				err = errors.New("wrong length")
			}
			errs <- err
		}()
	}
	for range 32 {
		assert.NoError(t, <-errs)
	}
}
