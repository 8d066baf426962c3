package proc

import (
	"fmt"
)

// watch ends the Process: once the process has exited and its pipe has
// delivered every answer, it settles Err and closes done. Either may come
// first; the other gets the grace period.
func (p *Process) watch() {
	select {
	case <-p.exited:
		// The exit closed the child's end of the pipe, so reading ends
		// at once, unless a program the worker started holds it. Closing
		// the Conn has it read to the end even when no call is in flight.
		p.conn.Close()
		select {
		case <-p.conn.Done():
		case <-p.after():
			p.respR.Close()
			<-p.conn.Done()
		}
	case <-p.conn.Done():
		// The worker closed its pipe or broke the protocol.
		select {
		case <-p.exited:
		case <-p.after():
			p.kill(fmt.Errorf("proc: its pipe ended (%v) and it did not exit", p.conn.Err()))
			<-p.exited
		}
	}
	p.conn.Close() // closes the request pipe, if Close has not
	p.respR.Close()
	p.mu.Lock()
	if !p.closing || p.cause != nil || !p.state.Success() {
		p.err = &LostError{Pid: p.pid, State: p.state, Cause: p.cause}
	}
	p.mu.Unlock()
	close(p.done)
}

// after returns a channel that delivers once the grace period is over.
func (p *Process) after() <-chan struct{} {
	c := make(chan struct{})
	go func() {
		t, stop := p.graceTimer()
		defer stop()
		select {
		case <-t:
		case <-p.done:
		}
		close(c)
	}()
	return c
}

// kill sends SIGKILL, recording cause as the reason if the process has
// not ended yet. It does not wait.
func (p *Process) kill(cause error) {
	p.mu.Lock()
	select {
	case <-p.exited:
	default:
		if p.cause == nil {
			p.cause = cause
		}
	}
	p.mu.Unlock()
	p.cmd.Process.Kill() // fails only if the process has been reaped
}

// Kill kills the worker at once with SIGKILL, the hard kill for a call
// that overran its timeout, and reports: it waits until the process is
// reaped and every call in flight has failed with a [*LostError] whose
// Cause is cause (which may be nil), and returns that error. On a process
// that has already ended it returns [Process.Err].
func (p *Process) Kill(cause error) error {
	p.kill(cause)
	<-p.done
	return p.Err()
}

// Close ends the worker gracefully: no new calls (they fail with
// [ErrClosed]), then it closes the request pipe, upon which the worker
// cancels the calls still in flight (their answers still come back),
// closes its stateful workers and exits. If it has not exited after the
// grace period ([WithGrace]), Close kills it. Close returns once the
// process is reaped: nil if it exited cleanly, or else the [*LostError]
// that [Process.Err] returns. It may be called more than once.
func (p *Process) Close() error {
	p.mu.Lock()
	already := p.closing
	p.closing = true
	p.mu.Unlock()
	if !already {
		p.conn.Close()
		select {
		case <-p.done:
		case <-p.after():
			p.kill(fmt.Errorf("%w, and did not exit within the grace period of %v", ErrClosed, p.o.grace))
		}
	}
	<-p.done
	return p.Err()
}

// Done returns a channel that is closed when the process has been reaped
// and every call made on it has its result: the "this worker ended"
// signal.
func (p *Process) Done() <-chan struct{} { return p.done }

// Err returns nil while the process runs, and after a clean exit that
// [Process.Close] asked for; otherwise, once [Process.Done] is closed,
// the [*LostError] that says how it ended.
func (p *Process) Err() error {
	select {
	case <-p.done:
	default:
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}
