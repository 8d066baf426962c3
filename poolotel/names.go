package poolotel

import "go.opentelemetry.io/otel/attribute"

// ScopeName is the instrumentation scope of the tracer and the meter an
// [Observer] gets from its providers: select on it in views and samplers.
const ScopeName = "github.com/sluice-go/sluice/poolotel"

// SpanName is the name of the span an [Observer] makes for each task.
const SpanName = "sluice.task"

// The attributes of the spans and metrics an [Observer] makes; the package
// doc says which carries which.
const (
	// AttrPool is the pool's name (pool.WithName), a string.
	AttrPool = attribute.Key("sluice.pool.name")
	// AttrWorker is the index of the worker that ran the task, from 0 (an
	// int64).
	AttrWorker = attribute.Key("sluice.worker")
	// AttrWait is how long the task waited in the queues between Submit
	// and its start, in seconds (a float64).
	AttrWait = attribute.Key("sluice.task.wait")
	// AttrOutcome is how the task ended: pool.Outcome's String,
	// "succeeded", "failed" or "cancelled".
	AttrOutcome = attribute.Key("sluice.task.outcome")
)

// The instruments' names; the package doc lists them with their units.
const (
	nameWait      = "sluice.pool.task.wait"
	nameDuration  = "sluice.pool.task.duration"
	nameSubmitted = "sluice.pool.task.submitted"
	nameDropped   = "sluice.pool.task.dropped"
	nameCompleted = "sluice.pool.task.completed"
	nameQueued    = "sluice.pool.task.queued"
	nameRunning   = "sluice.pool.task.running"
	nameWorkers   = "sluice.pool.worker.count"
	nameAlive     = "sluice.pool.worker.alive"
)
