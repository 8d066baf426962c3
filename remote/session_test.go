package remote_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/remote"
)

// raw is the client end of a Serve spoken to frame by frame.
type raw struct {
	w   *io.PipeWriter
	r   *bufio.Reader
	end chan error
}

// serveRaw starts Serve and does the handshake; the cleanup closes the
// request pipe and waits for Serve, whose error it checks with check.
func serveRaw(t *testing.T) *raw {
	t.Helper()
	reqR, reqW := io.Pipe()
	respR, respW := io.Pipe()
	c := &raw{w: reqW, r: bufio.NewReader(respR), end: make(chan error, 1)}
	go func() {
		err := remote.Serve(context.Background(), reqR, respW)
		respW.Close()
		c.end <- err
	}()
	t.Cleanup(func() {
		reqW.Close()
		io.Copy(io.Discard, respR)
		<-c.end
	})
	c.send(t, remote.Frame{Kind: remote.KindHello, Version: remote.Version, MaxFrame: 1 << 16})
	hello := c.recv(t)
	require.Equal(t, remote.KindHello, hello.Kind)
	require.Equal(t, 1<<16, hello.MaxFrame)
	require.Equal(t, remote.Names(), hello.Names)
	return c
}

func (c *raw) send(t *testing.T, f remote.Frame) {
	t.Helper()
	require.NoError(t, remote.WriteFrame(c.w, f, 1<<20))
}

func (c *raw) recv(t *testing.T) remote.Frame {
	t.Helper()
	f, err := remote.ReadFrame(c.r, 1<<20)
	require.NoError(t, err)
	return f
}

// seq records the order its calls ran in, on one instance.
type seq struct{ n int }

func (s *seq) Next(context.Context, struct{}) ([]byte, error) {
	s.n++
	return binary.AppendUvarint(nil, uint64(s.n)), nil
}

var seqNext = remote.RegisterMethod(remote.RegisterWorker("seq",
	func(context.Context, int) (*seq, error) { return &seq{}, nil }), "next", (*seq).Next)

func TestSession_MethodCallsRunOneAtATimeInArrivalOrder(t *testing.T) {
	c := serveRaw(t)
	const n = 200
	go func() {
		for id := uint64(1); id <= n; id++ {
			remote.WriteFrame(c.w, remote.Frame{Kind: remote.KindRequest, ID: id, Worker: 3, Name: seqNext.Name()}, 1<<20)
		}
	}()
	for range n {
		f := c.recv(t)
		require.NoError(t, f.Err)
		got, _ := binary.Uvarint(f.Payload)
		assert.Equal(t, f.ID, got, "call %d ran as number %d", f.ID, got)
	}
}

// meet returns only once two calls are inside it: plain functions run
// concurrently.
var (
	meetings = make(chan struct{})
	meet     = remote.Register("meet", func(ctx context.Context, first bool) (bool, error) {
		if first {
			meetings <- struct{}{}
		} else {
			<-meetings
		}
		return first, nil
	})
)

func TestSession_FunctionsRunConcurrently(t *testing.T) {
	c := serveRaw(t)
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 1, Name: meet.Name(), Payload: gobBool(t, true)})
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 2, Name: meet.Name(), Payload: gobBool(t, false)})
	ids := []uint64{c.recv(t).ID, c.recv(t).ID}
	assert.ElementsMatch(t, []uint64{1, 2}, ids)
}

func gobBool(t *testing.T, v bool) []byte {
	b, err := remote.Gob.Marshal(&v)
	require.NoError(t, err)
	return b
}

func TestSession_CancelFrameCancelsTheCall(t *testing.T) {
	c := serveRaw(t)
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 7, Name: block.Name(), Payload: gobInt(t, 0)})
	c.send(t, remote.Frame{Kind: remote.KindCancel, ID: 7})
	c.send(t, remote.Frame{Kind: remote.KindCancel, ID: 99}) // unknown ids are ignored
	f := c.recv(t)
	<-blockStarted
	assert.Equal(t, uint64(7), f.ID)
	assert.True(t, f.Err == context.Canceled, "%v", f.Err)
	assert.Equal(t, context.Canceled, <-blocked)
}

func gobInt(t *testing.T, v int) []byte {
	b, err := remote.Gob.Marshal(&v)
	require.NoError(t, err)
	return b
}

func TestSession_DuplicateIDInFlightIsRefused(t *testing.T) {
	c := serveRaw(t)
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 1, Name: meet.Name(), Payload: gobBool(t, true)})
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 1, Name: meet.Name(), Payload: gobBool(t, false)})
	f := c.recv(t)
	assert.ErrorIs(t, f.Err, remote.ErrBadFrame)
	assert.ErrorContains(t, f.Err, "request id 1 is already in flight")
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 2, Name: meet.Name(), Payload: gobBool(t, false)})
	assert.ElementsMatch(t, []uint64{1, 2}, []uint64{c.recv(t).ID, c.recv(t).ID})
}

func TestSession_PanicsAndGoexitBecomeErrors(t *testing.T) {
	c := serve(t)
	ctx := context.Background()
	_, err := fail.Call(ctx, c, 0, "panic")
	var pe *future.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "boom", pe.Value)
	assert.Contains(t, string(pe.Stack), "failWith", "the stack is the panicking goroutine's")

	_, err = fail.Call(ctx, c, 0, "panicErr")
	require.ErrorAs(t, err, &pe)
	assert.ErrorIs(t, err, errSentinel)

	_, err = fail.Call(ctx, c, 0, "goexit")
	assert.True(t, err == future.ErrGoexit, "%v", err)
}

func TestSession_ErrorsOfEveryKindCrossBack(t *testing.T) {
	c := serve(t)
	ctx := context.Background()
	call := func(kind string) error {
		_, err := fail.Call(ctx, c, 0, kind)
		require.Error(t, err)
		return err
	}
	assert.True(t, call("sentinel") == errSentinel)
	assert.True(t, call("canceled") == context.Canceled)
	assert.True(t, call("eof") == io.EOF)
	err := call("wrapped")
	assert.ErrorIs(t, err, errSentinel)
	assert.EqualError(t, err, "doing it: remote_test: the sentinel")
	err = call("deadline")
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.EqualError(t, err, "op: context deadline exceeded")
	err = call("plain")
	var re *remote.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "*remote_test.myErr", re.Type)
	assert.EqualError(t, err, "my error 7")
}
