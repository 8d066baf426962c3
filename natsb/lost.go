package natsb

import (
	"errors"
	"fmt"

	"github.com/sluice-go/sluice/remote"
	"github.com/sluice-go/sluice/stage"
)

// ErrClosed is the error of a call on a [Dispatcher] after its Close, and
// of the calls it had in flight then.
var ErrClosed = errors.New("natsb: dispatcher closed")

// ErrNoWorker is wrapped by the error of a call for a name that no
// instance serves, when the dispatcher was told not to wait
// ([WithoutWaiting]).
var ErrNoWorker = errors.New("natsb: no worker instance serves the function")

// ErrTooLarge is wrapped (beside remote.ErrFrameTooLarge, so that both
// match) by the error of a call whose request does not fit in one NATS
// message of the server's max_payload.
var ErrTooLarge = errors.New("natsb: message over the server's max payload")

// LostError is the error of every call that was in flight on a worker
// instance when it was lost: its process died or its connection broke,
// seen by the server's disconnect event, by missed heartbeats or by a
// "no responders" answer. It matches stage.ErrWorkerLost, so a pool or
// flow treats it as a lost worker (and its default retry, if any, runs
// the task again on a fresh instance).
type LostError struct {
	Instance string // the instance's id
	How      string // what showed it: "disconnect event", "missed heartbeats", ...
}

// Error names the instance and how its loss was seen.
func (e *LostError) Error() string {
	return fmt.Sprintf("natsb: worker instance %s lost (%s)", e.Instance, e.How)
}

// Is reports whether target is stage.ErrWorkerLost.
func (e *LostError) Is(target error) bool { return target == stage.ErrWorkerLost }

// tooLarge is the error for a request of n bytes over max.
func tooLarge(name string, n int, max int64) error {
	return fmt.Errorf("natsb: %s: %w: %w: a request of %d bytes, over the server's max_payload of %d",
		name, ErrTooLarge, remote.ErrFrameTooLarge, n, max)
}
