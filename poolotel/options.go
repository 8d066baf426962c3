package poolotel

import (
	"fmt"
	"math"
	"reflect"
	"slices"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Option configures an [Observer]. Options are applied in order; a later
// one overrides an earlier.
//
// The defaults, in one place:
//
//	TracerProvider  otel.GetTracerProvider(), when New is called
//	MeterProvider   otel.GetMeterProvider(), when New is called
//	WaitBuckets     DefaultBuckets(): 10µs to 10s
//	RunBuckets      DefaultBuckets(): 10µs to 10s
type Option func(*options)

type options struct {
	tp          trace.TracerProvider
	mp          metric.MeterProvider
	waitBuckets []float64
	runBuckets  []float64
	errs        []error
}

func (o *options) fail(format string, args ...any) {
	o.errs = append(o.errs, fmt.Errorf("poolotel: "+format, args...))
}

func newOptions(opts []Option) (options, error) {
	o := options{
		waitBuckets: DefaultBuckets(),
		runBuckets:  DefaultBuckets(),
	}
	for _, opt := range opts {
		if opt == nil {
			return o, fmt.Errorf("poolotel: nil Option")
		}
		opt(&o)
	}
	if len(o.errs) > 0 {
		return o, o.errs[0]
	}
	// The globals are read here, not at package init, so that a program
	// that sets them before New is served by them directly. Set later,
	// they are still reached: otel's globals delegate.
	if o.tp == nil {
		o.tp = otel.GetTracerProvider()
	}
	if o.mp == nil {
		o.mp = otel.GetMeterProvider()
	}
	return o, nil
}

// WithTracerProvider makes the Observer take its tracer from tp instead of
// otel.GetTracerProvider(). To make no spans, pass the no-op provider of
// go.opentelemetry.io/otel/trace/noop.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) {
		if isNil(tp) {
			o.fail("WithTracerProvider(%s): want a TracerProvider", nilName(tp))
		}
		o.tp = tp
	}
}

// WithMeterProvider makes the Observer take its meter from mp instead of
// otel.GetMeterProvider(). To record no metrics, pass the no-op provider
// of go.opentelemetry.io/otel/metric/noop.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return func(o *options) {
		if isNil(mp) {
			o.fail("WithMeterProvider(%s): want a MeterProvider", nilName(mp))
		}
		o.mp = mp
	}
}

// WithWaitBuckets sets the bucket bounds, in seconds, the queue wait
// histogram advises: at least one, strictly increasing. A view in the
// MeterProvider overrides them.
func WithWaitBuckets(bounds ...float64) Option {
	return func(o *options) {
		if err := checkBuckets(bounds); err != nil {
			o.fail("WithWaitBuckets: %v", err)
		}
		o.waitBuckets = slices.Clone(bounds)
	}
}

// WithRunBuckets sets the bucket bounds, in seconds, the run time
// histogram advises: at least one, strictly increasing. A view in the
// MeterProvider overrides them.
func WithRunBuckets(bounds ...float64) Option {
	return func(o *options) {
		if err := checkBuckets(bounds); err != nil {
			o.fail("WithRunBuckets: %v", err)
		}
		o.runBuckets = slices.Clone(bounds)
	}
}

// DefaultBuckets returns the default histogram bucket bounds, in seconds:
// 1, 2.5 and 5 times every power of ten from 10µs to 1s, then 10s; 19
// bounds in all, the same as poolprom's. OpenTelemetry's own default
// bounds (0 to 10,000) suit milliseconds, not seconds. Each call returns a
// new slice.
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

func checkBuckets(b []float64) error {
	if len(b) == 0 {
		return fmt.Errorf("want at least one bucket bound")
	}
	for i, v := range b {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("bound %d is %v", i, v)
		}
		if i > 0 && v <= b[i-1] {
			return fmt.Errorf("bounds %v and %v are not strictly increasing", b[i-1], v)
		}
	}
	return nil
}

// isNil reports whether v is nil or a nil pointer in an interface, whose
// methods would panic deep inside otel.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// nilName names a nil v for an error: "nil", or "(*T)(nil)".
func nilName(v any) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprintf("(%T)(nil)", v)
}
