package flow

// Option configures one run of a flow: it is passed to a sink, with the
// context, because it says how to run the flow rather than what the flow
// is. The defaults: the first error stops the flow; no progress observer.
type Option func(*runConfig)

type runConfig struct {
	cont     bool
	progress func(Progress)
}

// WithContinueOnError makes a run go on after errors: an item whose
// function fails is dropped from the flow, its error is kept, and the sink
// returns every error kept, joined with errors.Join in the order they
// happened (a single error comes back as it is). The items that succeeded
// still reach the sink. Panics and runtime.Goexit in user functions, and
// errors that leave a stage unable to go on (a limit that can never be
// granted, a failed worker constructor), still stop the flow. See
// "Errors" in the package documentation.
func WithContinueOnError() Option {
	return func(c *runConfig) { c.cont = true }
}

// WithProgress calls fn as the run advances: once when it starts, after
// each chunk of results the sink takes, and once at the end. Calls never
// overlap and come from the goroutine that runs the sink (the caller's,
// except for [Flow.Chan]), so fn needs no locking; it should be quick, as
// the sink waits for it. A nil fn is ignored.
func WithProgress(fn func(Progress)) Option {
	return func(c *runConfig) { c.progress = fn }
}

// Progress is a snapshot of a run for [WithProgress]: enough to draw a
// bar.
type Progress struct {
	// Done is the number of results the sink has taken.
	Done int64
	// Failed is the number of items dropped by errors under
	// [WithContinueOnError]; it is 0 otherwise.
	Failed int64
	// Total is the number of results the flow will give if every item
	// succeeds, when that is known: a flow from a slice through stages
	// that give one result per item (pool stages, Map, Throttle, Buffer).
	// It is -1 when unknown: a channel, sequence or function source, or
	// a Filter, Batch or Unbatch stage on the way.
	Total int64
}
