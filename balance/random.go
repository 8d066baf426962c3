package balance

import "math/rand/v2"

// Random returns a [Strategy] that picks a worker uniformly at random,
// without looking at loads. It suits high-throughput pools, where reading
// the loads is itself overhead, and on-demand pools, whose workers come and
// go; over many tasks it spreads them evenly, but unlike [RoundRobin] not
// exactly so over a short run.
//
// It draws from the top-level functions of math/rand/v2, which are
// lock-free and per-thread, so the value has no state of its own: it is safe
// for concurrent use, goroutines picking at once do not contend, and Pick
// does not allocate. It costs 9 to 14ns whatever the number of workers (see
// Cost in the package doc). Picks are not reproducible. Its name is
// "random".
func Random() Strategy { return random{} }

type random struct{}

func (random) Pick(w Workers) int { return rand.IntN(workerCount(w)) }

func (random) String() string { return "random" }
