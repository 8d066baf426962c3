package balance

import "strconv"

// Workers is what a [Strategy] sees of the workers it picks among: how many
// there are and how loaded each is. Indices run from 0 to Len()-1. The
// figures may change while a strategy reads them; strategies treat them as a
// snapshot that is good enough, never as exact. Pools and flows pass
// their worker group's live view, whose counts move as tasks come and go;
// code that hands out work of its own implements Workers over its own
// counts.
//
// Strategies call Workers on the submitting path, once or a few times per
// task (the least-loaded strategies once per worker), so its methods should
// be cheap and must be safe for concurrent use.
type Workers interface {
	// Len returns the number of workers; it is at least 1.
	Len() int
	// Active returns the tasks worker i holds now: queued for it or running.
	// It is never negative.
	Active(i int) int
	// Assigned returns the tasks ever given to worker i.
	Assigned(i int) uint64
}

// Strategy picks the worker that gets the next task. Pick must return an
// index in [0, w.Len()), be safe for concurrent use, and not allocate: it is
// called once per task on the submitting path.
//
// The constructors in this package ([RoundRobin], [LeastActive],
// [LeastTotal], [Random], [PowerOfTwo], [KeyAffinity]) each return a fresh
// value with its own state; share one value between the pools that should
// share its rotation, and make one per pool otherwise. Their values also
// implement [fmt.Stringer], giving the names [ByName] accepts. Their Pick
// panics with a "balance: " message if w has no workers.
type Strategy interface {
	Pick(w Workers) int
}

// KeyedStrategy is a Strategy that can also pick by a task's key, so that
// all tasks with one key go to one worker and keep their order there. Pools
// and stages call PickKey for tasks that carry a key and Pick for the rest.
// PickKey has the same contract as Pick: an index in [0, w.Len()), safe for
// concurrent use, no allocation. [KeyAffinity] is the implementation here.
type KeyedStrategy interface {
	Strategy
	PickKey(w Workers, key uint64) int
}

// workerCount returns w.Len(), panicking with a clear message where the
// Workers contract is broken rather than dividing by zero further in.
func workerCount(w Workers) int {
	if w == nil {
		panic("balance: Pick with nil Workers")
	}
	n := w.Len()
	if n < 1 {
		panic("balance: Pick among " + strconv.Itoa(n) + " workers; want at least 1")
	}
	return n
}
