package future

import (
	"errors"
	"fmt"
	"runtime/debug"
)

// ErrGoexit is the error a future settles with when the function behind it
// called [runtime.Goexit] (t.FailNow in a test, for one) instead of returning.
var ErrGoexit = errors.New("future: function called runtime.Goexit")

// PanicError is the error a future settles with when the function behind it
// panicked, and what [WithPanicHandler] hands a callback's handler. It keeps
// the panic value and the stack of the panicking goroutine. If the value is
// an error, Unwrap returns it, so errors.Is and errors.As see through the
// panic.
type PanicError struct {
	Value any    // the value passed to panic
	Stack []byte // the panicking goroutine's stack, as debug.Stack formats it
}

// NewPanicError returns a PanicError for a value recovered from a panic,
// with the current goroutine's stack. Call it in the deferred function that
// recovered, so the stack still shows where the panic happened.
func NewPanicError(recovered any) *PanicError {
	return &PanicError{Value: recovered, Stack: debug.Stack()}
}

// Error returns the panic value and the stack.
func (e *PanicError) Error() string {
	return fmt.Sprintf("panic: %v\n\n%s", e.Value, e.Stack)
}

// Unwrap returns the panic value if it is an error, and nil otherwise.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}
