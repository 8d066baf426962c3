// Package policy is how each task of a pool or a flow's pool stage runs:
// the one implementation of timeouts, retries, backoff and limits that
// both use. It is internal: users set it through pool's options
// (pool.WithTimeout, pool.WithRetry, pool.WithLimit).
//
// A [Policy] is how each task runs, and [Run] runs it: a timeout per
// attempt, retries as [Retry] says with a [Backoff] between them
// ([Constant], [Linear], [Exponential], [Fibonacci] or a function of the
// retry number, capped by Max, optionally with full jitter), and a limit
// each attempt holds while it runs. (Validators are not the policy's:
// pool.Validate wraps the function.)
// Waits are exact and end early when ctx is done. Run never retries once
// ctx is done, never retries a *future.PanicError (a panic is a bug), and by
// default does not retry context.Canceled. [Policy.Check],
// [Retry.Validate] and [Backoff.Validate] name the field that is wrong.
package policy
