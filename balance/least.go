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
// The value is safe for concurrent use and Pick does not allocate. Pick reads
// every worker's count when none is idle, so it costs O(n): about 10ns
// among 8 busy workers and 50ns among 64 when reading a [*Loads], which it
// reads directly, and about twice that through other Workers (see Cost in
// the package doc). The counts may move while it reads them; the answer is
// least-active for what it read. Its name is "least-active".
func LeastActive() Strategy { return new(leastActive) }

type leastActive struct {
	start atomic.Uint64
}

func (s *leastActive) Pick(w Workers) int {
	n := workerCount(w)
	i := int((s.start.Add(1) - 1) % uint64(n))
	if l, ok := w.(*Loads); ok {
		return l.leastActiveFrom(i)
	}
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
// concurrent use and Pick does not allocate. It costs O(n), about 10ns among
// 8 workers and 40ns among 64 on a [*Loads]. Its name is "least-total".
func LeastTotal() Strategy { return new(leastTotal) }

type leastTotal struct {
	start atomic.Uint64
}

func (s *leastTotal) Pick(w Workers) int {
	n := workerCount(w)
	i := int((s.start.Add(1) - 1) % uint64(n))
	if l, ok := w.(*Loads); ok {
		return l.leastAssignedFrom(i)
	}
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

// leastActiveFrom is LeastActive's scan from worker i, reading the counters
// without a method call per worker. It must pick as the general scan does.
func (l *Loads) leastActiveFrom(i int) int {
	ws := l.w
	best, low := i, ws[i].active.Load()
	for j := i + 1; j < len(ws) && low > 0; j++ {
		if a := ws[j].active.Load(); a < low {
			best, low = j, a
		}
	}
	for j := 0; j < i && low > 0; j++ {
		if a := ws[j].active.Load(); a < low {
			best, low = j, a
		}
	}
	return best
}

// leastAssignedFrom is LeastTotal's scan from worker i; see leastActiveFrom.
func (l *Loads) leastAssignedFrom(i int) int {
	ws := l.w
	best, low := i, ws[i].assigned.Load()
	for j := i + 1; j < len(ws) && low > 0; j++ {
		if a := ws[j].assigned.Load(); a < low {
			best, low = j, a
		}
	}
	for j := 0; j < i && low > 0; j++ {
		if a := ws[j].assigned.Load(); a < low {
			best, low = j, a
		}
	}
	return best
}
