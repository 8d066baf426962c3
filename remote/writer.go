package remote

import (
	"bufio"
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// frameWriter writes frames from many goroutines. A writer that finds
// others waiting leaves the flush to the last of them, so frames written
// at once share a system call; a lone writer flushes at once.
type frameWriter struct {
	waiting atomic.Int32
	mu      sync.Mutex
	bw      *bufio.Writer
	buf     []byte
	err     error // the first write error; every later write returns it
}

// newFrameWriter returns a frameWriter on w, which it writes with raw
// system calls if w is a non-blocking file (see rawio_linux.go).
func newFrameWriter(w io.Writer) *frameWriter {
	return &frameWriter{bw: bufio.NewWriterSize(rawWriter(w), 64<<10)}
}

// write writes f, whose body must be at most limit bytes. An error that
// comes from encoding f (ErrFrameTooLarge, say) leaves the stream as it
// was; an error from the underlying writer sticks, since the stream is
// broken: every later write returns it.
func (fw *frameWriter) write(f Frame, limit int) error {
	fw.waiting.Add(1)
	fw.mu.Lock()
	defer fw.mu.Unlock()
	last := fw.waiting.Add(-1) == 0
	if fw.err != nil {
		return fw.err
	}
	b, encErr := appendFrame(fw.buf[:0], f, limit)
	if encErr == nil {
		if _, err := fw.bw.Write(b); err != nil {
			fw.err = err
			return err
		}
	}
	if cap(b) <= 1<<20 {
		fw.buf = b // keep no huge buffer alive for small frames
	} else {
		fw.buf = nil
	}
	if last {
		if err := fw.bw.Flush(); err != nil {
			fw.err = err
			return err
		}
	}
	return encErr
}

// close flushes what is buffered and closes w; later writes fail with
// ErrClosed.
func (fw *frameWriter) close(w io.Closer) error {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	var err error
	if fw.err == nil {
		err = fw.bw.Flush()
		fw.err = ErrClosed
	}
	return errors.Join(err, w.Close())
}
