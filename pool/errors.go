package pool

import (
	"errors"
	"fmt"

	"github.com/sluice-go/sluice/future"
)

var (
	// ErrStopped is the error of a future submitted to a pool that is
	// stopping or stopped.
	ErrStopped = errors.New("pool: stopped")

	// ErrFull is the error of a future submitted to a pool made
	// WithMaxPending(n, Fail) while n tasks are pending.
	ErrFull = errors.New("pool: too many pending tasks")

	// errCancelledByStop settles tasks a cancelled stop took off the
	// queues: it matches ErrStopped, future.ErrCancelled and
	// context.Canceled.
	errCancelledByStop = fmt.Errorf("%w: %w", ErrStopped, future.ErrCancelled)
)
