package poolotel_test

import (
	"context"
	"testing"
	"time"

	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolotel"
)

// BenchmarkObserve measures what an Observer costs per task, the calls a
// pool makes (one TaskStarted, one TaskFinished) and nothing else: with
// the SDK's providers (every span sampled, no span processor, a manual
// metric reader), and with the no-op ones, the floor.
func BenchmarkObserve(b *testing.B) {
	ctx := context.Background()
	tp := sdktrace.NewTracerProvider()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer tp.Shutdown(ctx)
	defer mp.Shutdown(ctx)
	for _, c := range []struct {
		name string
		opts []poolotel.Option
	}{
		{"providers=sdk", []poolotel.Option{poolotel.WithTracerProvider(tp), poolotel.WithMeterProvider(mp)}},
		{"providers=noop", []poolotel.Option{poolotel.WithTracerProvider(tracenoop.NewTracerProvider()), poolotel.WithMeterProvider(metricnoop.NewMeterProvider())}},
	} {
		obs, err := poolotel.New(c.opts...)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				tctx := obs.TaskStarted(ctx, pool.TaskStart{Pool: "bench", Worker: 1, Waited: 50 * time.Microsecond})
				obs.TaskFinished(tctx, pool.TaskEnd{Pool: "bench", Worker: 1, Waited: 50 * time.Microsecond, Ran: time.Millisecond, Outcome: pool.Succeeded})
			}
		})
	}
}
