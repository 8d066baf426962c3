package poolotel_test

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolotel"
)

// A pool traced with an Observer: each task gets a span, a child of the
// span that was current where it was submitted, and the spans a task
// starts from its context are the task span's children. A program would
// give the providers real exporters; this one reads them back in memory.
func Example() {
	ctx := context.Background()
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	defer tp.Shutdown(ctx)

	obs, err := poolotel.New(poolotel.WithTracerProvider(tp))
	if err != nil {
		fmt.Println(err)
		return
	}
	tracer := tp.Tracer("example")
	p, err := pool.New(func(ctx context.Context, x int) (int, error) {
		if x < 0 {
			return 0, errors.New("negative")
		}
		_, span := tracer.Start(ctx, "double") // a child of the task's span
		defer span.End()
		return 2 * x, nil
	}, pool.WithName("double"), pool.WithMaxWorkers(1), pool.WithObserver(obs))
	if err != nil {
		fmt.Println(err)
		return
	}

	ctx, request := tracer.Start(ctx, "request")
	_, _ = p.Call(ctx, 21)
	_, _ = p.Call(ctx, -1)
	// A task's span ends just after its future settles; Stop waits for
	// that.
	if err := p.Stop(ctx); err != nil {
		fmt.Println(err)
		return
	}
	request.End()

	names := map[trace.SpanID]string{}
	for _, s := range spans.GetSpans() {
		names[s.SpanContext.SpanID()] = s.Name
	}
	for _, s := range spans.GetSpans() {
		line := fmt.Sprintf("%-11s parent %-11s", s.Name, names[s.Parent.SpanID()])
		for _, kv := range s.Attributes {
			if kv.Key == poolotel.AttrPool || kv.Key == poolotel.AttrOutcome {
				line += fmt.Sprintf(" %s=%s", kv.Key, kv.Value.String())
			}
		}
		if s.Status.Description != "" {
			line += fmt.Sprintf(" status=%s: %s", s.Status.Code, s.Status.Description)
		}
		fmt.Println(line)
	}
	// Output:
	// double      parent sluice.task
	// sluice.task parent request     sluice.pool.name=double sluice.task.outcome=succeeded
	// sluice.task parent request     sluice.pool.name=double sluice.task.outcome=failed status=Error: negative
	// request     parent
}

// Metrics from an Observer: the histograms cover every task it hears of;
// the pool's Stats are exported once the pool is added, until unregister.
func ExampleObserver_Add() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx)

	obs, err := poolotel.New(poolotel.WithMeterProvider(mp))
	if err != nil {
		fmt.Println(err)
		return
	}
	p, err := pool.New(func(_ context.Context, x int) (int, error) {
		if x < 0 {
			return 0, errors.New("negative")
		}
		return 2 * x, nil
	}, pool.WithName("double"), pool.WithMaxWorkers(2), pool.WithObserver(obs))
	if err != nil {
		fmt.Println(err)
		return
	}
	unregister, err := obs.Add(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer unregister()

	_, _ = p.Map(ctx, []int{1, 2, 3})
	_, _ = p.Call(ctx, -1)
	if err := p.Stop(ctx); err != nil {
		fmt.Println(err)
		return
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		fmt.Println(err)
		return
	}
	outcome := func(s attribute.Set) string {
		v, _ := s.Value(poolotel.AttrOutcome)
		return v.String()
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		switch d := m.Data.(type) {
		case metricdata.Histogram[float64]:
			for _, dp := range d.DataPoints {
				fmt.Printf("%s %s count=%d\n", m.Name, outcome(dp.Attributes), dp.Count)
			}
		case metricdata.Sum[int64]:
			if m.Name != "sluice.pool.task.completed" && m.Name != "sluice.pool.task.submitted" {
				continue
			}
			for _, dp := range d.DataPoints {
				fmt.Printf("%s %s %d\n", m.Name, outcome(dp.Attributes), dp.Value)
			}
		}
	}
	// Unordered output:
	// sluice.pool.task.wait  count=4
	// sluice.pool.task.duration succeeded count=3
	// sluice.pool.task.duration failed count=1
	// sluice.pool.task.submitted  4
	// sluice.pool.task.completed succeeded 3
	// sluice.pool.task.completed failed 1
	// sluice.pool.task.completed cancelled 0
}
