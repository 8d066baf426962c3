package remote

import (
	"io"
	"os"
	"syscall"
	"unsafe"
)

// On Linux, a frame stream over a non-blocking descriptor that the runtime
// polls, such as either end of an os.Pipe, is read and written with raw
// system calls through its syscall.RawConn rather than through os.File's
// Read and Write. A raw call does not enter the scheduler's system-call
// state, and that matters to a process that idles between frames: the
// first ordinary system call made after every P went idle wakes sysmon,
// which then polls every 20 µs until the process idles again. A parent
// waiting on worker processes paid that, a futex wake-up, nanosleeps and
// context switches, for nearly every answer. A read or write on a
// non-blocking descriptor does not block, so it may be raw; waiting is
// left to the runtime's poller, as os.File does.
//
// The reads are os.File's otherwise: a read that drained the descriptor
// is followed by one that fails with EAGAIN before the wait. Skipping it
// when the last read returned less than it asked for is not safe: the
// poller is edge-triggered and reports readiness once for whatever
// happened before the read, so a writer's close that lands between the
// report of its last bytes and the read of them is never reported again,
// and only a read that returns 0 shows it (TestRawReadEOFAfterLastFrame).
//
// A reader with nothing else to wait for, a worker process with no call
// in flight (see waitIdle), waits for its next frame in a blocking
// ppoll(2) on its thread instead of in the poller: the kernel then wakes
// that thread itself when the frame comes. On the project's 2-core
// virtual machine a tiny call to a worker process then costs p50 28 µs,
// against 55 µs when the worker waits in the poller and 19.5 µs for a bare
// pipe loop (bench's BenchmarkProcess, proc-direct and raw-pipe, medians
// of 6 interleaved rounds on 2026-12-03). A worker with calls in flight,
// or whose calls come pipelined, waits in the poller, so that the calls'
// goroutines keep every P. (The ppoll is an ordinary system call, which
// wakes sysmon as said above; for a worker that waits on its caller, that
// costs less than the poller's wake-up.)
//
// Anything else (a blocking descriptor, a net.Conn, an io.Pipe) is read
// and written as it is. A non-blocking file the runtime could not add to
// its poller (a regular file) is read raw and fails on EAGAIN as os.File
// would.

// rawFile is a non-blocking descriptor read or written raw. One rawFile
// is either read, by one bufio.Reader, or written, by one bufio.Writer
// whose owner serializes the writes, so the call in progress is kept in
// it and a call makes no closure of its own.
type rawFile struct {
	f  *os.File
	rc syscall.RawConn

	p     []byte // the call in progress: its buffer,
	n     int    // the bytes moved so far,
	errno syscall.Errno
	read  func(fd uintptr) bool // f.readOnce, made once
	write func(fd uintptr) bool // f.writeOnce, made once

	idle     func() bool   // see waitIdle; nil: always wait in the poller
	readIdle func(uintptr) // f.readOrPoll, made once
	got      bool          // readOrPoll read something, an end or an error
}

// newRawFile returns x as a rawFile if x is an *os.File whose descriptor
// is non-blocking, or else nil.
func newRawFile(x any) *rawFile {
	f, ok := x.(*os.File)
	if !ok {
		return nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	nonBlocking := false
	if err := rc.Control(func(fd uintptr) {
		fl, _, e := syscall.RawSyscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		nonBlocking = e == 0 && fl&syscall.O_NONBLOCK != 0
	}); err != nil || !nonBlocking {
		return nil
	}
	rf := &rawFile{f: f, rc: rc}
	rf.read, rf.write, rf.readIdle = rf.readOnce, rf.writeOnce, rf.readOrPoll
	return rf
}

// waitIdle has r, if it is read raw, wait for its input in a blocking
// system call while idle reports true, rather than in the poller. Such a
// wait cannot be cut short by closing r: idle must report true only when
// nothing else is to be waited for.
func waitIdle(r io.Reader, idle func() bool) {
	if f, ok := r.(*rawFile); ok {
		f.idle = idle
	}
}

// rawReader returns r, read raw if it can be.
func rawReader(r io.Reader) io.Reader {
	if f := newRawFile(r); f != nil {
		return f
	}
	return r
}

// rawWriter returns w, written raw if it can be.
func rawWriter(w io.Writer) io.Writer {
	if f := newRawFile(w); f != nil {
		return f
	}
	return w
}

// Read reads what the descriptor holds, up to len(p), waiting until it
// holds something; at its end it returns io.EOF.
func (f *rawFile) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var err error
	if f.idle != nil {
		n, err = f.callIdle(p)
	} else {
		n, err = f.call(p, false)
	}
	switch {
	case err != nil:
		return 0, err
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// readOnce is one try of Read on fd: false if fd holds nothing yet.
func (f *rawFile) readOnce(fd uintptr) bool {
	for {
		n, _, errno := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(unsafe.SliceData(f.p))), uintptr(len(f.p)))
		switch errno {
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		case 0:
			f.n = int(n)
			return true
		default:
			f.errno = errno
			return true
		}
	}
}

// callIdle is call for a read, which waits in ppoll while f.idle says so,
// and in the poller otherwise.
func (f *rawFile) callIdle(p []byte) (int, error) {
	f.p, f.n, f.errno, f.got = p, 0, 0, false
	err := f.rc.Control(f.readIdle)
	n, errno, got := f.n, f.errno, f.got
	f.p = nil
	switch {
	case err != nil:
		return 0, f.fileErr("read", err)
	case errno != 0:
		return 0, &os.PathError{Op: "read", Path: f.f.Name(), Err: errno}
	case !got:
		return f.call(p, false) // no longer idle: wait in the poller
	}
	return n, nil
}

// readOrPoll reads into f.p, waiting in ppoll while f.idle says so; got
// tells whether it read (or failed) or left the wait to the poller.
func (f *rawFile) readOrPoll(fd uintptr) {
	for {
		if f.got = f.readOnce(fd); f.got || !f.idle() {
			return
		}
		pfd := struct {
			fd              int32
			events, revents int16
		}{int32(fd), pollIn, 0}
		_, _, errno := syscall.Syscall6(syscall.SYS_PPOLL, uintptr(unsafe.Pointer(&pfd)), 1, 0, 0, 0, 0)
		if errno != 0 && errno != syscall.EINTR {
			f.errno, f.got = errno, true
			return
		}
	}
}

// pollIn is POLLIN, for ppoll.
const pollIn = 0x1

// Write writes all of p, waiting whenever the descriptor is full.
func (f *rawFile) Write(p []byte) (int, error) {
	return f.call(p, true)
}

// call reads into p, or writes p, through the RawConn, and returns the
// bytes moved and the error os.File would return.
func (f *rawFile) call(p []byte, write bool) (int, error) {
	f.p, f.n, f.errno = p, 0, 0
	op, err := "read", error(nil)
	if write {
		op, err = "write", f.rc.Write(f.write)
	} else {
		err = f.rc.Read(f.read)
	}
	n, errno := f.n, f.errno
	f.p = nil
	switch {
	case err != nil:
		return n, f.fileErr(op, err)
	case errno != 0:
		return n, &os.PathError{Op: op, Path: f.f.Name(), Err: errno}
	}
	return n, nil
}

// writeOnce writes what it can of the rest of Write's buffer to fd: false
// if fd is full before the end.
func (f *rawFile) writeOnce(fd uintptr) bool {
	for f.n < len(f.p) {
		rest := f.p[f.n:]
		k, _, e := syscall.RawSyscall(syscall.SYS_WRITE, fd, uintptr(unsafe.Pointer(unsafe.SliceData(rest))), uintptr(len(rest)))
		switch e {
		case 0:
			f.n += int(k)
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			f.errno = e
			return true
		}
	}
	return true
}

// fileErr is the error os.File would return for the RawConn's error err
// (the file was closed, mostly): a zero-length Read of the file reports
// its state without a system call.
func (f *rawFile) fileErr(op string, err error) error {
	if _, ferr := f.f.Read(nil); ferr != nil {
		if pe, ok := ferr.(*os.PathError); ok {
			pe.Op = op
		}
		return ferr
	}
	return &os.PathError{Op: op, Path: f.f.Name(), Err: err}
}
