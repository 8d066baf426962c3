package pool_test

import (
	"context"
	"errors"
	"fmt"
	"testing/synctest"
	"time"

	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

// The model side of the state machine in statemachine_test.go: how the
// workers move on, and the checks of the pool against the model.

func (m *machine) pending() int {
	n := 0
	for _, q := range m.queues {
		n += len(q)
	}
	return n
}

// settle moves the model on as the workers do: each runs its tasks in order
// until one blocks on a closed gate.
func (m *machine) settle() {
	now := time.Now()
	for w, q := range m.queues {
		busy := len(q) > 0
		for len(q) > 0 {
			tk := q[0]
			if tk.want == wantCancelled {
				m.cancelled[w]++
				q = q[1:]
				continue
			}
			switch tk.kind {
			case kindGated:
				if !tk.released {
					tk.started = true
					goto blocked
				}
				tk.want = wantValue
				m.succeeded[w]++
			case kindFail:
				tk.want = wantFailed
				m.failed[w]++
			case kindPanic:
				tk.want = wantPanic
				m.failed[w]++
			case kindGoexit:
				tk.want = wantGoexit
				m.failed[w]++
			}
			q = q[1:]
		}
	blocked:
		m.queues[w] = q
		if busy && len(q) == 0 {
			m.wasBusy[w], m.idleSince[w] = true, now
		}
	}
}

// abort is the model of a cancelling stop: the running task of each worker
// is cancelled, the queued ones are taken away.
func (m *machine) abort() {
	now := time.Now()
	for w, q := range m.queues {
		for i, tk := range q {
			switch {
			case i == 0: // running, blocked on its gate
				tk.want = wantCancelled
			case tk.want == wantPending:
				tk.want = wantStopCancelled
			}
			m.cancelled[w]++
		}
		if len(q) > 0 {
			m.wasBusy[w], m.idleSince[w] = true, now
		}
		m.queues[w] = nil
	}
}

// wantAlive is how many worker goroutines the model expects.
func (m *machine) wantAlive() int {
	n := 0
	for w := range m.queues {
		if m.alive(w) {
			n++
		}
	}
	return n
}

// alive reports whether the model expects worker w to have a goroutine.
func (m *machine) alive(w int) bool {
	switch {
	case len(m.queues[w]) > 0:
		return true
	case m.stopping:
		return false
	case !m.cfg.onDemand:
		return true
	}
	return m.wasBusy[w] && time.Now().Before(m.idleSince[w].Add(m.cfg.linger))
}

// check compares the pool, once quiet, with the model.
func (m *machine) check(t *rapid.T) {
	synctest.Wait()
	st := m.p.Stats()
	if st.Submitted != m.submitted || st.Dropped != m.dropped {
		t.Fatalf("Submitted, Dropped = %d, %d; want %d, %d", st.Submitted, st.Dropped, m.submitted, m.dropped)
	}
	for w, q := range m.queues {
		ws := st.Workers[w]
		running := min(len(q), 1)
		want := pool.WorkerStats{
			Assigned:  m.assigned[w],
			Queued:    len(q) - running,
			Running:   running,
			Succeeded: m.succeeded[w],
			Failed:    m.failed[w],
			Cancelled: m.cancelled[w],
		}
		if ws != want {
			t.Fatalf("worker %d stats %+v, want %+v", w, ws, want)
		}
		// A goroutine worker holds the task it runs and no more.
		if h := pool.Handed(m.p, w); h != min(len(q), 1) {
			t.Fatalf("worker %d: %d tasks handed, want %d", w, h, min(len(q), 1))
		}
		if m.ws[w].overlap.Load() {
			t.Fatalf("worker %d ran two tasks at once", w)
		}
		// A worker's W lives while the worker does: a persistent one from
		// New, an on-demand one from its first task until its goroutine
		// ends; a W is made only while none is live and closed once.
		if fault := m.ws[w].misuse.Load(); fault != nil {
			t.Fatalf("worker %d's W: %s", w, fault)
		}
		if live, want := m.ws[w].live.Load(), m.alive(w) || !m.cfg.onDemand && !m.stopping; live != want {
			t.Fatalf("worker %d's W live = %v, want %v", w, live, want)
		}
		if h := int(m.ws[w].maxHanded.Load()); h > m.cfg.queued {
			t.Fatalf("worker %d had %d tasks handed to it, MaxQueued %d", w, h, m.cfg.queued)
		}
	}
	if a := m.p.Alive(); a != m.wantAlive() || a > m.cfg.workers {
		t.Fatalf("Alive() = %d, want %d (of %d workers)", a, m.wantAlive(), m.cfg.workers)
	}
	for _, tk := range m.tasks {
		m.checkTask(t, tk)
	}
	for _, s := range m.stops {
		m.checkStop(t, s)
	}
}

func (m *machine) checkTask(t *rapid.T, tk *smTask) {
	v, err, ok := tk.fut.TryResult()
	if ok != (tk.want != wantPending) {
		t.Fatalf("task %d (%v): settled %v, model %v", tk.id, tk.kind, ok, tk.want)
	}
	wantSettles := int32(1)
	if tk.want == wantPending {
		wantSettles = 0
	}
	if n := tk.settles.Load(); n != wantSettles {
		t.Fatalf("task %d: OnSettled called %d times, model %v", tk.id, n, tk.want)
	}
	var wrong bool
	switch tk.want {
	case wantValue:
		wrong = err != nil || v != tk.id
	case wantFailed:
		wrong = !errors.Is(err, tk.err)
	case wantPanic:
		pe, isPanic := errors.AsType[*future.PanicError](err)
		wrong = !isPanic || pe.Value != fmt.Sprintf("task %d", tk.id)
	case wantGoexit:
		wrong = !errors.Is(err, future.ErrGoexit)
	case wantCancelled:
		wrong = !errors.Is(err, future.ErrCancelled) || !errors.Is(err, context.Canceled) || errors.Is(err, pool.ErrStopped)
	case wantStopCancelled:
		wrong = !errors.Is(err, pool.ErrStopped) || !errors.Is(err, context.Canceled)
	case wantRejected:
		wrong = !errors.Is(err, pool.ErrStopped) || errors.Is(err, context.Canceled)
	}
	if wrong {
		t.Fatalf("task %d (%v): got %v, %v; model %v", tk.id, tk.kind, v, err, tk.want)
	}
	runs := tk.runs.Load()
	var wantRuns int32
	switch tk.want {
	case wantValue, wantFailed, wantPanic, wantGoexit:
		wantRuns = 1
	case wantPending, wantCancelled:
		if tk.started {
			wantRuns = 1
		}
	}
	if runs != wantRuns {
		t.Fatalf("task %d (%v, model %v): ran %d times, want %d", tk.id, tk.kind, tk.want, runs, wantRuns)
	}
	if runs > 0 && int(tk.ranOn.Load())-1 != tk.worker {
		t.Fatalf("task %d ran on worker %d, assigned to %d", tk.id, tk.ranOn.Load()-1, tk.worker)
	}
}

func (m *machine) checkStop(t *rapid.T, s *smStop) {
	if !s.over {
		select {
		case s.err = <-s.done:
			s.over = true
		default:
		}
	}
	drained := m.pending() == 0
	if s.over != drained {
		t.Fatalf("%s stop returned %v, but %d tasks pending", s.mode, s.over, m.pending())
	}
	if !s.over {
		return
	}
	switch {
	case s.mode == "cancelled-ctx" && s.pending > 0:
		if !errors.Is(s.err, context.Canceled) {
			t.Fatalf("Stop(cancelled ctx) with %d pending = %v, want context.Canceled", s.pending, s.err)
		}
	case s.mode == "cancelled-ctx":
		// Nothing to cancel: the select in Stop may see either end first.
		if s.err != nil && !errors.Is(s.err, context.Canceled) {
			t.Fatalf("Stop(cancelled ctx) = %v", s.err)
		}
	case s.err != nil:
		t.Fatalf("%s stop = %v, want nil", s.mode, s.err)
	}
}

// finish opens every gate, stops the pool and checks that every future
// settled exactly once and the counters add up.
func (m *machine) finish(t *rapid.T) {
	for _, tk := range m.unreleased() {
		tk.released = true
		close(tk.gate)
	}
	m.settle()
	if !m.stopping {
		m.stopWith("graceful")
	}
	m.check(t)
	for _, s := range m.stops {
		if !s.over {
			t.Fatalf("%s stop did not return", s.mode)
		}
	}
	for _, tk := range m.tasks {
		if tk.want == wantPending || tk.settles.Load() != 1 {
			t.Fatalf("task %d: model %v, OnSettled called %d times", tk.id, tk.want, tk.settles.Load())
		}
	}
	st := m.p.Stats()
	if st.Submitted != st.Succeeded+st.Failed+st.Cancelled {
		t.Fatalf("after Stop: Submitted %d != Succeeded %d + Failed %d + Cancelled %d", st.Submitted, st.Succeeded, st.Failed, st.Cancelled)
	}
	if st.Queued != 0 || st.Running != 0 || m.p.Alive() != 0 {
		t.Fatalf("after Stop: Queued %d, Running %d, Alive %d", st.Queued, st.Running, m.p.Alive())
	}
	for _, w := range m.ws {
		if w.live.Load() {
			t.Fatalf("after Stop: worker %d's W is not closed", w.id)
		}
	}
}
