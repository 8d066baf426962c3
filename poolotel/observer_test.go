package poolotel_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolotel"
)

// TestSpans: a real pool, tasks submitted under a span that succeed, fail,
// panic and start a span of their own: one span per task, named and
// attributed as the package doc says, each a child of the submitter's
// span; a failure has status Error and an exception event; the span the
// task started is a child of the task's span and lies within it.
func TestSpans(t *testing.T) {
	r := newRig(t)
	tracer := r.tp.Tracer("test")
	p, err := pool.New(func(ctx context.Context, k kind) (int, error) {
		if k == block { // here: start a span of its own
			_, child := tracer.Start(ctx, "work")
			child.End()
			return 2, nil
		}
		return task(nil)(ctx, k)
	}, pool.WithName("jobs"), pool.WithMaxWorkers(1), pool.WithObserver(r.obs))
	require.NoError(t, err)

	ctx, submitter := tracer.Start(t.Context(), "submitter")
	kinds := []kind{succeed, fail, panics, block}
	futs := make([]*future.Future[int], len(kinds))
	for i, k := range kinds {
		futs[i] = p.Submit(ctx, k)
	}
	_, err = future.AllSettled(ctx, futs...)
	require.NoError(t, err)
	require.NoError(t, p.Stop(ctx))
	submitter.End()

	// One worker: the tasks ran, and their spans ended, in Submit order.
	spans := r.taskSpans()
	require.Len(t, spans, len(kinds))
	for i, s := range spans {
		require.Equal(t, trace.SpanKindInternal, s.SpanKind(), i)
		require.Equal(t, poolotel.ScopeName, s.InstrumentationScope().Name)
		require.Equal(t, submitter.SpanContext().TraceID(), s.SpanContext().TraceID(), i)
		require.Equal(t, submitter.SpanContext().SpanID(), s.Parent().SpanID(), "task %d: a child of the submitter's span", i)
		require.True(t, !s.EndTime().Before(s.StartTime()))
		name, _ := attr(s.Attributes(), poolotel.AttrPool)
		require.Equal(t, "jobs", name.AsString())
		worker, _ := attr(s.Attributes(), poolotel.AttrWorker)
		require.Equal(t, attribute.INT64, worker.Type())
		require.Equal(t, int64(0), worker.AsInt64())
		wait, ok := attr(s.Attributes(), poolotel.AttrWait)
		require.True(t, ok)
		require.Equal(t, attribute.FLOAT64, wait.Type())
		require.GreaterOrEqual(t, wait.AsFloat64(), 0.0)
	}
	checkEnd(t, spans[0], pool.Succeeded, "", "")
	checkEnd(t, spans[1], pool.Failed, "boom", "*errors.errorString")
	checkEnd(t, spans[2], pool.Failed, "panic: boom", "*future.PanicError")
	checkEnd(t, spans[3], pool.Succeeded, "", "")

	stack, ok := attr(spans[2].Events()[0].Attributes, "exception.stacktrace")
	require.True(t, ok, "a panic's event has its stack")
	require.Contains(t, stack.AsString(), "poolotel/helpers_test.go", "the stack is the panicking goroutine's")

	var child sdktrace.ReadOnlySpan
	for _, s := range r.spans.Ended() {
		if s.Name() == "work" {
			child = s
		}
	}
	require.NotNil(t, child)
	task := spans[3]
	require.Equal(t, task.SpanContext().TraceID(), child.SpanContext().TraceID())
	require.Equal(t, task.SpanContext().SpanID(), child.Parent().SpanID(), "the task's own span is a child of the task span")
	require.False(t, child.StartTime().Before(task.StartTime()), "the task span starts before the task runs")
	require.False(t, child.EndTime().After(task.EndTime()), "the task span ends after the task returned")
}

// checkEnd checks what TaskFinished put on a task span: the outcome, and
// for a failure status Error with desc and one exception event of
// excType with message desc; otherwise status Unset and no event.
func checkEnd(t *testing.T, s sdktrace.ReadOnlySpan, outcome pool.Outcome, desc, excType string) {
	t.Helper()
	out, ok := attr(s.Attributes(), poolotel.AttrOutcome)
	require.True(t, ok)
	require.Equal(t, outcome.String(), out.AsString())
	if excType == "" {
		require.Equal(t, codes.Unset, s.Status().Code)
		require.Empty(t, s.Events())
		return
	}
	require.Equal(t, sdktrace.Status{Code: codes.Error, Description: desc}, s.Status())
	require.Len(t, s.Events(), 1)
	ev := s.Events()[0]
	require.Equal(t, "exception", ev.Name)
	typ, _ := attr(ev.Attributes, "exception.type")
	require.Equal(t, excType, typ.AsString())
	msg, _ := attr(ev.Attributes, "exception.message")
	require.Equal(t, desc, msg.AsString())
}

// TestSpanOutcomes: the other ways a task ends each end its span once,
// with the outcome and status they deserve: a cancelled task is no
// failure; a Goexit and a timeout (the hard-timeout path, whose function
// ignores its context and outlives the deadline) are.
func TestSpanOutcomes(t *testing.T) {
	cases := []struct {
		name string
		opts []pool.Option
		fn   func(ctx context.Context, started chan<- struct{}, release <-chan struct{}) (int, error)
		// drive makes the task end once it has started, and stops p.
		drive   func(t *testing.T, p *pool.Pool[int, int], f *future.Future[int], release chan<- struct{})
		outcome pool.Outcome
		desc    string // the status description; "" for Unset
	}{{
		name: "cancelled",
		fn:   waitDone,
		drive: func(t *testing.T, p *pool.Pool[int, int], f *future.Future[int], _ chan<- struct{}) {
			require.True(t, f.Cancel())
			require.NoError(t, p.Stop(t.Context()))
		},
		outcome: pool.Cancelled,
	}, {
		name: "stopped",
		fn:   waitDone,
		drive: func(t *testing.T, p *pool.Pool[int, int], _ *future.Future[int], _ chan<- struct{}) {
			p.Cancel()
		},
		outcome: pool.Cancelled,
	}, {
		name: "goexit",
		fn: func(_ context.Context, started chan<- struct{}, _ <-chan struct{}) (int, error) {
			close(started)
			runtime.Goexit()
			return 0, nil
		},
		drive: func(t *testing.T, p *pool.Pool[int, int], _ *future.Future[int], _ chan<- struct{}) {
			require.NoError(t, p.Stop(t.Context()))
		},
		outcome: pool.Failed, desc: future.ErrGoexit.Error(),
	}, {
		name: "timed out",
		opts: []pool.Option{pool.WithTimeout(time.Millisecond)},
		fn: func(_ context.Context, started chan<- struct{}, release <-chan struct{}) (int, error) {
			close(started)
			<-release
			return 1, nil
		},
		drive: func(t *testing.T, p *pool.Pool[int, int], f *future.Future[int], release chan<- struct{}) {
			_, err := f.Wait()
			require.ErrorIs(t, err, context.DeadlineExceeded)
			close(release)
			require.NoError(t, p.Stop(t.Context()))
		},
		outcome: pool.Failed, desc: "pool: task timed out after 1ms: attempt timed out: context deadline exceeded",
	}}
	for _, c := range cases {
		run := func(t *testing.T, virtual bool) {
			r := newRig(t)
			started, release := make(chan struct{}), make(chan struct{})
			p, err := pool.New(func(ctx context.Context, _ int) (int, error) {
				return c.fn(ctx, started, release)
			}, append([]pool.Option{pool.WithName("one"), pool.WithMaxWorkers(1), pool.WithObserver(r.obs)}, c.opts...)...)
			require.NoError(t, err)
			f := p.Submit(t.Context(), 0)
			<-started
			c.drive(t, p, f, release)
			spans := r.taskSpans()
			require.Len(t, spans, 1)
			if c.desc == "" {
				checkEnd(t, spans[0], c.outcome, "", "")
			} else {
				_, ferr := f.Wait()
				require.Equal(t, c.desc, ferr.Error())
				checkEnd(t, spans[0], c.outcome, c.desc, fmt.Sprintf("%T", ferr))
			}
			m := r.collect(t)
			require.Equal(t, uint64(1), m.count(t, "sluice.pool.task.duration", onPool("one", c.outcome)))
			if virtual && c.opts != nil {
				// The timed-out task ran on past its deadline to its
				// release, which came right at the deadline: the span
				// lasts exactly that.
				require.Equal(t, time.Millisecond, spans[0].EndTime().Sub(spans[0].StartTime()))
			}
		}
		t.Run(c.name, func(t *testing.T) {
			t.Run("real", func(t *testing.T) { run(t, false) })
			t.Run("virtual", func(t *testing.T) { synctest.Test(t, func(t *testing.T) { run(t, true) }) })
		})
	}
}

func waitDone(ctx context.Context, started chan<- struct{}, _ <-chan struct{}) (int, error) {
	close(started)
	<-ctx.Done()
	return 0, ctx.Err()
}

// TestDirectCalls: the Observer serves anything that calls a
// pool.Observer's methods, not only pools: a derived context carries the
// task span; a TaskFinished with a context TaskStarted did not return ends
// no span but still records; two Observers on one task end only their own
// spans; an outcome this package does not know is still recorded.
func TestDirectCalls(t *testing.T) {
	r := newRig(t)
	other := newRig(t)
	ctx := t.Context()

	ctxA := r.obs.TaskStarted(ctx, pool.TaskStart{Pool: "flow", Worker: 3, Waited: time.Millisecond})
	ctxB := other.obs.TaskStarted(ctxA, pool.TaskStart{Pool: "flow", Worker: 3})
	_, child := r.tp.Tracer("test").Start(ctxB, "work")
	child.End()
	other.obs.TaskFinished(ctxB, pool.TaskEnd{Pool: "flow", Worker: 3, Outcome: pool.Succeeded})
	require.Empty(t, r.taskSpans(), "the other Observer ended only its own span")
	require.Len(t, other.taskSpans(), 1)
	r.obs.TaskFinished(ctxA, pool.TaskEnd{Pool: "flow", Worker: 3, Ran: time.Second, Outcome: pool.Failed, Err: errBoom})
	spans := r.taskSpans()
	require.Len(t, spans, 1)
	checkEnd(t, spans[0], pool.Failed, "boom", "*errors.errorString")
	require.Equal(t, trace.SpanContextFromContext(ctxA).SpanID(), spans[0].SpanContext().SpanID())
	require.Equal(t, other.taskSpans()[0].SpanContext().SpanID(), r.spans.Ended()[0].Parent().SpanID(),
		"work is the child of the innermost task span")

	r.obs.TaskFinished(ctx, pool.TaskEnd{Pool: "flow", Outcome: pool.Succeeded}) // no TaskStarted
	r.obs.TaskFinished(ctx, pool.TaskEnd{Pool: "flow", Outcome: pool.Outcome(7)})
	require.Len(t, r.taskSpans(), 1, "no span of its own in ctx: none ended")

	m := r.collect(t)
	require.Equal(t, uint64(1), m.count(t, "sluice.pool.task.wait", onPool("flow")))
	dp, ok := m.histogram(t, "sluice.pool.task.wait", onPool("flow"))
	require.True(t, ok)
	require.InDelta(t, 0.001, dp.Sum, 1e-12, "seconds")
	require.Equal(t, uint64(1), m.count(t, "sluice.pool.task.duration", onPool("flow", pool.Failed)))
	require.Equal(t, uint64(1), m.count(t, "sluice.pool.task.duration", onPool("flow", pool.Succeeded)))
	require.Equal(t, uint64(1), m.count(t, "sluice.pool.task.duration", set(poolotel.AttrPool.String("flow"), poolotel.AttrOutcome.String("Outcome(7)"))))
	_, ok = m["sluice.pool.task.submitted"]
	require.False(t, ok, "no pool added: no Stats")
}
