package bench_test

import (
	"container/heap"
	"fmt"
	"runtime"
	"sync"
	"time"
)

// vclock is the virtual time of BenchmarkBalance: a small, benchmark-only
// cousin of testing/synctest (whose synctest.Test takes a *testing.T, so a
// benchmark cannot use it). Tasks "run" by sleeping on it; time moves only
// when every goroutine of the simulation is idle, and then straight to the
// next wake-up, so a run's makespan depends on which worker got which task
// and on nothing the real scheduler does.
//
// The simulation has one producer and a pool of workers. The producer asks
// admit before each task, which lets at most limit tasks be pending
// (submitted and not finished); workers call sleep with the duration of
// their task. "Idle" is a predicate over the pool (quiet): for a pool with
// per-worker queues, every worker holding a task is asleep in one; for a
// shared queue, no task is waiting or every worker is asleep. The clock
// grants the producer a slot, or advances time, only once the pool is idle,
// so the balancer always sees the loads of tasks that are truly finished.
type vclock struct {
	mu        sync.Mutex
	now       int64
	limit     int    // most pending tasks
	pending   int    // admitted and not finished
	submitted int    // handed to the pool
	started   int    // began to sleep
	finished  int    // woke up
	asleep    int    // sleeping now
	onWorker  []bool // per-worker pools: worker i is asleep in a task
	sleepers  sleepers
	seq       int64
	released  bool // release was called: nothing sleeps any more

	prod     prodState
	inSubmit bool // the producer is inside the pool's submit call
	grant    chan struct{}
}

type prodState int

const (
	prodActing  prodState = iota // submitting, or about to
	prodWaiting                  // in admit, waiting for a slot
	prodDone                     // submitted everything
)

func newVClock(workers, limit int) *vclock {
	return &vclock{limit: limit, onWorker: make([]bool, workers), grant: make(chan struct{})}
}

// admit waits for a free slot: at most limit tasks pending.
func (c *vclock) admit() {
	c.mu.Lock()
	if c.pending < c.limit || c.released {
		c.pending++
		c.mu.Unlock()
		return
	}
	c.prod = prodWaiting
	c.mu.Unlock()
	<-c.grant // the clock took the slot for us
}

// submit wraps the producer's call into the pool.
func (c *vclock) submit(call func()) {
	c.mu.Lock()
	c.submitted++
	c.inSubmit = true
	c.mu.Unlock()
	call()
	c.mu.Lock()
	c.inSubmit = false
	c.mu.Unlock()
}

// done records that the producer has submitted everything.
func (c *vclock) done() {
	c.mu.Lock()
	c.prod = prodDone
	c.mu.Unlock()
}

// sleep runs a task of duration d on worker w (-1 if the pool does not say
// which): it returns at virtual time now+d.
func (c *vclock) sleep(w int, d int64) {
	ch := make(chan struct{})
	c.mu.Lock()
	if c.released {
		c.mu.Unlock()
		return
	}
	c.started++
	c.asleep++
	if w >= 0 {
		c.onWorker[w] = true
	}
	c.seq++
	heap.Push(&c.sleepers, sleeper{at: c.now + d, seq: c.seq, worker: w, wake: ch})
	c.mu.Unlock()
	<-ch
}

// perWorkerQuiet is the idle test of a pool with per-worker queues: the
// producer is waiting or done, and every worker that holds a task (active,
// as the pool's own load counters say) is asleep in one. A pool that steals
// is not idle either while a worker holds nothing and another has tasks
// queued behind the one it runs (the idle one is about to take some), or
// while a steal is moving tasks between two workers' counters (the counters
// add up to fewer than the tasks not yet finished).
func (c *vclock) perWorkerQuiet(active func(i int) int, stealing bool) func() bool {
	return func() bool {
		if c.prod == prodActing {
			return false
		}
		held, idle, queued := 0, false, false
		for i, asleep := range c.onWorker {
			a := active(i)
			if !asleep && a > 0 {
				return false
			}
			held += a
			idle = idle || a == 0
			queued = queued || a > 1
		}
		return !stealing || held == c.submitted-c.finished && !(idle && queued)
	}
}

// sharedQuiet is the idle test of a pool with one shared queue: the
// producer is waiting, done, or blocked in a submit that waits for a free
// worker; and every submitted task has started, or every worker is busy.
func (c *vclock) sharedQuiet() bool {
	full := c.asleep == len(c.onWorker)
	if c.prod == prodActing && !(c.inSubmit && full) {
		return false
	}
	return c.submitted == c.started || full
}

// run drives the simulation of n tasks until all have finished and returns
// the makespan. quiet is called with c.mu held.
func (c *vclock) run(n int, quiet func() bool) (int64, error) {
	deadline := time.Now().Add(time.Minute)
	for spins := 0; ; spins++ {
		c.mu.Lock()
		if !quiet() {
			c.mu.Unlock()
			if spins%1024 == 0 && time.Now().After(deadline) {
				return 0, fmt.Errorf("vclock: no progress at t=%d: %d submitted, %d started, %d finished, %d asleep", c.now, c.submitted, c.started, c.finished, c.asleep)
			}
			runtime.Gosched()
			continue
		}
		switch {
		case c.prod == prodDone && c.finished == n:
			c.mu.Unlock()
			return c.now, nil
		case c.prod == prodWaiting && c.pending < c.limit:
			c.pending++
			c.prod = prodActing
			c.grant <- struct{}{}
		case c.sleepers.Len() == 0:
			c.mu.Unlock()
			return 0, fmt.Errorf("vclock: deadlock at t=%d: nothing asleep, %d of %d finished", c.now, c.finished, n)
		default:
			c.now = c.sleepers[0].at
			for c.sleepers.Len() > 0 && c.sleepers[0].at == c.now {
				s := heap.Pop(&c.sleepers).(sleeper)
				c.asleep--
				if s.worker >= 0 {
					c.onWorker[s.worker] = false
				}
				c.pending--
				c.finished++
				close(s.wake)
			}
		}
		c.mu.Unlock()
	}
}

// release ends the simulation: every task asleep and every task that
// falls asleep from now on returns at once, and the producer is let go, so
// the pool can be stopped even after run failed.
func (c *vclock) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.released = true
	for c.sleepers.Len() > 0 {
		close(heap.Pop(&c.sleepers).(sleeper).wake)
	}
	if c.prod == prodWaiting {
		c.prod = prodActing
		c.grant <- struct{}{}
	}
}

type sleeper struct {
	at, seq int64
	worker  int
	wake    chan struct{}
}

// sleepers is a min-heap by wake-up time, then by order of falling asleep.
type sleepers []sleeper

func (h sleepers) Len() int { return len(h) }
func (h sleepers) Less(i, j int) bool {
	if h[i].at != h[j].at {
		return h[i].at < h[j].at
	}
	return h[i].seq < h[j].seq
}
func (h sleepers) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *sleepers) Push(x any)   { *h = append(*h, x.(sleeper)) }
func (h *sleepers) Pop() any {
	old := *h
	s := old[len(old)-1]
	*h = old[:len(old)-1]
	return s
}
