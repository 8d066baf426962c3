// Package limiter provides the shared limits of sluice: rate limits, call
// limits and resource limits, sets of them acquired all-or-nothing, pools of
// sets that spread work over several API keys or regions, and leases that
// report what the work actually used.
//
// A limit or set is a plain value, safe for concurrent use: share one
// between any number of pools, stages and goroutines by passing it. Pools
// and stages see every kind through one interface, [Acquirer]: Acquire
// before each task, [Lease.Release] after it.
//
// # Limits
//
//   - [NewRateLimit]: limit units per period, where a unit is whatever the
//     caller counts (requests, LLM tokens, bytes), with a choice of
//     [Algorithm]. Units are spent on admission; Release gives nothing back.
//   - [NewCallLimit]: calls per period, a rate limit that counts each
//     acquisition once whatever is reported afterwards.
//   - [NewResourceLimit]: at most capacity units held at once (connections,
//     GPUs, memory), held from acquisition until [Lease.Release].
//
// Each [Limit] has a name, its key in a [Set], a [Request] and a report, and
// the name of the limit that every error about it carries. [Limit.Acquire]
// and [Limit.TryAcquire] ask the limit's default request (1 unit, or
// [WithDefaultRequest]); [Limit.AcquireN] and [Limit.TryAcquireN] ask n.
//
// # Choosing an algorithm
//
// With rate R = limit/period, burst B (default: limit) and period P, each
// algorithm admits, over any window of length T:
//
//	Algorithm      admits at most              refunds  fast path
//	GCRA           B + R*(T + 1ns)             yes      lock-free (one CAS)
//	TokenBucket    B + R*T                     yes      mutex
//	SlidingWindow  limit in every (t-P, t]     no       mutex
//	FixedWindow    limit in every [kP, (k+1)P) no       mutex
//
// and a steady demand gets R (limit per period) through; the virtual-time
// tests hold each of them to this to within 1%. [GCRA] (the default of
// [NewRateLimit]) and [TokenBucket] admit the same: a burst of B after an
// idle spell, then R smoothly; the extra nanosecond of GCRA is its clock's
// resolution. Pick them for throughput limits and for budgets whose use is
// known only afterwards, since only they can refund; TokenBucket for the
// sizes GCRA cannot count (see "Bad input"). [SlidingWindow] (the default
// of [NewCallLimit]) is the one to pick when a server states "at most N in
// any minute": it keeps one entry per admission still inside the window.
// [FixedWindow] is the cheapest in memory and matches servers that reset a
// counter every period, but a stretch of one period across a boundary can
// see 2*limit; its windows start when the limit is made.
//
// # Sets and set pools
//
// A [Set] takes the units a [Request] asks of each of its limits in one
// step, or none: Request{"calls": 1, "tokens": 1000, "connections": 1}. It
// never holds some of them while it waits for the others, so two sets that
// share limits cannot deadlock, whatever order they list them in.
//
// A [SetPool] holds several sets of the same shape (one per API key, say).
// Each acquisition starts at the next set in rotation and takes the first
// that is free now, so work spreads over the sets and fails over when one
// is exhausted; if none is free it waits on all of them at once and takes
// whichever frees first. [Lease.Index] tells which set it got.
//
// # Leases and usage
//
// Every acquisition returns a [*Lease]. Release it in a defer, so that it is
// released however the work ends; Release is idempotent and a nil lease's
// Release does nothing. Before or after, [Lease.Report] (or [Lease.ReportN]
// for a single limit) gives the actual usage: asked for 1000 LLM tokens and
// used 420, GCRA and TokenBucket refund 580, and a waiter that can use them
// is woken at once; the window algorithms cannot refund, the units stay
// spent. Used more than asked, every rate algorithm charges the excess, so
// later acquisitions wait for it. Call and resource limits ignore reports.
// [NewContext] and [FromContext] carry a lease to the task in its context.
//
// # Waiting and fairness
//
// Waiting is first come, first served on every limit: a request is granted
// only when no request queued before it on any limit it asks is still
// waiting, and its units are free. A large request is therefore never
// starved by small ones, and a set queued for a connection also queues,
// behind it, later requests for its other limits. Try* forms never jump the
// queue: with anyone waiting they fail with [ErrWouldBlock] (or false).
//
// A waiter sleeps until something can let it through: a release or refund
// on a limit whose queue it heads, reaching the head of a queue, or a timer
// set for the exact instant its units fall due. Nothing polls. A done
// context ends the wait with context.Cause(ctx), takes the waiter out of
// every queue and wakes the one behind it.
//
// # Bad input
//
// Constructors reject an empty name and a zero or negative rate, period,
// burst or capacity with an error wrapping [ErrInvalidLimit]. A request
// larger than a limit's capacity (its burst, window or capacity) could never
// be granted, so it fails at once with [ErrExceedsCapacity] instead of
// waiting forever; a negative amount or an unknown key fails with
// [ErrInvalidRequest]. Every such error is a [*LimitError] that names the
// limit and starts with "limiter: ".
//
// Every size up to MaxInt64 is counted exactly, whatever int64 sums would
// make of it, but for two bounds of [GCRA]: rates up to 10^10 units per
// second and bursts up to 2^61-1 units ([NewRateLimit] has the details);
// beyond them its constructor fails and [TokenBucket] is the choice.
// Reported usage whose sum passes MaxInt64 keeps a limit full; no count
// wraps round to empty.
//
// # Cost
//
// An acquisition that need not wait allocates its lease and, for [GCRA] and
// resource limits, takes no lock: it checks that no one is queued and makes
// one compare-and-swap, so contention costs little. A Try* form may fail
// when it races with an acquisition of the same limits that is given back a
// moment later (a set whose last member was not free).
//
// Measured by BenchmarkLimitAcquire and BenchmarkSetAcquire: Acquire plus
// Release, at rates too high to ever wait, alone and with 16 goroutines on
// 2 cores; medians of 10 interleaved runs of
//
//	go test -c -o limiter.test ./limiter
//	for i in $(seq 10); do ./limiter.test -test.run '^$' \
//		-test.bench 'LimitAcquire|SetAcquire' -test.benchmem -test.benchtime 500ms; done
//
// on a 2-core AMD EPYC, go1.26.8, while other builds ran (load average 4);
// the ratio, taken within each run, is the figure to trust:
//
//	subject                      alone    16 goroutines  ratio  allocs
//	GCRA limit                   89 ns    90 ns          0.95   1 (64 B)
//	resource limit               55 ns    62 ns          1.19   1 (64 B)
//	TokenBucket limit            144 ns   145 ns         0.94   1 (64 B)
//	SlidingWindow limit          82 ns    111 ns         1.27   1 (64 B)
//	FixedWindow limit            86 ns    94 ns          1.21   1 (64 B)
//	x/time/rate Wait (no lease)  91 ns    117 ns         1.29   0
//	set: 2 GCRA + 1 resource     200 ns   213 ns         1.07   2 (160 B)
//
// On a quiet machine a GCRA acquisition took 53 ns alone and 41 ns
// contended; reading the clock is about a third of it. A wait costs a
// goroutine wake-up.
package limiter
