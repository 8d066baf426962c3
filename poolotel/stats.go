package poolotel

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/sluice-go/sluice/pool"
)

// Source is what [Observer.Add] exports: a named thing with pool
// statistics. Every *pool.Pool[In, Out] is a Source, and also has the
// Alive method that adds the sluice.pool.worker.alive gauge; a Source
// without one goes without it.
type Source interface {
	// Name is the pool attribute of the Source's measurements; Add reads
	// it once.
	Name() string
	// Stats is called once per collection, concurrently with anything
	// else the Source does, so it must be safe for concurrent use.
	Stats() pool.Stats
}

// aliveSource is a Source that also reports its live worker goroutines.
type aliveSource interface {
	Source
	Alive() int
}

var (
	// ErrNoName is the error of [Observer.Add] for a Source whose name is
	// empty: name pools with pool.WithName.
	ErrNoName = errors.New("poolotel: pool has no name")

	// ErrDuplicate is the error of [Observer.Add] for a Source whose name
	// is already added.
	ErrDuplicate = errors.New("poolotel: pool name already added")
)

// statsInstruments are the asynchronous instruments read from pool.Stats.
type statsInstruments struct {
	submitted, dropped, completed metric.Int64ObservableCounter
	queued, running               metric.Int64ObservableUpDownCounter
	workers, alive                metric.Int64ObservableUpDownCounter
}

func newStatsInstruments(m metric.Meter) (statsInstruments, error) {
	var s statsInstruments
	var errs []error
	counter := func(name, desc string) metric.Int64ObservableCounter {
		c, err := m.Int64ObservableCounter(name, metric.WithUnit("{task}"), metric.WithDescription(desc))
		if err != nil {
			errs = append(errs, fmt.Errorf("poolotel: instrument %s: %w", name, err))
		}
		return c
	}
	upDown := func(name, unit, desc string) metric.Int64ObservableUpDownCounter {
		c, err := m.Int64ObservableUpDownCounter(name, metric.WithUnit(unit), metric.WithDescription(desc))
		if err != nil {
			errs = append(errs, fmt.Errorf("poolotel: instrument %s: %w", name, err))
		}
		return c
	}
	s.submitted = counter(nameSubmitted, "Tasks accepted by Submit.")
	s.dropped = counter(nameDropped, "Submissions refused: pool stopped or full.")
	s.completed = counter(nameCompleted, "Tasks finished, by outcome.")
	s.queued = upDown(nameQueued, "{task}", "Tasks waiting for a worker.")
	s.running = upDown(nameRunning, "{task}", "Tasks running.")
	s.workers = upDown(nameWorkers, "{worker}", "Workers of the pool, retired ones left out.")
	s.alive = upDown(nameAlive, "{worker}", "Worker goroutines running: on demand, those busy or lingering.")
	return s, errors.Join(errs...)
}

// statsAttrs are one pool's attribute options for its Stats.
type statsAttrs struct {
	pool      []metric.ObserveOption
	completed [3][]metric.ObserveOption // by pool.Outcome
}

func newStatsAttrs(name attribute.KeyValue) statsAttrs {
	s := statsAttrs{pool: []metric.ObserveOption{metric.WithAttributeSet(attribute.NewSet(name))}}
	for i := range s.completed {
		out := AttrOutcome.String(pool.Outcome(i).String())
		s.completed[i] = []metric.ObserveOption{metric.WithAttributeSet(attribute.NewSet(name, out))}
	}
	return s
}

// Add exports the Stats of src, read at every collection, under its name;
// unregister stops that and frees the name for another Add. Calling
// unregister again does nothing and returns nil. Add fails with
// [ErrNoName] or [ErrDuplicate], or with the meter's error. The spans and
// histograms need no Add: they cover every pool the Observer hears of.
func (o *Observer) Add(src Source) (unregister func() error, err error) {
	if isNil(src) {
		return nil, fmt.Errorf("poolotel: Add(%s): want a Source", nilName(src))
	}
	name := src.Name()
	switch {
	case name == "":
		return nil, fmt.Errorf("%w: use pool.WithName", ErrNoName)
	case !utf8.ValidString(name):
		return nil, fmt.Errorf("poolotel: pool name %q is not valid UTF-8", name)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, ok := o.added[name]; ok {
		return nil, fmt.Errorf("%w: %q", ErrDuplicate, name)
	}
	pa := o.attrs(name)
	in := &o.stats
	observables := []metric.Observable{in.submitted, in.dropped, in.completed, in.queued, in.running, in.workers}
	alive, hasAlive := src.(aliveSource)
	if hasAlive {
		observables = append(observables, in.alive)
	}
	reg, err := o.meter.RegisterCallback(func(_ context.Context, ob metric.Observer) error {
		observeStats(ob, in, &pa.stats, src.Stats())
		if hasAlive {
			ob.ObserveInt64(in.alive, int64(alive.Alive()), pa.stats.pool...)
		}
		return nil
	}, observables...)
	if err != nil {
		return nil, fmt.Errorf("poolotel: Add(%q): %w", name, err)
	}
	o.added[name] = struct{}{}
	var once sync.Once
	return func() error {
		var err error
		once.Do(func() {
			err = reg.Unregister()
			o.mu.Lock()
			delete(o.added, name)
			o.mu.Unlock()
		})
		return err
	}, nil
}

// observeStats reports one Stats snapshot of a pool.
func observeStats(ob metric.Observer, in *statsInstruments, at *statsAttrs, s pool.Stats) {
	ob.ObserveInt64(in.submitted, int64(s.Submitted), at.pool...)
	ob.ObserveInt64(in.dropped, int64(s.Dropped), at.pool...)
	ob.ObserveInt64(in.completed, int64(s.Succeeded), at.completed[pool.Succeeded]...)
	ob.ObserveInt64(in.completed, int64(s.Failed), at.completed[pool.Failed]...)
	ob.ObserveInt64(in.completed, int64(s.Cancelled), at.completed[pool.Cancelled]...)
	ob.ObserveInt64(in.queued, int64(s.Queued), at.pool...)
	ob.ObserveInt64(in.running, int64(s.Running), at.pool...)
	workers := 0
	for _, w := range s.Workers {
		if !w.Retired {
			workers++
		}
	}
	ob.ObserveInt64(in.workers, int64(workers), at.pool...)
}
