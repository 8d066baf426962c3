package proc

import (
	"errors"
	"fmt"
	"os"
)

// ErrProcessLost is matched (errors.Is) by the [*LostError] of every call
// that was in flight on a worker process when it died or was killed, and
// of every call made on it afterwards. It is the error a backend adapter
// on the stage seam maps to stage.ErrWorkerLost.
var ErrProcessLost = errors.New("proc: worker process lost")

// ErrClosed is the error of a call made after [Process.Close].
var ErrClosed = errors.New("proc: process closed")

// ErrUnresponsive is wrapped by the Cause of a [*LostError] when the
// process was killed because a cancelled call stayed unanswered longer
// than [WithHardTimeout] allows.
var ErrUnresponsive = errors.New("proc: worker did not answer a cancelled call in time")

// LostError is the error of the calls on a worker process that ended
// while they were in flight, and of calls made on it afterwards. It
// matches [ErrProcessLost], and unwraps to Cause, so a kill with
// context.DeadlineExceeded as the cause matches that too.
type LostError struct {
	Pid   int
	State *os.ProcessState // how the process ended: exit status or signal
	// Cause says why, if the process did not die on its own: the cause
	// given to [Process.Kill], an error wrapping [ErrUnresponsive], or
	// what ended the pipes of a process that then had to be killed.
	Cause error
}

// Error says which process, how it ended and why.
func (e *LostError) Error() string {
	s := fmt.Sprintf("proc: worker process %d lost (%v)", e.Pid, e.State)
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

// Is reports whether target is [ErrProcessLost].
func (e *LostError) Is(target error) bool { return target == ErrProcessLost }

// Unwrap returns Cause.
func (e *LostError) Unwrap() error { return e.Cause }
