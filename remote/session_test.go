package remote_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"runtime"
	"sync"
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

// ranInline reports whether the calling function runs inline, on the
// goroutine that read its request, rather than on a runner: whether the
// serving side's inline step, (*reading).inline, is on its stack.
func ranInline() bool {
	buf := make([]byte, 64<<10)
	n := runtime.Stack(buf, false)
	return bytes.Contains(buf[:n], []byte("remote.(*reading).inline("))
}

// The functions of the inline tests. Each tells whether it ran inline on
// a channel of its own before it does anything else.
var (
	// waitCtx waits for its ctx to end and returns the cause.
	waitCtxInline = make(chan bool, 16)
	waitCtx       = remote.Register("waitCtx", func(ctx context.Context, _ int) (int, error) {
		waitCtxInline <- ranInline()
		<-ctx.Done()
		return 0, context.Cause(ctx)
	})
	// hold returns its argument once it is released (or its ctx ends,
	// so that a failed test still ends).
	holdInline  = make(chan bool, 16)
	holdRelease = make(chan struct{})
	hold        = remote.Register("hold", func(ctx context.Context, n int) (int, error) {
		holdInline <- ranInline()
		select {
		case <-holdRelease:
			return n, nil
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	})
	// failInline fails as failWith does.
	failInlineRan = make(chan bool, 16)
	failInline    = remote.Register("failInline", func(ctx context.Context, kind string) (int, error) {
		failInlineRan <- ranInline()
		return failWith(ctx, kind)
	})
)

// gate counts its calls; a call told to hold waits to be released (or
// for its ctx to end).
type gate struct{ n int }

var (
	gateInline  = make(chan bool, 16)
	gateRelease = make(chan struct{})
)

func (g *gate) Pass(ctx context.Context, hold bool) (int, error) {
	g.n++
	if hold {
		gateInline <- ranInline()
		select {
		case <-gateRelease:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	return g.n, nil
}

var gatePass = remote.RegisterMethod(remote.RegisterWorker("gate",
	func(context.Context, int) (*gate, error) { return &gate{}, nil }), "pass", (*gate).Pass)

func TestSession_CancelFrameReachesACallRunningInline(t *testing.T) {
	c := serveRaw(t)
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 1, Name: waitCtx.Name(), Payload: gobInt(t, 0)})
	require.True(t, <-waitCtxInline, "a lone request runs on the goroutine that read it")
	// Only a goroutine that took the reading over can read this.
	c.send(t, remote.Frame{Kind: remote.KindCancel, ID: 1})
	f := c.recv(t)
	assert.Equal(t, uint64(1), f.ID)
	assert.True(t, f.Err == context.Canceled, "%v", f.Err)
}

func TestSession_RequestsAreReadWhileACallRunsInline(t *testing.T) {
	c := serveRaw(t)
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 1, Name: hold.Name(), Payload: gobInt(t, 5)})
	require.True(t, <-holdInline)
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 2, Name: square.Name(), Payload: gobInt(t, 3)})
	f := c.recv(t)
	assert.Equal(t, uint64(2), f.ID, "answered while call 1 still runs")
	assert.Equal(t, gobInt(t, 9), f.Payload)
	holdRelease <- struct{}{}
	f = c.recv(t)
	assert.Equal(t, uint64(1), f.ID)
	assert.Equal(t, gobInt(t, 5), f.Payload)
}

func TestSession_GoexitInAnInlineCallLeavesTheReadingGoing(t *testing.T) {
	c := serveRaw(t)
	for id := uint64(1); id <= 3; id++ {
		c.send(t, remote.Frame{Kind: remote.KindRequest, ID: id, Name: failInline.Name(), Payload: []byte("goexit")})
		require.True(t, <-failInlineRan)
		f := c.recv(t)
		assert.Equal(t, id, f.ID)
		assert.True(t, f.Err == future.ErrGoexit, "%v", f.Err)
	}
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 4, Name: square.Name(), Payload: gobInt(t, 4)})
	f := c.recv(t)
	assert.Equal(t, uint64(4), f.ID)
	assert.Equal(t, gobInt(t, 16), f.Payload)
}

func TestSession_PanicInAnInlineCallIsAnError(t *testing.T) {
	c := serveRaw(t)
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 1, Name: failInline.Name(), Payload: []byte("panic")})
	require.True(t, <-failInlineRan)
	f := c.recv(t)
	assert.Equal(t, uint64(1), f.ID)
	var pe *future.PanicError
	require.ErrorAs(t, f.Err, &pe)
	assert.Equal(t, "boom", pe.Value)
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 2, Name: failInline.Name(), Payload: []byte("none")})
	require.True(t, <-failInlineRan, "the goroutine that recovered reads on and runs the next call inline")
	f = c.recv(t)
	assert.Equal(t, uint64(2), f.ID)
	assert.NoError(t, f.Err)
	assert.Equal(t, gobInt(t, 1), f.Payload)
}

func TestSession_AMethodCallWaitsForAnInlineOneOfItsInstance(t *testing.T) {
	c := serveRaw(t)
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 1, Worker: 1, Name: gatePass.Name(), Payload: gobBool(t, true)})
	require.True(t, <-gateInline)
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 2, Worker: 1, Name: gatePass.Name(), Payload: gobBool(t, false)})
	c.send(t, remote.Frame{Kind: remote.KindRequest, ID: 3, Worker: 2, Name: gatePass.Name(), Payload: gobBool(t, false)})
	f := c.recv(t)
	assert.Equal(t, uint64(3), f.ID, "another instance's call goes on")
	assert.Equal(t, gobInt(t, 1), f.Payload)
	gateRelease <- struct{}{}
	for _, want := range []int{1, 2} {
		f := c.recv(t)
		assert.Equal(t, uint64(want), f.ID, "instance 1's calls end in order")
		assert.Equal(t, gobInt(t, want), f.Payload, "and run in order")
	}
}

func TestSession_ManyPipeliningWritersGetEveryAnswerOnce(t *testing.T) {
	c := serveRaw(t)
	const writers, each = 8, 200
	// Most calls are squares; some end their goroutine or panic, which
	// passes the reading on when they run inline.
	frames := make([][]remote.Frame, writers)
	want := make(map[uint64]remote.Frame, writers*each)
	for g := range writers {
		for i := range each {
			id := uint64(g*each + i + 1)
			f := remote.Frame{Kind: remote.KindRequest, ID: id, Name: square.Name(), Payload: gobInt(t, int(id))}
			answer := remote.Frame{ID: id, Payload: gobInt(t, int(id*id))}
			switch i % 10 {
			case 3:
				f.Name, f.Payload = fail.Name(), []byte("goexit")
				answer = remote.Frame{ID: id, Err: future.ErrGoexit}
			case 7:
				f.Name, f.Payload = fail.Name(), []byte("panic")
				answer = remote.Frame{ID: id, Err: &future.PanicError{Value: "boom"}}
			}
			frames[g] = append(frames[g], f)
			want[id] = answer
		}
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for g := range writers {
		wg.Go(func() {
			for i, f := range frames[g] {
				mu.Lock()
				err := remote.WriteFrame(c.w, f, 1<<20)
				if err == nil && i%4 == 0 {
					// A cancel for a call that may be in flight, or done.
					err = remote.WriteFrame(c.w, remote.Frame{Kind: remote.KindCancel, ID: f.ID}, 1<<20)
				}
				mu.Unlock()
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	seen := make(map[uint64]int, len(want))
	for range len(want) {
		f := c.recv(t)
		seen[f.ID]++
		w, ok := want[f.ID]
		if !assert.True(t, ok, "an answer for id %d, never sent", f.ID) {
			continue
		}
		switch pe := (*future.PanicError)(nil); {
		case w.Err == future.ErrGoexit:
			assert.True(t, f.Err == future.ErrGoexit, "id %d: %v", f.ID, f.Err)
		case w.Err != nil:
			if assert.ErrorAs(t, f.Err, &pe, "id %d", f.ID) {
				assert.Equal(t, "boom", pe.Value)
			}
		default:
			assert.NoError(t, f.Err, "id %d", f.ID)
			assert.Equal(t, w.Payload, f.Payload, "id %d", f.ID)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	for id := range want {
		assert.Equal(t, 1, seen[id], "answers for id %d", id)
	}
}
