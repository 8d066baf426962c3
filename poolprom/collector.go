package poolprom

import (
	"errors"
	"fmt"
	"reflect"
	"sync"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/sluice-go/sluice/pool"
)

// Source is what a [Collector] exports: a named thing with pool statistics.
// Every *pool.Pool[In, Out] is a Source.
type Source interface {
	// Name is the pool label of the Source's series; Add reads it once.
	Name() string
	// Stats is called once per scrape, concurrently with anything else
	// the Source does, so it must be safe for concurrent use.
	Stats() pool.Stats
}

var (
	// ErrNoName is the error of [Collector.Add] for a Source whose name is
	// empty: name pools with pool.WithName.
	ErrNoName = errors.New("poolprom: pool has no name")

	// ErrDuplicate is the error of [Collector.Add] for a Source whose name
	// is already added.
	ErrDuplicate = errors.New("poolprom: pool name already added")
)

// Collector exports the [pool.Stats] of the pools added to it, read at each
// scrape, and the latency histograms it builds as their [pool.Observer]. It
// implements prometheus.Collector and pool.Observer; see the package doc for
// the contract and the metric names.
//
// Make one with [New]; the zero value is not usable. A Collector is safe for
// concurrent use and must not be copied. Observing a task (TaskStarted and
// TaskFinished together) costs about 67 ns and no allocation
// (BenchmarkObserve/serial); for a scrape, see "Cost" in the package doc.
type Collector struct {
	perWorker bool
	d         descs
	wait, run *prometheus.HistogramVec

	mu      sync.Mutex
	sources map[string]Source

	// observers maps a pool name to *poolObservers, for the pools added.
	// A sync.Map, as it is read on every task and written on Add/Remove.
	observers sync.Map
}

// poolObservers are one pool's histograms, resolved once at Add so that
// observing a task costs no label hashing.
type poolObservers struct {
	wait prometheus.Observer
	run  [3]prometheus.Observer // by pool.Outcome
}

// New returns a Collector configured by opts, or an error naming the first
// bad option. Register it with a prometheus.Registerer, pass it to pools
// with pool.WithObserver, and [Collector.Add] them.
func New(opts ...Option) (*Collector, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	c := &Collector{
		perWorker: o.perWorker,
		d:         newDescs(o.namespace),
		sources:   make(map[string]Source),
	}
	c.wait = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: o.namespace,
		Subsystem: subsystem,
		Name:      "task_wait_seconds",
		Help:      "Time tasks waited between Submit and the start of their run.",
		Buckets:   o.waitBuckets,
	}, []string{labelPool})
	c.run = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: o.namespace,
		Subsystem: subsystem,
		Name:      "task_run_seconds",
		Help:      "Time tasks ran, by outcome.",
		Buckets:   o.runBuckets,
	}, []string{labelPool, labelOutcome})
	return c, nil
}

// Add starts exporting src under its name, and starts recording latencies
// for tasks that pools of that name report to c as their observer. It fails
// with an error matching [ErrNoName] for an empty name, [ErrDuplicate] for
// a name already added, and an error for a nil src or a name that is not
// valid UTF-8 (which Prometheus label values must be).
func (c *Collector) Add(src Source) error {
	if src == nil {
		return errors.New("poolprom: Add(nil): want a Source")
	}
	if isNilPointer(src) {
		return fmt.Errorf("poolprom: Add(%T(nil)): want a Source", src)
	}
	return c.add(src.Name(), src)
}

// Track makes c record the latency histograms of the tasks reported to it
// under name, as [Collector.Add] does for a pool, for something that has
// no Stats to export: a flow's pool stage, named with pool.WithName and
// given c with pool.WithObserver. Its errors are those of Add; a name is
// either added or tracked, and [Collector.Remove] undoes either.
func (c *Collector) Track(name string) error { return c.add(name, nil) }

// add exports name's histograms and, unless src is nil, its Stats.
func (c *Collector) add(name string, src Source) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: use pool.WithName", ErrNoName)
	case !utf8.ValidString(name):
		return fmt.Errorf("poolprom: pool name %q is not valid UTF-8", name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.sources[name]; ok {
		return fmt.Errorf("%w: %q", ErrDuplicate, name)
	}
	c.sources[name] = src
	po := &poolObservers{wait: c.wait.WithLabelValues(name)}
	for o := range po.run {
		po.run[o] = c.run.WithLabelValues(name, pool.Outcome(o).String())
	}
	c.observers.Store(name, po)
	return nil
}

// Remove stops exporting the pool of that name and deletes its latency
// histograms; it reports whether such a pool was added. Tasks the pool
// reports after Remove are not recorded, and a later Add of the same name
// starts its histograms from zero.
func (c *Collector) Remove(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.sources[name]; !ok {
		return false
	}
	delete(c.sources, name)
	c.observers.Delete(name)
	c.wait.DeletePartialMatch(prometheus.Labels{labelPool: name})
	c.run.DeletePartialMatch(prometheus.Labels{labelPool: name})
	return true
}

// isNilPointer reports whether src is a nil pointer in an interface, such as
// a nil *pool.Pool, whose Name would panic.
func isNilPointer(src Source) bool {
	v := reflect.ValueOf(src)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

// named is a Source with the name it was added under.
type named struct {
	name string
	src  Source
}

// snapshot returns the sources added now, so that Collect calls Stats
// without holding the lock.
func (c *Collector) snapshot() []named {
	c.mu.Lock()
	defer c.mu.Unlock()
	srcs := make([]named, 0, len(c.sources))
	for name, src := range c.sources {
		if src != nil { // tracked: histograms only
			srcs = append(srcs, named{name, src})
		}
	}
	return srcs
}
