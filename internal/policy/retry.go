package policy

import (
	"context"
	"fmt"
	"time"
)

// Retry says how often a failed task is tried again and when. The zero
// value tries once.
type Retry struct {
	// Attempts is the number of tries in all, first included; 0 means 1.
	Attempts int
	// Backoff is the wait before each retry.
	Backoff Backoff
	// If decides whether an error is worth a retry; nil retries every
	// error except the task context's cancellation and a *future.PanicError
	// (a panic is a bug, not a transient failure).
	If func(err error) bool
}

// Validate reports a negative attempt count or a bad backoff, naming it.
func (r Retry) Validate() error {
	if r.Attempts < 0 {
		return fmt.Errorf("retry attempts %d is negative", r.Attempts)
	}
	return r.Backoff.Validate()
}

// sleep waits d or until ctx is done, and reports whether it waited d.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
