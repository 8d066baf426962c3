package poolotel_test

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolotel"
)

// Bad options get an error that names them, and New makes nothing.
func TestNewErrors(t *testing.T) {
	for _, c := range []struct {
		opt  poolotel.Option
		want string
	}{
		{nil, "poolotel: nil Option"},
		{poolotel.WithTracerProvider(nil), "poolotel: WithTracerProvider(nil): want a TracerProvider"},
		{poolotel.WithTracerProvider((*sdktrace.TracerProvider)(nil)), "poolotel: WithTracerProvider((*trace.TracerProvider)(nil)): want a TracerProvider"},
		{poolotel.WithMeterProvider(nil), "poolotel: WithMeterProvider(nil): want a MeterProvider"},
		{poolotel.WithMeterProvider((*sdkmetric.MeterProvider)(nil)), "poolotel: WithMeterProvider((*metric.MeterProvider)(nil)): want a MeterProvider"},
		{poolotel.WithWaitBuckets(), "poolotel: WithWaitBuckets: want at least one bucket bound"},
		{poolotel.WithRunBuckets(1, 1), "poolotel: WithRunBuckets: bounds 1 and 1 are not strictly increasing"},
		{poolotel.WithRunBuckets(1, math.NaN()), "poolotel: WithRunBuckets: bound 1 is NaN"},
		{poolotel.WithWaitBuckets(math.Inf(1)), "poolotel: WithWaitBuckets: bound 0 is +Inf"},
	} {
		obs, err := poolotel.New(c.opt)
		require.EqualError(t, err, c.want)
		require.Nil(t, obs)
	}
}

// The histograms advise the buckets set, in seconds; the defaults are
// DefaultBuckets.
func TestBuckets(t *testing.T) {
	require.Len(t, poolotel.DefaultBuckets(), 19)
	r := newRig(t, poolotel.WithWaitBuckets(0.001, 0.01), poolotel.WithRunBuckets(1))
	other := newRig(t)
	for _, o := range []*poolotel.Observer{r.obs, other.obs} {
		ctx := o.TaskStarted(t.Context(), pool.TaskStart{Pool: "a"})
		o.TaskFinished(ctx, pool.TaskEnd{Pool: "a", Outcome: pool.Failed})
	}
	m := r.collect(t)
	dp, ok := m.histogram(t, "sluice.pool.task.wait", onPool("a"))
	require.True(t, ok)
	require.Equal(t, []float64{0.001, 0.01}, dp.Bounds)
	dp, ok = m.histogram(t, "sluice.pool.task.duration", onPool("a", pool.Failed))
	require.True(t, ok)
	require.Equal(t, []float64{1}, dp.Bounds)
	dp, ok = other.collect(t).histogram(t, "sluice.pool.task.wait", onPool("a"))
	require.True(t, ok)
	require.Equal(t, poolotel.DefaultBuckets(), dp.Bounds)

	b := poolotel.DefaultBuckets()
	b[0] = 42
	require.NotEqual(t, b, poolotel.DefaultBuckets(), "each call returns a new slice")
}

// Without provider options, New takes otel's global providers.
func TestGlobalProviders(t *testing.T) {
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	otel.SetTracerProvider(tp)
	otel.SetMeterProvider(mp)
	t.Cleanup(func() {
		otel.SetTracerProvider(tracenoop.NewTracerProvider())
		otel.SetMeterProvider(metricnoop.NewMeterProvider())
		require.NoError(t, tp.Shutdown(context.Background()))
		require.NoError(t, mp.Shutdown(context.Background()))
	})

	obs, err := poolotel.New()
	require.NoError(t, err)
	p, err := pool.New(task(nil), pool.WithName("global"), pool.WithObserver(obs))
	require.NoError(t, err)
	_, err = p.Submit(t.Context(), succeed).Wait()
	require.NoError(t, err)
	require.NoError(t, p.Stop(t.Context()))
	require.Len(t, spans.Ended(), 1)
	require.Equal(t, poolotel.SpanName, spans.Ended()[0].Name())
	r := &rig{reader: reader}
	require.Equal(t, uint64(1), r.collect(t).count(t, "sluice.pool.task.duration", onPool("global", pool.Succeeded)))
}

// The no-op providers turn spans and metrics off; the Observer still
// serves.
func TestNoopProviders(t *testing.T) {
	obs, err := poolotel.New(poolotel.WithTracerProvider(tracenoop.NewTracerProvider()), poolotel.WithMeterProvider(metricnoop.NewMeterProvider()))
	require.NoError(t, err)
	p, err := pool.New(task(nil), pool.WithName("quiet"), pool.WithObserver(obs))
	require.NoError(t, err)
	unregister, err := obs.Add(p)
	require.NoError(t, err)
	_, err = p.Submit(t.Context(), fail).Wait()
	require.ErrorIs(t, err, errBoom)
	require.NoError(t, p.Stop(t.Context()))
	require.NoError(t, unregister())
}
