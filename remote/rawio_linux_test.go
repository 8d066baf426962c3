package remote

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawPipe returns both ends of an os.Pipe, closed by t's cleanup.
func rawPipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	require.NoError(t, err)
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

// pending returns how many bytes the pipe holds, unread.
func pending(t *testing.T, f *os.File) int {
	t.Helper()
	var n int32
	rc, err := f.SyscallConn()
	require.NoError(t, err)
	var errno syscall.Errno
	require.NoError(t, rc.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, syscall.TIOCINQ, uintptr(unsafe.Pointer(&n)))
	}))
	require.Zero(t, errno)
	return int(n)
}

func frameBytes(t *testing.T, f Frame) []byte {
	t.Helper()
	b, err := appendFrame(nil, f, DefaultMaxFrame)
	require.NoError(t, err)
	return b
}

func TestRawFile_OnlyNonBlockingFiles(t *testing.T) {
	r, w := rawPipe(t)
	assert.IsType(t, &rawFile{}, rawReader(r), "an os.Pipe's end is non-blocking and polled")
	assert.IsType(t, &rawFile{}, rawWriter(w))

	var fds [2]int
	require.NoError(t, syscall.Pipe2(fds[:], syscall.O_CLOEXEC)) // blocking
	br, bw := os.NewFile(uintptr(fds[0]), "br"), os.NewFile(uintptr(fds[1]), "bw")
	defer br.Close()
	defer bw.Close()
	assert.Same(t, br, rawReader(br), "a blocking descriptor is read as it is")
	assert.Same(t, bw, rawWriter(bw))

	pr, pw := io.Pipe()
	defer pr.Close()
	assert.Equal(t, io.Reader(pr), rawReader(pr))
	assert.Equal(t, io.Writer(pw), rawWriter(pw))
}

// A frame whose bytes come in two writes, the reader having taken the
// first part before the second is written, arrives whole.
func TestRawRead_FrameSplitAcrossWrites(t *testing.T) {
	r, w := rawPipe(t)
	b := frameBytes(t, Frame{Kind: KindResponse, ID: 7, Payload: []byte("split across two writes")})
	got := make(chan Frame, 1)
	errc := make(chan error, 1)
	go func() {
		f, err := ReadFrame(bufio.NewReader(rawReader(r)), DefaultMaxFrame)
		got <- f
		errc <- err
	}()
	fw := rawWriter(w)
	_, err := fw.Write(b[:6]) // the length and part of the body
	require.NoError(t, err)
	for pending(t, r) > 0 { // until the reader has taken it
		runtime.Gosched()
	}
	_, err = fw.Write(b[6:])
	require.NoError(t, err)
	require.NoError(t, <-errc)
	f := <-got
	assert.Equal(t, uint64(7), f.ID)
	assert.Equal(t, "split across two writes", string(f.Payload))
}

// A frame larger than the pipe holds (64 KiB) goes through: the writer
// waits for room, the reader for bytes, many times over.
func TestRawReadWrite_FrameOverPipeCapacity(t *testing.T) {
	r, w := rawPipe(t)
	payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<16) // 1 MiB
	errc := make(chan error, 1)
	go func() {
		fw := newFrameWriter(w)
		errc <- fw.write(Frame{Kind: KindResponse, ID: 1, Payload: payload}, DefaultMaxFrame)
	}()
	f, err := ReadFrame(bufio.NewReaderSize(rawReader(r), 64<<10), DefaultMaxFrame)
	require.NoError(t, err)
	require.NoError(t, <-errc)
	assert.True(t, bytes.Equal(payload, f.Payload), "the payload arrives intact")
}

// Many frames written at once, read in one read, come out one by one.
func TestRawRead_ManyFramesInOneRead(t *testing.T) {
	r, w := rawPipe(t)
	var all []byte
	for i := range 200 {
		all = append(all, frameBytes(t, Frame{Kind: KindResponse, ID: uint64(i), Payload: []byte{byte(i)}})...)
	}
	_, err := rawWriter(w).Write(all)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	rr := rawReader(r)
	p := make([]byte, 64<<10)
	n, err := rr.Read(p)
	require.NoError(t, err)
	require.Equal(t, len(all), n, "one read takes every frame")
	br := bufio.NewReader(io.MultiReader(bytes.NewReader(p[:n]), rr))
	for i := range 200 {
		f, err := ReadFrame(br, DefaultMaxFrame)
		require.NoError(t, err)
		require.Equal(t, uint64(i), f.ID)
		require.Equal(t, []byte{byte(i)}, f.Payload)
	}
	_, err = ReadFrame(br, DefaultMaxFrame)
	assert.Equal(t, io.EOF, err, "then the writer's close")
}

// The writer closing right after its last frame is seen every time, in
// whatever order its last bytes, its close and the reader's wake-up come:
// a reader that skipped the read after one that drained the pipe would
// miss the close when it lands between the poller's report of the last
// bytes and their read, and hang.
func TestRawReadEOFAfterLastFrame(t *testing.T) {
	for round := range 300 {
		r, w, err := os.Pipe()
		require.NoError(t, err)
		const frames = 20
		go func() {
			fw := newFrameWriter(w)
			for i := range frames {
				fw.write(Frame{Kind: KindResponse, ID: uint64(i), Payload: bytes.Repeat([]byte{1}, i*i*200)}, DefaultMaxFrame)
			}
			w.Close()
		}()
		done := make(chan error, 1)
		var got int
		go func() {
			br := bufio.NewReaderSize(rawReader(r), 64<<10)
			for {
				f, err := ReadFrame(br, DefaultMaxFrame)
				if err != nil {
					done <- err
					return
				}
				if f.ID != uint64(got) {
					done <- errors.New("out of order")
					return
				}
				got++
			}
		}()
		select {
		case err := <-done:
			require.Equal(t, io.EOF, err, "round %d", round)
			require.Equal(t, frames, got, "round %d", round)
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: no end seen after %d frames", round, got)
		}
		r.Close()
	}
}

// Closing the file under a reader that waits, or before a write, ends it
// with os.File's error.
func TestRawFile_Closed(t *testing.T) {
	r, w := rawPipe(t)
	rr := rawReader(r)
	errc := make(chan error, 1)
	go func() {
		_, err := rr.Read(make([]byte, 10))
		errc <- err
	}()
	require.NoError(t, r.Close())
	err := <-errc
	assert.ErrorIs(t, err, os.ErrClosed)
	var pe *os.PathError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "read", pe.Op)

	ww := rawWriter(w)
	_, err = ww.Write([]byte("x"))
	assert.ErrorIs(t, err, syscall.EPIPE, "the reading end is gone")
	require.NoError(t, w.Close())
	_, err = ww.Write([]byte("x"))
	assert.ErrorIs(t, err, os.ErrClosed)
}

// A Conn and Serve over os.Pipe, both raw, carry calls both ways.
func TestRawConnServe(t *testing.T) {
	reqR, reqW := rawPipe(t)
	respR, respW := rawPipe(t)
	served := make(chan error, 1)
	go func() { served <- Serve(context.Background(), reqR, respW); respW.Close() }()
	c, err := NewConn(context.Background(), respR, reqW)
	require.NoError(t, err)
	for i := range 100 {
		payload := bytes.Repeat([]byte{byte(i)}, i*1000)
		out, err := c.RoundTrip(context.Background(), Request{Name: "remote.rawio.echo", Payload: payload})
		require.NoError(t, err)
		require.True(t, bytes.Equal(payload, out))
	}
	require.NoError(t, c.Close())
	require.NoError(t, <-served)
	<-c.Done()
	assert.ErrorIs(t, c.Err(), ErrClosed)
}

var _ = Register("remote.rawio.echo", func(_ context.Context, b []byte) ([]byte, error) { return b, nil })

// A raw reader told it is idle waits in ppoll, on its thread: it still
// gets what is written later, and the end of the pipe.
func TestRawRead_IdleWaitsInPpoll(t *testing.T) {
	r, w := rawPipe(t)
	rr := rawReader(r)
	var asked atomic.Int32
	waitIdle(rr, func() bool { asked.Add(1); return true })
	got := make(chan []byte, 1)
	go func() {
		b := make([]byte, 16)
		n, err := rr.Read(b)
		assert.NoError(t, err)
		got <- b[:n]
	}()
	// The reader reads nothing until this write, so it asks idle and
	// waits, in ppoll or (if it has not got that far) not yet.
	_, err := w.Write([]byte("frame"))
	require.NoError(t, err)
	assert.Equal(t, "frame", string(<-got))

	done := make(chan error, 1)
	before := asked.Load()
	go func() {
		_, err := rr.Read(make([]byte, 16))
		done <- err
	}()
	for asked.Load() == before { // it waits: nothing is written
		runtime.Gosched()
	}
	require.NoError(t, w.Close())
	assert.Equal(t, io.EOF, <-done, "the writer's close ends the wait")
}

// A raw reader that is not idle leaves the wait to the poller, whose wait
// closing the file cuts short.
func TestRawRead_BusyWaitsInThePoller(t *testing.T) {
	r, _ := rawPipe(t)
	rr := rawReader(r)
	var asked atomic.Int32
	waitIdle(rr, func() bool { asked.Add(1); return false })
	done := make(chan error, 1)
	go func() {
		_, err := rr.Read(make([]byte, 16))
		done <- err
	}()
	for asked.Load() == 0 {
		runtime.Gosched()
	}
	require.NoError(t, r.Close())
	assert.ErrorIs(t, <-done, os.ErrClosed)
}

// The reading waits in ppoll only for a client that sends one call at a
// time: not right after handing a request on because more input waited,
// nor with a call in flight.
func TestReading_IdleOnlyInLockstep(t *testing.T) {
	s := newSession(context.Background(), nil, DefaultMaxFrame)
	rd := &reading{s: s}
	assert.True(t, rd.idle())
	rd.pipelined = true
	assert.False(t, rd.idle(), "requests came pipelined")
	assert.True(t, rd.idle(), "none since")
	s.calls[1] = func() {}
	assert.False(t, rd.idle(), "a call in flight")
}

// A Serve whose ctx can end never waits where closing r cannot reach it:
// ending ctx while it waits, idle, for a request over an os.Pipe ends it.
func TestRawServe_CtxEndsAnIdleWait(t *testing.T) {
	reqR, reqW := rawPipe(t)
	respR, respW := rawPipe(t)
	ctx, cancel := context.WithCancelCause(context.Background())
	served := make(chan error, 1)
	go func() { served <- Serve(ctx, reqR, respW) }()
	c, err := NewConn(context.Background(), respR, reqW)
	require.NoError(t, err)
	payload, err := Gob.Marshal(&[]byte{1, 2})
	require.NoError(t, err)
	_, err = c.RoundTrip(context.Background(), Request{Name: "remote.rawio.echo", Payload: payload})
	require.NoError(t, err)
	waitingToRead(t)
	why := errors.New("why")
	cancel(why)
	assert.Equal(t, why, <-served)
	c.Close()
}

// waitingToRead returns once a goroutine waits in a rawFile's Read, in
// the poller or in a system call.
func waitingToRead(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		for _, g := range strings.Split(string(buf[:n]), "\n\n") {
			header, _, _ := strings.Cut(g, "\n")
			if strings.Contains(g, "remote.(*rawFile).Read(") &&
				(strings.Contains(header, "[IO wait") || strings.Contains(header, "[syscall")) {
				return
			}
		}
		runtime.Gosched()
	}
}
