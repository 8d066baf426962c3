package balance

import "sync/atomic"

// LeastActive returns a [Strategy] that sends each task to the worker holding
// the fewest tasks now ([Workers.Active]). It is the choice when task
// durations vary widely: a task never waits in line behind a slow one while
// another worker is idle.
//
// Ties go to the first least-active worker found by a scan that starts one
// place further on at each Pick (an atomic counter, as in [RoundRobin]), so
// tied workers share the tasks instead of the lowest-numbered one taking
// them all; when all are tied, idle ones included, it picks exactly like
// RoundRobin. The scan stops at the first idle worker, since none can beat
// it.
//
// The value is safe for concurrent use and Pick does not allocate. When no
// worker is idle Pick calls [Workers.Active] once for every worker, so it
// costs O(n): a median of 20ns among 8 busy workers and 118ns among 64 on
// the view a pool gives (see Cost in the package doc), where each call is
// an atomic load behind a pointer; [PowerOfTwo], which reads two counts,
// costs 16ns there. The counts may move while it reads them; the
// answer is least-active for what it read. Its name is "least-active".
func LeastActive() Strategy { return new(leastActive) }

type leastActive struct {
	start atomic.Uint64
}

func (s *leastActive) Pick(w Workers) int {
	n := workerCount(w)
	i := int((s.start.Add(1) - 1) % uint64(n))
	best, low := i, w.Active(i)
	for range n - 1 {
		if low <= 0 {
			break
		}
		if i++; i == n {
			i = 0
		}
		if a := w.Active(i); a < low {
			best, low = i, a
		}
	}
	return best
}

func (s *leastActive) String() string { return "least-active" }

// LeastTotal returns a [Strategy] that sends each task to the worker that has
// been given the fewest tasks so far ([Workers.Assigned]). It evens out the
// number of tasks per worker, however long they took. When it is the only
// way tasks are assigned it picks like [RoundRobin]; it differs when some
// tasks are placed otherwise, as with the keyed tasks of [KeyAffinity],
// whose fallback it then makes up for. A worker added later, with a count
// of zero, takes every task until it has caught up.
//
// Ties are broken as for [LeastActive], by a scan from a rotating start,
// which stops at a worker never assigned a task. The value is safe for
// concurrent use and Pick does not allocate. It costs O(n), one
// [Workers.Assigned] call per worker: a median of 20ns among 8 workers and
// 172ns among 64 on the view a pool gives (see Cost in the package doc).
// Its name is "least-total".
func LeastTotal() Strategy { return new(leastTotal) }

type leastTotal struct {
	start atomic.Uint64
}

func (s *leastTotal) Pick(w Workers) int {
	n := workerCount(w)
	i := int((s.start.Add(1) - 1) % uint64(n))
	best, low := i, w.Assigned(i)
	for range n - 1 {
		if low == 0 {
			break
		}
		if i++; i == n {
			i = 0
		}
		if a := w.Assigned(i); a < low {
			best, low = i, a
		}
	}
	return best
}

func (s *leastTotal) String() string { return "least-total" }
