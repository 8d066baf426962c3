// Package bench holds sluice's side-by-side benchmarks against the libraries
// people would pick instead. It is its own module, so that those libraries
// never enter sluice's go.mod; it has no code to import, only benchmarks.
//
// # Layout
//
// Each comparison is one benchmark function with one sub-benchmark per
// subject, named subject=NAME, and further dimensions as key=value, so one
// run gives every subject's figure side by side on the same machine:
//
//	BenchmarkSubmit        submit a noop task and get its result back (submit_test.go)
//	BenchmarkStream        a stream of items through 8 workers, unordered (stream_test.go)
//	BenchmarkOrderedStream the same in input order (orderedstream_test.go)
//	BenchmarkLimiter       one shared rate limit that never makes anyone wait (limiter_test.go)
//	BenchmarkBalance       heavy-tailed tasks through each balance strategy, in virtual time (balance_test.go)
//	BenchmarkBurst         bursts of tasks separated by idle gaps (burst_test.go)
//	BenchmarkHeavyTail     heavy-tailed sleeping tasks, all submitted at once, in real time (heavytail_test.go)
//	BenchmarkCPUBound      CPU-bound tasks on every core, speedup over a sequential loop (cpubound_test.go)
//	BenchmarkIdleLatency   one task at a time on an idle pool, p50/p99 latency (latency_test.go)
//	BenchmarkMixedOrder    a stream of mixed slow and fast items, ordered against unordered (mixedorder_test.go)
//
// One benchmark op is one item (task, stream item or acquisition) unless the
// benchmark's doc says otherwise, so ns/op and allocs/op read as per item.
// HeavyTail, CPUBound and MixedOrder are the exceptions: one op is one whole
// run of all their tasks, and their figures are the custom metrics
// (makespan/ideal, speedup) that b.ReportMetric adds.
//
// # Running
//
// CI runs every benchmark once, to see that each still works:
//
//	go test -run='^$' -bench=. -benchtime=1x ./...
//
// The script ./run runs them with enough repetitions for benchstat, keeps
// the raw output, benchstat's tables and CPU profiles of sluice's subjects
// in results/, and writes RESULTS.md with cmd/results, which also includes
// the hand-written analysis in notes.md.
//
// BenchmarkBalance runs real pools on a virtual clock (vclock_test.go):
// testing/synctest would do, but synctest.Test takes a *testing.T.
package bench
