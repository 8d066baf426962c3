package limiter

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error this package returns wraps one of them (or
// is the cause of a done context), so callers can branch with [errors.Is].
var (
	// ErrInvalidLimit: a constructor got a name, rate, period, burst,
	// capacity or option that cannot work (zero, negative, out of range).
	ErrInvalidLimit = errors.New("limiter: invalid limit")

	// ErrInvalidSet: a set or set pool was built from nothing, from a nil
	// member, or from two limits with the same name.
	ErrInvalidSet = errors.New("limiter: invalid set")

	// ErrInvalidRequest: a request asked a negative amount, named a limit
	// that is not there, or a report gave a negative usage.
	ErrInvalidRequest = errors.New("limiter: invalid request")

	// ErrExceedsCapacity: a request asked more units of one limit than that
	// limit can ever grant at once (its burst, window size or capacity).
	// Waiting would never end, so the request fails at once instead.
	ErrExceedsCapacity = errors.New("limiter: request exceeds capacity")

	// ErrWouldBlock: a Try* form could not acquire without waiting: the
	// units are not free, or earlier requests are queued for them.
	ErrWouldBlock = errors.New("limiter: acquisition would block")
)

// LimitError is the error for bad input about one named limit: which limit,
// what was wrong, and the sentinel it wraps ([ErrInvalidLimit],
// [ErrInvalidRequest], [ErrExceedsCapacity] or [ErrInvalidSet]).
type LimitError struct {
	// Limit is the name of the limit concerned; empty for a problem with a
	// set as a whole.
	Limit string
	// Err is the sentinel the error wraps.
	Err error
	// Msg says what was wrong, with the offending value.
	Msg string
}

// Error returns "limiter: limit NAME: MSG", or "limiter: MSG" with no name.
func (e *LimitError) Error() string {
	if e.Limit == "" {
		return "limiter: " + e.Msg
	}
	return fmt.Sprintf("limiter: limit %q: %s", e.Limit, e.Msg)
}

// Unwrap returns the sentinel, so errors.Is(err, ErrExceedsCapacity) works.
func (e *LimitError) Unwrap() error { return e.Err }

func limitErr(name string, sentinel error, format string, args ...any) error {
	return &LimitError{Limit: name, Err: sentinel, Msg: fmt.Sprintf(format, args...)}
}
