package remote

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	holding  = make(chan struct{})
	released = make(chan struct{})
	_        = Register("remote.internal.hold", func(context.Context, int) (int, error) {
		holding <- struct{}{}
		<-released
		return 1, nil
	})
)

// reader names who reads c now: "nobody", "the Conn" (a goroutine of its
// own), or "a call".
func (c *Conn) readerNow() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.reader {
	case nil:
		return "nobody"
	case connReader:
		return "the Conn"
	}
	return "a call"
}

// Over an os.Pipe, a lone call reads its own answer and an idle Conn has
// nobody reading; Close reads to the end. Over anything else a goroutine
// of the Conn reads.
func TestConn_WhoReads(t *testing.T) {
	reqR, reqW, err := os.Pipe()
	require.NoError(t, err)
	respR, respW, err := os.Pipe()
	require.NoError(t, err)
	defer reqR.Close()
	defer respR.Close()
	served := make(chan error, 1)
	go func() { served <- Serve(context.Background(), reqR, respW); respW.Close() }()
	c, err := NewConn(context.Background(), respR, reqW)
	require.NoError(t, err)
	assert.Equal(t, "nobody", c.readerNow(), "after the hello")

	n := 7
	payload, err := Gob.Marshal(&n)
	require.NoError(t, err)
	called := make(chan error, 1)
	go func() {
		_, err := c.RoundTrip(context.Background(), Request{Name: "remote.internal.hold", Payload: payload})
		called <- err
	}()
	<-holding
	assert.Equal(t, "a call", c.readerNow(), "the call in flight reads")
	released <- struct{}{}
	require.NoError(t, <-called)
	assert.Equal(t, "nobody", c.readerNow(), "the call read its answer and left")

	require.NoError(t, c.Close())
	require.NoError(t, <-served)
	<-c.Done()
	assert.Equal(t, ErrClosed, c.Err())
	assert.Equal(t, "nobody", c.readerNow())

	pr, pw := io.Pipe()
	qr, qw := io.Pipe()
	go func() { served <- Serve(context.Background(), qr, pw); pw.Close() }()
	c, err = NewConn(context.Background(), pr, qw)
	require.NoError(t, err)
	assert.Equal(t, "the Conn", c.readerNow(), "an io.Pipe cannot be cut short")
	require.NoError(t, c.Close())
	require.NoError(t, <-served)
	<-c.Done()
}

// A call that gives up while the reading is being handed to it, with
// nothing else in flight, leaves a goroutine of the Conn reading, so that
// its unanswered timer is stopped by the answer when it comes.
func TestConn_GivingUpWithTheReadingLeavesAReader(t *testing.T) {
	reqR, reqW, err := os.Pipe()
	require.NoError(t, err)
	respR, respW, err := os.Pipe()
	require.NoError(t, err)
	defer reqR.Close()
	defer respR.Close()
	served := make(chan error, 1)
	go func() { served <- Serve(context.Background(), reqR, respW); respW.Close() }()
	fired := make(chan string, 1)
	c, err := NewConn(context.Background(), respR, reqW, WithUnanswered(time.Hour, func(name string) { fired <- name }))
	require.NoError(t, err)

	// A call in flight to which the reading was just handed (as handOff
	// does), whose goroutine has not picked it up yet.
	n := 7
	payload, err := Gob.Marshal(&n)
	require.NoError(t, err)
	cl := &call{ch: make(chan result, 1), name: "remote.internal.hold"}
	c.mu.Lock()
	c.nextID++
	cl.id = c.nextID
	c.calls[cl.id] = cl
	c.reader = cl
	cl.ch <- result{read: true}
	c.mu.Unlock()
	require.NoError(t, c.fw.write(Frame{Kind: KindRequest, ID: cl.id, Name: cl.name, Payload: payload}, c.sendLimit))
	<-holding

	require.True(t, c.giveUp(cl))
	assert.Equal(t, "the Conn", c.readerNow(), "someone reads the given-up call's answer")
	assert.Empty(t, cl.ch, "the reading handed to it was taken back")
	released <- struct{}{}
	require.NoError(t, c.Close())
	require.NoError(t, <-served)
	<-c.Done()
	assert.Equal(t, ErrClosed, c.Err())
	assert.Empty(t, fired)
}

// A reading call whose ctx ends between its setting out to wait and its
// look at ctx, with the wait cut short in between, leaves the deadline
// and the cut cleared for the next reader: the next call gets its answer.
func TestConn_ACutBeforeTheWaitIsCleared(t *testing.T) {
	reqR, reqW, err := os.Pipe()
	require.NoError(t, err)
	respR, respW, err := os.Pipe()
	require.NoError(t, err)
	defer reqR.Close()
	defer respR.Close()
	served := make(chan error, 1)
	go func() { served <- Serve(context.Background(), reqR, respW); respW.Close() }()
	c, err := NewConn(context.Background(), respR, reqW)
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cl := &call{ch: make(chan result, 1), name: "remote.rawio.echo"}
	c.mu.Lock()
	c.nextID++
	cl.id = c.nextID
	c.calls[cl.id] = cl
	c.reader, c.peeking = cl, true // it set out to wait,
	c.mu.Unlock()
	c.interrupt(cl, cl.id) // and its ctx's end cut the wait before it looked
	r := c.read(cl, ctx, false)
	assert.Equal(t, context.Canceled, r.err)
	assert.False(t, c.cut)

	payload, err := Gob.Marshal(&[]byte{1, 2})
	require.NoError(t, err)
	out, err := c.RoundTrip(context.Background(), Request{Name: "remote.rawio.echo", Payload: payload})
	require.NoError(t, err, "the deadline was cleared")
	assert.Equal(t, payload, out)
	require.NoError(t, c.Close())
	require.NoError(t, <-served)
	<-c.Done()
}
