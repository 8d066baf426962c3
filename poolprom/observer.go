package poolprom

import (
	"context"

	"github.com/sluice-go/sluice/pool"
)

var _ pool.Observer = (*Collector)(nil)

// TaskStarted records in the wait histogram how long a task of the pool
// t.Pool waited between Submit and its start, and returns ctx as it is.
// Tasks of pools not added are ignored. It implements pool.Observer.
func (c *Collector) TaskStarted(ctx context.Context, t pool.TaskStart) context.Context {
	if po := c.lookup(t.Pool); po != nil {
		po.wait.Observe(t.Waited.Seconds())
	}
	return ctx
}

// TaskFinished records in the run histogram, under its outcome, how long a
// task of the pool t.Pool ran. Tasks of pools not added are ignored. It
// implements pool.Observer.
func (c *Collector) TaskFinished(_ context.Context, t pool.TaskEnd) {
	po := c.lookup(t.Pool)
	if po == nil {
		return
	}
	if t.Outcome >= 0 && int(t.Outcome) < len(po.run) {
		po.run[t.Outcome].Observe(t.Ran.Seconds())
		return
	}
	// An outcome newer than this package: still recorded, at the cost of
	// a label lookup.
	c.run.WithLabelValues(t.Pool, t.Outcome.String()).Observe(t.Ran.Seconds())
}

func (c *Collector) lookup(poolName string) *poolObservers {
	v, ok := c.observers.Load(poolName)
	if !ok {
		return nil
	}
	return v.(*poolObservers)
}
