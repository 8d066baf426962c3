package poolotel_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolotel"
)

// TestFlow: a flow's pool stage reports to the Observer as a pool does:
// one span per item, named and attributed with the stage's name, each a
// child of the span the flow was collected under, a failed item's span
// with status Error, a span the item starts a child of the item's span;
// and the wait and run histograms count every item by outcome.
func TestFlow(t *testing.T) {
	r := newRig(t)
	tracer := r.tp.Tracer("test")
	const n, child = 40, 7
	items := make([]int, n)
	for i := range items {
		items[i] = i
	}
	failed := 0
	for i := range n {
		if i%5 == 4 {
			failed++
		}
	}
	ctx, collector := tracer.Start(t.Context(), "collector")
	got, err := flow.From(items).Pool(func(ctx context.Context, i int) (int, error) {
		switch {
		case i%5 == 4:
			return 0, errBoom
		case i == child:
			_, s := tracer.Start(ctx, "work")
			s.End()
		}
		return i, nil
	}, pool.WithName("stream"), pool.WithMaxWorkers(2), pool.WithObserver(r.obs)).Collect(ctx, flow.WithContinueOnError())
	collector.End()
	require.ErrorIs(t, err, errBoom)
	require.Len(t, got, n-failed)

	spans := r.taskSpans()
	require.Len(t, spans, n, "one span per item")
	var errored int
	for _, s := range spans {
		name, _ := attr(s.Attributes(), poolotel.AttrPool)
		require.Equal(t, "stream", name.AsString())
		require.Equal(t, collector.SpanContext().TraceID(), s.SpanContext().TraceID())
		require.Equal(t, collector.SpanContext().SpanID(), s.Parent().SpanID(), "an item's span is a child of the collector's")
		out, _ := attr(s.Attributes(), poolotel.AttrOutcome)
		if out.AsString() == pool.Failed.String() {
			errored++
			require.Equal(t, codes.Error, s.Status().Code)
		} else {
			require.Equal(t, pool.Succeeded.String(), out.AsString())
		}
	}
	require.Equal(t, failed, errored)

	var work sdktrace.ReadOnlySpan
	for _, s := range r.spans.Ended() {
		if s.Name() == "work" {
			work = s
		}
	}
	require.NotNil(t, work, "the item's own span")
	parent := work.Parent().SpanID()
	found := false
	for _, s := range spans {
		if s.SpanContext().SpanID() == parent {
			found = true
			require.False(t, work.StartTime().Before(s.StartTime()), "the item span starts before the item runs")
		}
	}
	require.True(t, found, "the span an item starts is a child of its item span")

	m := r.collect(t)
	require.EqualValues(t, n-failed, m.count(t, "sluice.pool.task.duration", onPool("stream", pool.Succeeded)))
	require.EqualValues(t, failed, m.count(t, "sluice.pool.task.duration", onPool("stream", pool.Failed)))
	require.EqualValues(t, n, m.count(t, "sluice.pool.task.wait", onPool("stream")))
}
