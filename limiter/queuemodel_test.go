package limiter_test

import (
	"slices"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"pgregory.net/rapid"
)

// The model behind TestQueueMachine: FIFO queues per limit, units held per
// resource, and the checks run after every step.

// fits reports whether alternative u could be taken now: room in every
// limit it asks and, with queued = nil, no one queued there; with a
// waiter, that waiter at the head of each of those queues.
func (m *machine) fits(u []int64, w *acqState) bool {
	for k, n := range u {
		if n == 0 {
			continue
		}
		if len(m.queues[k]) > 0 && m.queues[k][0] != w {
			return false
		}
		if k == rateIdx {
			if m.limits[k].Available() < n {
				return false
			}
		} else if m.held[k]+n > m.caps[k] {
			return false
		}
	}
	return true
}

func (m *machine) expect(c call) int {
	for _, ai := range c.order {
		if m.fits(c.alts[ai], nil) {
			return ai
		}
	}
	return -1
}

var closed = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func (m *machine) enqueue(a *acqState) {
	for k := range m.limits {
		for _, u := range a.alts {
			if u[k] > 0 {
				m.queues[k] = append(m.queues[k], a)
				break
			}
		}
	}
	m.pending = append(m.pending, a)
}

func (m *machine) dequeue(a *acqState) {
	for k := range m.queues {
		m.queues[k] = slices.DeleteFunc(m.queues[k], func(b *acqState) bool { return b == a })
	}
	m.pending = slices.DeleteFunc(m.pending, func(b *acqState) bool { return b == a })
}

func (m *machine) grant(t *rapid.T, a *acqState) {
	u := a.alts[a.lease.Index()]
	for k, n := range u {
		if got := a.lease.Granted(m.limits[k].Name()); got != n {
			t.Fatalf("lease %d holds %d of %s, want %d", a.id, got, m.limits[k].Name(), n)
		}
		if k == rateIdx {
			if n > 0 {
				m.admitted = append(m.admitted, admission{a.at.Sub(m.start), n})
			}
			continue
		}
		m.held[k] += n
		if m.held[k] > m.caps[k] {
			t.Fatalf("%s holds %d, capacity %d", m.limits[k].Name(), m.held[k], m.caps[k])
		}
	}
	m.leases = append(m.leases, a)
}

// settle takes in the waiters that the last step let through, checking
// FIFO, then checks that no one left waiting could go.
func (m *machine) settle(t *rapid.T) {
	before := make([][]*acqState, len(m.queues))
	for k := range m.queues {
		before[k] = slices.Clone(m.queues[k])
	}
	var granted []*acqState
	for _, a := range slices.Clone(m.pending) {
		select {
		case <-a.done:
		default:
			continue
		}
		if a.err != nil {
			t.Fatalf("waiter %d failed: %v", a.id, a.err)
		}
		a.cancel()
		m.dequeue(a)
		m.grant(t, a)
		granted = append(granted, a)
	}
	for _, a := range granted {
		for k, n := range a.alts[a.lease.Index()] {
			if n == 0 {
				continue
			}
			for _, b := range before[k] {
				if b == a {
					break
				}
				if slices.Contains(m.pending, b) {
					t.Fatalf("waiter %d got %s before waiter %d, queued ahead of it", a.id, m.limits[k].Name(), b.id)
				}
			}
		}
	}
	for _, a := range m.pending {
		for _, ai := range a.order {
			if m.fits(a.alts[ai], a) {
				t.Fatalf("waiter %d still waits, but alternative %d fits", a.id, ai)
			}
		}
	}
	m.check(t)
}

func (m *machine) check(t *rapid.T) {
	for k, l := range m.limits {
		if got, want := l.Waiting(), len(m.queues[k]); got != want {
			t.Fatalf("%s: %d waiting, model has %d", l.Name(), got, want)
		}
		if k == rateIdx {
			if a := l.Available(); a < 0 || a > m.caps[k] {
				t.Fatalf("rate limit has %d available, capacity %d", a, m.caps[k])
			}
			continue
		}
		if got, want := l.Available(), m.caps[k]-m.held[k]; got != want {
			t.Fatalf("%s: %d available, model has %d", l.Name(), got, want)
		}
	}
}

// drain cancels every waiter and releases every lease: then, a while
// later, every limit must be whole.
func (m *machine) drain(t *rapid.T) {
	for _, a := range slices.Clone(m.pending) {
		a.cancel()
		<-a.done
		if a.lease != nil { // granted as the ones before it left
			a.lease.Release()
		}
	}
	for _, a := range m.leases {
		a.lease.Release()
	}
	time.Sleep(time.Hour)
	for _, l := range m.limits {
		if l.Available() != l.Capacity() || l.Waiting() != 0 {
			t.Fatalf("%s: %d available of %d, %d waiting, after everything was released", l.Name(), l.Available(), l.Capacity(), l.Waiting())
		}
	}
	if m.reported {
		return
	}
	switch period := time.Second; m.alg {
	case limiter.GCRA, limiter.TokenBucket:
		for _, w := range []time.Duration{0, period / 2, period, 5 * period} {
			if got := maxInWindow(m.admitted, w, false); float64(got) > float64(m.burst)+float64(m.rate)*w.Seconds()+1e-9 {
				t.Fatalf("%v admitted %d in a window of %v", m.alg, got, w)
			}
		}
	case limiter.SlidingWindow:
		if got := maxInWindow(m.admitted, period, true); got > m.rate {
			t.Fatalf("sliding window admitted %d in one period", got)
		}
	case limiter.FixedWindow:
		per := map[time.Duration]int64{}
		for _, a := range m.admitted {
			per[a.at/period] += a.n
		}
		for w, n := range per {
			if n > m.rate {
				t.Fatalf("fixed window %d admitted %d", w, n)
			}
		}
	}
}
