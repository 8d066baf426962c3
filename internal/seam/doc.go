// Package seam is what pools and flows share beneath [stage.Backend]: the
// one lifecycle of a backend's workers ([Host]: lanes, starting, the
// signal that a worker ended, closing once), the one task invocation path
// ([Host.Invoke]: the fast path, the policy, panics and runtime.Goexit),
// and the two backends that package pool and package flow are built on: a
// function ([Func]) and a state per worker ([Stateful]).
//
// It is machinery: only pool and flow import it.
package seam
