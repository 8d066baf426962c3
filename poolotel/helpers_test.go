package poolotel_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolotel"
)

var errBoom = errors.New("boom")

// rig is an Observer on the SDK's providers, with a span recorder and a
// manual metric reader to read back what it made.
type rig struct {
	obs    *poolotel.Observer
	tp     *sdktrace.TracerProvider
	spans  *tracetest.SpanRecorder
	reader *sdkmetric.ManualReader
}

func newRig(t *testing.T, opts ...poolotel.Option) *rig {
	t.Helper()
	r := &rig{spans: tracetest.NewSpanRecorder(), reader: sdkmetric.NewManualReader()}
	r.tp = sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	t.Cleanup(func() {
		require.NoError(t, r.tp.Shutdown(context.Background()))
		require.NoError(t, mp.Shutdown(context.Background()))
	})
	obs, err := poolotel.New(append([]poolotel.Option{
		poolotel.WithTracerProvider(r.tp), poolotel.WithMeterProvider(mp),
	}, opts...)...)
	require.NoError(t, err)
	r.obs = obs
	return r
}

// taskSpans returns the ended spans named poolotel.SpanName, in the order
// they ended.
func (r *rig) taskSpans() []sdktrace.ReadOnlySpan {
	var out []sdktrace.ReadOnlySpan
	for _, s := range r.spans.Ended() {
		if s.Name() == poolotel.SpanName {
			out = append(out, s)
		}
	}
	return out
}

// metrics is one collection, by instrument name.
type metrics map[string]metricdata.Metrics

func (r *rig) collect(t *testing.T) metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, r.reader.Collect(t.Context(), &rm))
	m := metrics{}
	for _, sm := range rm.ScopeMetrics {
		require.Equal(t, poolotel.ScopeName, sm.Scope.Name)
		for _, mt := range sm.Metrics {
			m[mt.Name] = mt
		}
	}
	return m
}

// set is the attribute set of kvs.
func set(kvs ...attribute.KeyValue) attribute.Set { return attribute.NewSet(kvs...) }

// onPool is the attribute set of a pool's measurements, with an outcome if
// one is given.
func onPool(name string, outcome ...pool.Outcome) attribute.Set {
	kvs := []attribute.KeyValue{poolotel.AttrPool.String(name)}
	for _, o := range outcome {
		kvs = append(kvs, poolotel.AttrOutcome.String(o.String()))
	}
	return set(kvs...)
}

// histogram returns the data point of the named histogram with exactly
// the attributes at, and whether there is one.
func (m metrics) histogram(t *testing.T, name string, at attribute.Set) (metricdata.HistogramDataPoint[float64], bool) {
	t.Helper()
	mt, ok := m[name]
	if !ok {
		return metricdata.HistogramDataPoint[float64]{}, false
	}
	h, ok := mt.Data.(metricdata.Histogram[float64])
	require.True(t, ok, "%s is a %T, not a float64 histogram", name, mt.Data)
	require.Equal(t, "s", mt.Unit, name)
	for _, dp := range h.DataPoints {
		if dp.Attributes.Equals(&at) {
			return dp, true
		}
	}
	return metricdata.HistogramDataPoint[float64]{}, false
}

// count is the sample count of the named histogram at at, 0 if none.
func (m metrics) count(t *testing.T, name string, at attribute.Set) uint64 {
	t.Helper()
	dp, _ := m.histogram(t, name, at)
	return dp.Count
}

// sum returns the value of the named int64 sum at at and whether it has
// one; monotonic says whether it must be a counter or an up-down counter.
func (m metrics) sum(t *testing.T, name string, at attribute.Set, monotonic bool) (int64, bool) {
	t.Helper()
	mt, ok := m[name]
	if !ok {
		return 0, false
	}
	s, ok := mt.Data.(metricdata.Sum[int64])
	require.True(t, ok, "%s is a %T, not an int64 sum", name, mt.Data)
	require.Equal(t, monotonic, s.IsMonotonic, name)
	require.Equal(t, metricdata.CumulativeTemporality, s.Temporality, name)
	for _, dp := range s.DataPoints {
		if dp.Attributes.Equals(&at) {
			return dp.Value, true
		}
	}
	return 0, false
}

// value is the value of the named int64 sum at at, failing if it has none.
func (m metrics) value(t *testing.T, name string, at attribute.Set, monotonic bool) int64 {
	t.Helper()
	v, ok := m.sum(t, name, at, monotonic)
	require.True(t, ok, "no %s at %v", name, at.Encoded(attribute.DefaultEncoder()))
	return v
}

// checkStats checks that every Stats instrument of the pool equals s.
func checkStats(t *testing.T, m metrics, name string, s pool.Stats, alive int) {
	t.Helper()
	at := onPool(name)
	require.Equal(t, int64(s.Submitted), m.value(t, "sluice.pool.task.submitted", at, true))
	require.Equal(t, int64(s.Dropped), m.value(t, "sluice.pool.task.dropped", at, true))
	require.Equal(t, int64(s.Succeeded), m.value(t, "sluice.pool.task.completed", onPool(name, pool.Succeeded), true))
	require.Equal(t, int64(s.Failed), m.value(t, "sluice.pool.task.completed", onPool(name, pool.Failed), true))
	require.Equal(t, int64(s.Cancelled), m.value(t, "sluice.pool.task.completed", onPool(name, pool.Cancelled), true))
	require.Equal(t, int64(s.Queued), m.value(t, "sluice.pool.task.queued", at, false))
	require.Equal(t, int64(s.Running), m.value(t, "sluice.pool.task.running", at, false))
	workers := 0
	for _, w := range s.Workers {
		if !w.Retired {
			workers++
		}
	}
	require.Equal(t, int64(workers), m.value(t, "sluice.pool.worker.count", at, false))
	require.Equal(t, int64(alive), m.value(t, "sluice.pool.worker.alive", at, false))
}

// attr returns the value of the attribute key among kvs, and whether it
// is there.
func attr(kvs []attribute.KeyValue, key attribute.Key) (attribute.Value, bool) {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return attribute.Value{}, false
}

// kind is what a test task does, by its input.
type kind int

const (
	succeed kind = iota
	fail
	panics
	block // until its context is done
)

// task returns a pool function that does what its input says; a blocking
// task closes started, if not nil, once it runs.
func task(started chan<- struct{}) func(ctx context.Context, k kind) (int, error) {
	return func(ctx context.Context, k kind) (int, error) {
		switch k {
		case fail:
			return 0, errBoom
		case panics:
			panic(errBoom)
		case block:
			if started != nil {
				close(started)
			}
			<-ctx.Done()
			return 0, ctx.Err()
		}
		return 1, nil
	}
}
