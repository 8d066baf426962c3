package poolotel

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

var _ pool.Observer = (*Observer)(nil)

// Observer makes a span and records latencies for every task it hears of
// as a [pool.Observer] (pass it to pool.WithObserver), and exports the
// [pool.Stats] of the pools added to it with [Observer.Add]. See the
// package doc for the contract, the span and the instruments.
//
// Make one with [New]; the zero value is not usable. An Observer is safe
// for concurrent use, may serve any number of pools, and must not be
// copied. For what a task costs, see "Cost" in the package doc.
type Observer struct {
	tracer trace.Tracer
	meter  metric.Meter

	wait, run metric.Float64Histogram
	stats     statsInstruments

	// byPool maps a pool name to its *poolAttrs, made the first time the
	// name is heard of; read on every task.
	byPool sync.Map

	mu    sync.Mutex
	added map[string]struct{}
}

// poolAttrs are the attribute options of one pool's measurements and
// spans, built once so that a task costs no attribute set.
type poolAttrs struct {
	name  attribute.KeyValue
	start []trace.SpanStartOption
	wait  []metric.RecordOption
	run   [3][]metric.RecordOption // by pool.Outcome
	stats statsAttrs
}

// spanKey is the context key under which TaskStarted leaves the task's
// span for TaskFinished; it holds the Observer so that two Observers on
// one task do not end each other's spans.
type spanKey struct{ o *Observer }

// New returns an Observer configured by opts, or an error naming the
// first bad option or the instrument the meter would not make. Pass it to
// pools with pool.WithObserver, and [Observer.Add] the pools whose Stats
// it should export.
func New(opts ...Option) (*Observer, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	obs := &Observer{
		tracer: o.tp.Tracer(ScopeName),
		meter:  o.mp.Meter(ScopeName),
		added:  make(map[string]struct{}),
	}
	obs.wait, err = obs.meter.Float64Histogram(nameWait,
		metric.WithUnit("s"),
		metric.WithDescription("Time tasks waited between Submit and the start of their run."),
		metric.WithExplicitBucketBoundaries(o.waitBuckets...))
	if err != nil {
		return nil, fmt.Errorf("poolotel: instrument %s: %w", nameWait, err)
	}
	obs.run, err = obs.meter.Float64Histogram(nameDuration,
		metric.WithUnit("s"),
		metric.WithDescription("Time tasks ran, by outcome."),
		metric.WithExplicitBucketBoundaries(o.runBuckets...))
	if err != nil {
		return nil, fmt.Errorf("poolotel: instrument %s: %w", nameDuration, err)
	}
	if obs.stats, err = newStatsInstruments(obs.meter); err != nil {
		return nil, err
	}
	return obs, nil
}

// TaskStarted records the task's queue wait and starts its span, a child
// of the span in ctx if there is one (the span of the code that called
// Submit), and returns ctx with the span in it: spans the task starts from
// its context are children of the task's span. It implements
// pool.Observer.
func (o *Observer) TaskStarted(ctx context.Context, t pool.TaskStart) context.Context {
	pa := o.attrs(t.Pool)
	wait := t.Waited.Seconds()
	o.wait.Record(ctx, wait, pa.wait...)
	ctx, span := o.tracer.Start(ctx, SpanName, pa.start...)
	if span.IsRecording() {
		span.SetAttributes(AttrWorker.Int(t.Worker), AttrWait.Float64(wait))
	}
	return context.WithValue(ctx, spanKey{o}, span)
}

// TaskFinished records the task's run time under its outcome and ends the
// span TaskStarted put in ctx, with the outcome; a failed task's span gets
// status Error and the error as an exception event. A ctx that holds no
// span of this Observer's (TaskStarted panicked, or whoever calls did not
// call it) ends no span. It implements pool.Observer.
func (o *Observer) TaskFinished(ctx context.Context, t pool.TaskEnd) {
	pa := o.attrs(t.Pool)
	if t.Outcome >= 0 && int(t.Outcome) < len(pa.run) {
		o.run.Record(ctx, t.Ran.Seconds(), pa.run[t.Outcome]...)
	} else {
		// An outcome newer than this package: still recorded, at the cost
		// of an attribute set.
		o.run.Record(ctx, t.Ran.Seconds(), metric.WithAttributes(pa.name, AttrOutcome.String(t.Outcome.String())))
	}
	span, ok := ctx.Value(spanKey{o}).(trace.Span)
	if !ok {
		return
	}
	if span.IsRecording() {
		span.SetAttributes(AttrOutcome.String(t.Outcome.String()))
		if t.Outcome == pool.Failed && t.Err != nil {
			recordFailure(span, t.Err)
		}
	}
	span.End()
}

// recordFailure gives span status Error and err as an exception event. A
// panic's message is its value and its stack goes in the event's
// stacktrace, instead of the whole stack in the message and the status.
func recordFailure(span trace.Span, err error) {
	pe, ok := errors.AsType[*future.PanicError](err)
	if !ok {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		return
	}
	msg := fmt.Sprintf("panic: %v", pe.Value)
	span.AddEvent(semconv.ExceptionEventName, trace.WithAttributes(
		semconv.ExceptionType(fmt.Sprintf("%T", pe)),
		semconv.ExceptionMessage(msg),
		semconv.ExceptionStacktrace(string(pe.Stack)),
	))
	span.SetStatus(codes.Error, msg)
}

// attrs returns the attribute options of the named pool, making them the
// first time.
func (o *Observer) attrs(name string) *poolAttrs {
	if v, ok := o.byPool.Load(name); ok {
		return v.(*poolAttrs)
	}
	pa := &poolAttrs{name: AttrPool.String(name)}
	pa.start = []trace.SpanStartOption{trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(pa.name)}
	pa.wait = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(pa.name))}
	for i := range pa.run {
		out := AttrOutcome.String(pool.Outcome(i).String())
		pa.run[i] = []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(pa.name, out))}
	}
	pa.stats = newStatsAttrs(pa.name)
	v, _ := o.byPool.LoadOrStore(name, pa)
	return v.(*poolAttrs)
}
