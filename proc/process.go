package proc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"time"

	"github.com/sluice-go/sluice/remote"
)

// Process is a worker process: a child running [Main], reached through
// pipes of its own, and a [remote.Transport], so a [remote.Func] calls it
// with f.Call(ctx, p, worker, in). Any number of calls may be in flight
// at once; they are pipelined on the pipes and matched by id. A Process
// is safe for concurrent use and must not be copied.
//
// The process is reaped exactly once, by a goroutine of its own, however
// it ends. When it dies, every call in flight on it fails with a
// [*LostError], which matches [ErrProcessLost] and carries the exit
// status; [Process.Done] closes once that has happened.
//
// A tiny call (an int squared, gob-encoded) costs little more than a raw
// pipe loop with the same frames and codec: p50 27 µs on a Process against
// 18 µs for the loop (bench's BenchmarkProcess, proc-direct and raw-pipe,
// bench/RESULTS.md of 2026-12-03, 2-core virtual machine), since the
// calling goroutine reads its own answer and the worker runs the call on
// the goroutine that read it. Submitted to a pool on [NewBackend], it
// costs p50 79 µs: the pool hands the task to a worker goroutine and the
// result back, which costs about as much whatever the transport (the raw
// loop behind a pool's worker: 54 µs, behind a bare channel: 48 µs, in
// the same run). With 16 in flight it ran 75k calls/s against 86k for the
// raw pipe. Starting a worker and making its first call takes a few
// milliseconds.
type Process struct {
	cmd   *exec.Cmd
	conn  *remote.Conn
	respR *os.File
	o     options
	pid   int

	exited chan struct{} // the process was reaped
	done   chan struct{} // reaped, and every call on it has its result
	state  *os.ProcessState

	mu      sync.Mutex
	closing bool
	cause   error
	err     error // set before done closes: nil or a *LostError
}

// Start starts a worker process: the program's own binary unless
// [WithCommand] names another, with [EnvWorker] set in its environment
// and its request and response pipes as file descriptors 3 and 4, and
// waits for its hello. It fails if ctx ends or the start timeout passes
// first, or if the worker exits or speaks another protocol version; the
// worker is then killed and reaped. It refuses to run in a process that
// was itself started as a worker and has not called [Main] (which would
// start workers without end).
func Start(ctx context.Context, opts ...Option) (*Process, error) {
	o := buildOptions(opts)
	if o.err != nil {
		return nil, o.err
	}
	if os.Getenv(EnvWorker) != "" {
		return nil, errors.New("proc: this process was started as a worker, but its main did not call proc.Main first; Start refuses, so that workers do not start workers without end")
	}
	path := o.path
	if path == "" {
		self, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("proc: finding the program's own binary: %w", err)
		}
		path = self
	}
	reqR, reqW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("proc: %w", err)
	}
	respR, respW, err := os.Pipe()
	if err != nil {
		reqR.Close()
		reqW.Close()
		return nil, fmt.Errorf("proc: %w", err)
	}
	cmd := exec.Command(path, o.args...)
	cmd.Env = append(append(os.Environ(), o.env...), fmt.Sprintf("%s=%d", EnvWorker, remote.Version))
	cmd.ExtraFiles = []*os.File{reqR, respW}
	cmd.Stdout, cmd.Stderr = o.output, o.output
	cmd.WaitDelay = o.grace
	err = cmd.Start()
	reqR.Close() // the child's ends: the parent must not hold them open
	respW.Close()
	if err != nil {
		reqW.Close()
		respR.Close()
		return nil, fmt.Errorf("proc: starting %s: %w", path, err)
	}
	p := &Process{cmd: cmd, respR: respR, o: o, pid: cmd.Process.Pid,
		exited: make(chan struct{}), done: make(chan struct{})}
	go p.reap()

	hctx, cancel := context.WithTimeout(ctx, o.startTimeout)
	defer cancel()
	copts := []remote.ConnOption{remote.WithMaxFrame(o.maxFrame)}
	if o.hardTimeout > 0 {
		copts = append(copts, remote.WithUnanswered(o.hardTimeout, func(name string) {
			p.kill(fmt.Errorf("%w: %s, %v after its cancel", ErrUnresponsive, name, o.hardTimeout))
		}))
	}
	p.conn, err = remote.NewConn(hctx, respR, reqW, copts...)
	if err != nil {
		p.kill(err)
		<-p.exited
		respR.Close()
		return nil, fmt.Errorf("proc: starting %s: %w (the worker: %v; does its main call proc.Main first?)", path, err, p.state)
	}
	go p.watch()
	return p, nil
}

// Pid returns the worker's process id.
func (p *Process) Pid() int { return p.pid }

// Names returns the names the worker serves, sorted, as its hello said.
func (p *Process) Names() []string { return p.conn.Names() }

// RoundTrip sends one call to the worker and waits for its answer; it is
// what [remote.Func.Call] uses. It returns the function's error as it
// crossed (see package remote); context.Cause(ctx) at once if ctx ends
// first (the worker's ctx for the call is cancelled too; see
// [WithHardTimeout]); a [*LostError] if the process dies before it
// answers, or had died before; and [ErrClosed] after [Process.Close].
func (p *Process) RoundTrip(ctx context.Context, req remote.Request) ([]byte, error) {
	return p.roundTrip(ctx, req, false)
}

// waiting is p as a transport whose calls, when their ctx ends, wait for
// the worker's answer or its end (remote.Conn.RoundTripWait).
type waiting struct{ p *Process }

func (w waiting) RoundTrip(ctx context.Context, req remote.Request) ([]byte, error) {
	return w.p.roundTrip(ctx, req, true)
}

func (p *Process) roundTrip(ctx context.Context, req remote.Request, wait bool) ([]byte, error) {
	p.mu.Lock()
	closing := p.closing
	p.mu.Unlock()
	if closing {
		return nil, ErrClosed
	}
	var out []byte
	var err error
	if wait {
		out, err = p.conn.RoundTripWait(ctx, req)
	} else {
		out, err = p.conn.RoundTrip(ctx, req)
	}
	if err != nil && (errors.Is(err, remote.ErrConnLost) || err == remote.ErrClosed) {
		// The pipes are gone: the process has died, or is about to be
		// killed by watch. Its own error says how.
		<-p.done
		if perr := p.Err(); perr != nil {
			return nil, perr
		}
		return nil, ErrClosed
	}
	return out, err
}

// reap waits for the process, once.
func (p *Process) reap() {
	p.cmd.Wait() // the exit status is in ProcessState; other errors are about output copying
	p.state = p.cmd.ProcessState
	close(p.exited)
}

// graceTimer returns a channel that fires after the grace period.
func (p *Process) graceTimer() (<-chan time.Time, func() bool) {
	t := time.NewTimer(p.o.grace)
	return t.C, t.Stop
}
