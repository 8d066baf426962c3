package poolprom

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-go/sluice/pool"
)

const (
	subsystem    = "pool"
	labelPool    = "pool"
	labelWorker  = "worker"
	labelOutcome = "outcome"
)

// descs describes the series read from pool.Stats at scrape time.
type descs struct {
	submitted, dropped, completed, queued, running, workers *prometheus.Desc

	wAssigned, wCompleted, wQueued, wRunning *prometheus.Desc
}

func newDescs(ns string) descs {
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(ns, subsystem, name), help, labels, nil)
	}
	return descs{
		submitted: desc("tasks_submitted_total", "Tasks accepted by Submit.", labelPool),
		dropped:   desc("tasks_dropped_total", "Submissions refused: pool stopped or full.", labelPool),
		completed: desc("tasks_completed_total", "Tasks finished, by outcome.", labelPool, labelOutcome),
		queued:    desc("tasks_queued", "Tasks waiting for a worker.", labelPool),
		running:   desc("tasks_running", "Tasks running.", labelPool),
		workers:   desc("workers", "Workers of the pool.", labelPool),

		wAssigned:  desc("worker_tasks_assigned_total", "Tasks ever given to the worker.", labelPool, labelWorker),
		wCompleted: desc("worker_tasks_completed_total", "Tasks the worker finished, by outcome.", labelPool, labelWorker, labelOutcome),
		wQueued:    desc("worker_tasks_queued", "Tasks waiting for the worker.", labelPool, labelWorker),
		wRunning:   desc("worker_tasks_running", "Tasks the worker is running.", labelPool, labelWorker),
	}
}

// Describe sends the descriptors of every series c can export. It
// implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.d.submitted, c.d.dropped, c.d.completed, c.d.queued, c.d.running, c.d.workers,
	} {
		ch <- d
	}
	if c.perWorker {
		for _, d := range []*prometheus.Desc{c.d.wAssigned, c.d.wCompleted, c.d.wQueued, c.d.wRunning} {
			ch <- d
		}
	}
	c.wait.Describe(ch)
	c.run.Describe(ch)
}

// Collect reads the Stats of every pool added and sends them, with the
// latency histograms. It implements prometheus.Collector.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	for _, n := range c.snapshot() {
		c.collectPool(ch, n.name, n.src.Stats())
	}
	c.wait.Collect(ch)
	c.run.Collect(ch)
}

func (c *Collector) collectPool(ch chan<- prometheus.Metric, name string, s pool.Stats) {
	counter := func(d *prometheus.Desc, v uint64, lvs ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), lvs...)
	}
	gauge := func(d *prometheus.Desc, v int, lvs ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v), lvs...)
	}
	counter(c.d.submitted, s.Submitted, name)
	counter(c.d.dropped, s.Dropped, name)
	counter(c.d.completed, s.Succeeded, name, pool.Succeeded.String())
	counter(c.d.completed, s.Failed, name, pool.Failed.String())
	counter(c.d.completed, s.Cancelled, name, pool.Cancelled.String())
	gauge(c.d.queued, s.Queued, name)
	gauge(c.d.running, s.Running, name)
	gauge(c.d.workers, len(s.Workers), name)
	if !c.perWorker {
		return
	}
	for i, w := range s.Workers {
		idx := strconv.Itoa(i)
		counter(c.d.wAssigned, w.Assigned, name, idx)
		counter(c.d.wCompleted, w.Succeeded, name, idx, pool.Succeeded.String())
		counter(c.d.wCompleted, w.Failed, name, idx, pool.Failed.String())
		counter(c.d.wCompleted, w.Cancelled, name, idx, pool.Cancelled.String())
		gauge(c.d.wQueued, w.Queued, name, idx)
		gauge(c.d.wRunning, w.Running, name, idx)
	}
}
