// Package balance decides which worker gets the next task: the load
// balancing strategies behind sluice's pools and stages.
//
// # Strategies
//
// A [Strategy] picks a worker by index from a [Workers] view, which tells it
// how many workers there are, how many tasks each holds now
// ([Workers.Active]) and how many each has been given ([Workers.Assigned]).
// A pool calls Pick once for each task it accepts, giving it its worker
// group's live view as the Workers, and puts the task on the picked
// worker's queue. A [KeyedStrategy] can also
// pick by a task's key, so that all tasks with one key go to one worker and
// keep their order.
//
// sluice's pools and flows steal by default: a worker that runs out of work
// takes queued tasks from a busy one, and while a worker is idle a new task
// goes to it whatever the strategy picked. The strategy then decides where
// work starts out; it decides everything when stealing is off
// (pool.WithStealing(false)) and when every worker is busy.
//
// Picking is pure and cheap. Pick returns an index in [0, Len()), never
// blocks, never allocates, and is safe to call from many goroutines at once.
// The counts it reads may change as it reads them, so strategies make good
// choices, not exact ones. Each constructor returns a fresh value with its
// own state; a value's String is its name, which [ByName] turns back into a
// strategy.
//
// # Choosing a strategy
//
//   - [RoundRobin], the default, hands tasks to workers in turn. It is fair
//     and the cheapest, and right when tasks take about the same time.
//   - [LeastActive] picks the worker holding the fewest tasks now. Use it
//     when durations vary widely (one task takes 1s, the next 10s): a task
//     never waits behind a slow one while another worker is idle. It reads
//     every worker's count, so it costs O(n).
//   - [PowerOfTwo] picks the less busy of two workers chosen at random. Its
//     balance comes close to LeastActive's at O(1), which suits large pools
//     of variable tasks.
//   - [Random] picks any worker, uniformly. It reads no counts and shares no
//     state, so it suits high-throughput pools, where checking loads is
//     overhead, and on-demand pools, whose workers come and go.
//   - [LeastTotal] picks the worker given the fewest tasks so far. It evens
//     out task counts when some tasks are placed by key.
//   - [KeyAffinity] sends every task with the same key to the same worker,
//     to keep per-key order (one user's events, one file's chunks), and the
//     rest wherever its fallback picks. [KeyOf] turns a string into a key.
//
// # Writing a strategy
//
// Any type with a Pick method that keeps the contract is a Strategy. This
// one fills the lowest-numbered idle worker first, so the others stay cold
// until load needs them:
//
//	type firstIdle struct{ busy balance.Strategy }
//
//	func (s firstIdle) Pick(w balance.Workers) int {
//		for i := range w.Len() {
//			if w.Active(i) == 0 {
//				return i
//			}
//		}
//		return s.busy.Pick(w) // all busy: let another strategy choose
//	}
//
// Keep what a strategy remembers in atomics (a counter, as RoundRobin does),
// never behind a mutex: Pick sits on every task's path. Implement
// [fmt.Stringer] so logs can name it.
//
// # Cost
//
// The time of one Pick (PickKey for key-affinity), the median of 10 runs of
// BenchmarkPick and BenchmarkPickParallel, from
//
//	go test -run '^$' -bench Pick -count 10 ./balance
//
// with Go 1.26.8 on an "Intel(R) Xeon(R) Processor" virtual machine, 2 vCPU,
// loaded with other work. The benchmarks pick from a Workers shaped like the
// view a pool gives (a slice of pointers to per-worker atomic counts, each
// on its own cache line), read through the interface, so these are the
// costs a pool pays. Every worker holds tasks, unevenly, the worst case for
// the scanning strategies, which stop at the first idle worker. The
// parallel columns are wall time per pick with two goroutines picking from
// one value; perfect scaling would halve the serial figure, but on this
// loaded machine no row came out faster than serial. Round-robin, least-active, least-total and power-of-two
// also write a word the goroutines share on every pick; random and
// key-affinity share nothing. Nothing allocates. The figures are noisy:
// random and round-robin do no more work at 64 workers than at 8, so the
// gaps in their rows are noise, and a second run straight after gave
// medians from 0.65 to 2.8 times these. Read them as ratios.
//
//	                 serial               parallel
//	strategy         8 workers  64        8 workers  64
//	round-robin       8.9 ns    11 ns     18 ns      15 ns
//	least-active     20 ns     118 ns     40 ns     194 ns
//	least-total      20 ns     172 ns     42 ns     213 ns
//	random           14 ns       8.8 ns   14 ns       9.9 ns
//	power-of-two     18 ns      16 ns     35 ns      29 ns
//	key-affinity      3.5 ns     3.5 ns    4.5 ns     8.6 ns
//
// The scanning strategies, least-active and least-total, are the slow ones
// among many workers: they make one Workers method call per worker, each
// an atomic load behind a pointer in the pool's view, about 2 ns a worker.
// Among 64 busy workers [PowerOfTwo] costs a seventh of [LeastActive].
package balance
