package natsb

import "context"

// SetBeforeAck sets the hook a durable worker runs between publishing a
// task's result and acking it.
func SetBeforeAck(f func(delivered uint64)) { beforeAck = f }

// SetNoProgress stops a durable worker's running tasks from marking
// progress, and has it call f when a task is delivered to it again.
func SetNoProgress(f func()) { noProgress, redelivered = true, f }

// SetDropResult has a durable dispatcher ignore the result deliveries for
// which f returns true, as if they were lost; nil undoes it.
func SetDropResult(f func(id, delivered uint64) bool) { dropResult = f }

// AwaitLanesAtMost waits until d.Lanes(name) is at most n, as
// [Dispatcher.AwaitLanes] waits for at least n.
func AwaitLanesAtMost(ctx context.Context, d *Dispatcher, name string, n int) error {
	return d.onChange(ctx, func() (bool, error) { return d.Lanes(name) <= n, nil })
}
