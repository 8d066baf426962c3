package poolprom

import (
	"time"

	"github.com/sluice-go/sluice/pool"
)

var _ pool.Observer = (*Collector)(nil)

// TaskStarted records in the wait histogram how long a task of the named
// pool waited between Submit and its start. Tasks of pools not added are
// ignored. It implements pool.Observer.
func (c *Collector) TaskStarted(poolName string, _ int, waited time.Duration) {
	if po := c.lookup(poolName); po != nil {
		po.wait.Observe(waited.Seconds())
	}
}

// TaskFinished records in the run histogram, under its outcome, how long a
// task of the named pool ran. Tasks of pools not added are ignored. It
// implements pool.Observer.
func (c *Collector) TaskFinished(poolName string, _ int, ran time.Duration, outcome pool.Outcome) {
	po := c.lookup(poolName)
	if po == nil {
		return
	}
	if outcome >= 0 && int(outcome) < len(po.run) {
		po.run[outcome].Observe(ran.Seconds())
		return
	}
	// An outcome newer than this package: still recorded, at the cost of
	// a label lookup.
	c.run.WithLabelValues(poolName, outcome.String()).Observe(ran.Seconds())
}

func (c *Collector) lookup(poolName string) *poolObservers {
	v, ok := c.observers.Load(poolName)
	if !ok {
		return nil
	}
	return v.(*poolObservers)
}
