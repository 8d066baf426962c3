// Package proc runs sluice workers as operating-system processes: crash
// isolation (a worker that dies takes only its own calls with it) and
// hard timeouts (a worker that ignores cancellation is killed). It speaks
// the protocol of package remote over pipes, with the standard library
// only, on Unix.
//
// # The worker side
//
// A worker process is the program's own binary (or one named with
// [WithCommand]) started with [EnvWorker] set. Its main calls [Main]
// first: in a worker, Main serves the functions registered with package
// remote, at package scope, and exits when its request pipe closes,
// because the parent closed it or died; everywhere else it returns at
// once. Tests that start workers from the test binary call it first in
// TestMain:
//
//	func TestMain(m *testing.M) {
//		proc.Main()
//		os.Exit(m.Run())
//	}
//
// Frames travel on file descriptors 3 (requests) and 4 (responses),
// never on the worker's stdout and stderr, which go to the parent's
// stderr or to the writer given with [WithOutput].
//
// # The parent side
//
// [Start] starts a worker and returns a [Process], a remote.Transport:
//
//	var square = remote.Register("square", Square)
//	...
//	p, err := proc.Start(ctx)
//	n, err := square.Call(ctx, p, 0, 7)
//
// Calls are pipelined: any number may be in flight on one process, and
// answers are matched by id. A call whose ctx ends returns at once, and a
// cancel frame cancels the call's ctx in the worker; with
// [WithHardTimeout], a worker that has not answered a cancelled call in
// time is killed.
//
// # Losing a worker
//
// When a worker process dies (killed, os.Exit, a panic in a goroutine it
// started), every call in flight on it fails with a [*LostError], which
// carries the exit status and matches [ErrProcessLost] (the error the
// stage backend maps to stage.ErrWorkerLost); calls on other processes go
// on. It is seen as soon as the kernel closes the worker's pipe: about a
// millisecond after SIGKILL for a small worker, longer for a large one,
// whose memory the kernel frees first. [Process.Done] then closes.
// [Process.Kill] kills a worker on purpose and reports the same way.
//
// # Ending a worker
//
// [Process.Close] is graceful: it closes the request pipe, the worker
// cancels the calls still in flight, closes its stateful workers (those
// that are io.Closer) and exits, and after the grace period ([WithGrace])
// Close kills it. Every process Start started is reaped exactly once, by
// a goroutine of its own, however it ends: no zombies. A worker whose
// parent dies sees its request pipe close and ends the same way.
//
// # Pools and flows on worker processes
//
// [NewBackend] puts a pool's workers in processes (pool.NewOn), and
// [Backends] a flow's pool stage (flow.PoolOn): one process per worker,
// pool.WithMaxQueued tasks pipelined on it, started up front for a
// persistent pool, closed when its worker ends, and replaced when it is
// lost, whose tasks in flight fail with an error matching
// stage.ErrWorkerLost and [ErrProcessLost]. Everything else (balancing,
// queues, limits, retries, timeouts, Stats, the Observer) is the pool's.
package proc
