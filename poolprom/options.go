package poolprom

import (
	"fmt"
	"math"
	"regexp"
	"slices"
)

// Option configures a [Collector]. Options are applied in order; a later one
// overrides an earlier.
//
// The defaults, in one place:
//
//	Namespace     "sluice"
//	WaitBuckets   DefaultBuckets(): 10µs to 10s
//	RunBuckets    DefaultBuckets(): 10µs to 10s
//	PerWorker     true
type Option func(*options)

type options struct {
	namespace   string
	waitBuckets []float64
	runBuckets  []float64
	perWorker   bool
	errs        []error
}

func (o *options) fail(format string, args ...any) {
	o.errs = append(o.errs, fmt.Errorf("poolprom: "+format, args...))
}

func newOptions(opts []Option) (options, error) {
	o := options{
		namespace:   "sluice",
		waitBuckets: DefaultBuckets(),
		runBuckets:  DefaultBuckets(),
		perWorker:   true,
	}
	for _, opt := range opts {
		if opt == nil {
			return o, fmt.Errorf("poolprom: nil Option")
		}
		opt(&o)
	}
	if len(o.errs) > 0 {
		return o, o.errs[0]
	}
	return o, nil
}

// DefaultBuckets returns the default histogram buckets, in seconds: 1, 2.5
// and 5 times every power of ten from 10µs to 1s, then 10s; 19 bounds in
// all. Each call returns a new slice.
func DefaultBuckets() []float64 {
	return []float64{
		0.00001, 0.000025, 0.00005,
		0.0001, 0.00025, 0.0005,
		0.001, 0.0025, 0.005,
		0.01, 0.025, 0.05,
		0.1, 0.25, 0.5,
		1, 2.5, 5,
		10,
	}
}

var namespaceRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// WithNamespace sets the first part of every metric name: ns_pool_... It
// must be a valid Prometheus name (letters, digits and underscores, not
// starting with a digit), or empty for names that start with pool_.
func WithNamespace(ns string) Option {
	return func(o *options) {
		if ns != "" && !namespaceRE.MatchString(ns) {
			o.fail("WithNamespace(%q): want letters, digits and underscores, not starting with a digit", ns)
		}
		o.namespace = ns
	}
}

// WithWaitBuckets sets the upper bounds, in seconds, of the buckets of the
// queue wait histogram: at least one, strictly increasing.
func WithWaitBuckets(bounds ...float64) Option {
	return func(o *options) {
		if err := checkBuckets(bounds); err != nil {
			o.fail("WithWaitBuckets: %v", err)
		}
		o.waitBuckets = slices.Clone(bounds)
	}
}

// WithRunBuckets sets the upper bounds, in seconds, of the buckets of the
// run time histogram: at least one, strictly increasing.
func WithRunBuckets(bounds ...float64) Option {
	return func(o *options) {
		if err := checkBuckets(bounds); err != nil {
			o.fail("WithRunBuckets: %v", err)
		}
		o.runBuckets = slices.Clone(bounds)
	}
}

// WithPerWorker turns the per-worker series (sluice_pool_worker_*) on or
// off. They are on by default; a pool of n workers has 6n of them, so turn
// them off for many large pools.
func WithPerWorker(on bool) Option {
	return func(o *options) { o.perWorker = on }
}

func checkBuckets(b []float64) error {
	if len(b) == 0 {
		return fmt.Errorf("want at least one bucket bound")
	}
	for i, v := range b {
		if math.IsNaN(v) {
			return fmt.Errorf("bound %d is NaN", i)
		}
		if i > 0 && v <= b[i-1] {
			return fmt.Errorf("bounds %v and %v are not strictly increasing", b[i-1], v)
		}
	}
	return nil
}
