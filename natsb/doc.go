// Package natsb is sluice's backend of remote workers on NATS: the same
// pools and flows, with their workers' tasks running in other processes
// or on other machines, reached through a NATS server or cluster. It
// needs nats.go only; the in-process server for tests and single
// machines is package embedded, a module of its own, so that programs
// pointed at a real cluster do not link the server.
//
// # The worker side
//
// A worker program registers its functions and stateful workers with
// package remote (the same registry, codecs and error wire form as the
// process backend, package proc) and serves them with [Serve], as one or
// more instances ([WithInstances]) with a number of lanes
// ([WithWorkerLanes]). Each instance announces itself, heartbeats, and
// drains when Serve's ctx ends. [Main] is the hook for a program that
// starts workers of its own binary: it serves on the URL in [EnvURL].
//
// # The dispatcher side
//
// A [Dispatcher] follows the fleet on one connection; [NewBackend] makes
// a stage.Backend of it for one registered function, which pool.NewOn
// and flow.PoolOn take, so every balancing strategy, MaxQueued,
// on-demand workers, limits (held by the dispatcher), retries, timeouts,
// futures, Stats, the Observer and Resize behave as with goroutines.
// Each pool worker is bound to one instance (see [Backend]); [Follow]
// resizes a pool as instances join and leave.
//
// # Delivery
//
// At most once. A request is one NATS message to the instance's subject
// and the answer one message back to the dispatcher's inbox. A task in
// flight on an instance that dies fails with a [*LostError], which
// matches stage.ErrWorkerLost, as soon as the loss is seen: the server's
// disconnect event ([WithSystemEvents], a millisecond or two after the
// process dies), missed heartbeats (3 × 100 ms by default), or "no
// responders" for a request sent to it; never by waiting out a timeout.
// A pool's default retry may then run the task again; Retry.If can
// refuse. A cancelled call sends a cancel, which cancels the task's ctx
// on the instance.
//
// The durable mode ([WithDurable], [WithWorkerDurable], see [Durable])
// is at least once instead: tasks go through a JetStream work-queue
// stream and every future settles exactly once, through worker deaths
// and server restarts.
//
// # Limits and security
//
// A request or result over the server's max_payload fails that call with
// an error matching [ErrTooLarge] (requests) or remote.ErrFrameTooLarge
// (both). An instance refuses a task for a name its program did not
// register (remote.ErrUnknownFunction), and dispatchers bind a function's
// workers only to instances that announced its name. Authentication and
// TLS are the connection's: the embedded server never listens without
// credentials.
//
// # Costs
//
// Measured in bench/ (BenchmarkNATS, 2 shared cores, go1.26.8): see the
// README's "Remote workers on NATS" for the ratios against raw nats.go
// request-reply to the same worker.
package natsb
