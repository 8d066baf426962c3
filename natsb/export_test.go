package natsb

// SetBeforeAck sets the hook a durable worker runs between publishing a
// task's result and acking it.
func SetBeforeAck(f func(delivered uint64)) { beforeAck = f }
