package seam

import "context"

// Func is the backend of pool.New and flow.Pool: fn on the worker's own
// goroutine, with nothing per worker.
type Func[In, Out any] func(ctx context.Context, in In) (Out, error)

// Run calls fn.
func (fn Func[In, Out]) Run(ctx context.Context, _ int, in In) (Out, error) { return fn(ctx, in) }

// WorkerEnded does nothing.
func (Func[In, Out]) WorkerEnded(int) {}

// Close does nothing.
func (Func[In, Out]) Close() error { return nil }
