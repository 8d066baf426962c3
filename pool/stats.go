package pool

// Stats is a snapshot of a pool's counters. Figures are read one by one
// while the pool runs, so they need not add up exactly at any instant;
// after Stop returns they do: Submitted = Succeeded + Failed + Cancelled.
type Stats struct {
	// Submitted counts tasks accepted by Submit.
	Submitted uint64
	// Dropped counts submissions refused: pool stopped or full.
	Dropped uint64
	// Queued counts tasks waiting for a worker; Running, those running.
	Queued, Running int
	// Succeeded, Failed and Cancelled count finished tasks by outcome;
	// their sum is the tasks completed. A task cancelled while it waited
	// is counted when a worker reaches it or a stop takes it away.
	Succeeded, Failed, Cancelled uint64
	// Workers holds the same figures per worker, by index: the workers
	// there are now, then any that a [Pool.Resize] retired.
	Workers []WorkerStats
}

// WorkerStats is one worker's share of [Stats].
type WorkerStats struct {
	// Retired is true for a worker a Resize took out: it takes no new
	// tasks, and its counts stay in the totals.
	Retired bool
	// Assigned counts tasks ever given to this worker (a task moved away
	// by a resize counts on both workers).
	Assigned                     uint64
	Queued, Running              int
	Succeeded, Failed, Cancelled uint64
}

// Stats returns a snapshot of the pool's counters. It allocates the
// per-worker slice; it does not stop the pool.
func (p *Pool[In, Out]) Stats() Stats {
	all := *p.workers.Load() // by group slot: lanes of one worker together
	s := Stats{
		Submitted: p.submitted.Load(),
		Dropped:   p.dropped.Load(),
		Workers:   make([]WorkerStats, len(all)/p.lanes),
	}
	view := p.g.View()
	for i, ws := range all {
		w := &s.Workers[i/p.lanes]
		w.Retired = i >= view.Len()
		w.Assigned += view.Assigned(i)
		queued, running := p.g.Load(i)
		w.Queued += queued
		w.Running += running
		w.Succeeded += ws.succeeded.Load()
		w.Failed += ws.failed.Load()
		w.Cancelled += ws.cancelled.Load()
	}
	for _, w := range s.Workers {
		s.Queued += w.Queued
		s.Running += w.Running
		s.Succeeded += w.Succeeded
		s.Failed += w.Failed
		s.Cancelled += w.Cancelled
	}
	return s
}
