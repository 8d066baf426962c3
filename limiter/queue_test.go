package limiter_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/sluice-go/sluice/limiter"
	"pgregory.net/rapid"
)

// TestQueueMachine runs random sequences of acquire, try, report, release,
// cancel and the passing of time, each acquisition in its own goroutine,
// on three resource limits and a rate limit, sets over them and a pool of
// two sets, in a synctest bubble (so "blocked" is observable), against a
// model of FIFO queues. It checks that
//   - an acquisition is granted at once exactly when every limit it asks has
//     no one queued and room (so try and acquire never jump the queue);
//   - no waiter is granted while one queued ahead of it on a limit it takes
//     stays queued (FIFO);
//   - whenever all goroutines are blocked, no waiter could be granted
//     (wake-ups are never lost, timers fire when units fall due);
//   - no resource is ever held beyond its capacity, and the limits' own
//     counts match the model;
//   - once everything is released and cancelled, every limit is whole again;
//   - without reports, the rate limit never admits more than its algorithm
//     allows.
func TestQueueMachine(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		rapid.SyncTest(rt, func(rt *rapid.T) {
			m := newMachine(rt)
			rt.Cleanup(func() { // on failure, let waiters go
				for _, a := range m.pending {
					a.cancel()
				}
			})
			rt.Repeat(map[string]func(*rapid.T){
				"acquire": m.acquire,
				"try":     m.try,
				"release": m.release,
				"report":  m.report,
				"cancel":  m.cancel,
				"advance": m.advance,
				"":        m.check,
			})
			m.drain(rt)
		})
	})
}

const rateIdx = 3 // limits 0..2 are resources, 3 the rate limit

type machine struct {
	start   time.Time
	limits  []*limiter.Limit
	caps    []int64
	alg     limiter.Algorithm
	rate    int64 // rate limit: units per second
	burst   int64
	sets    []*limiter.Set
	members [][]int
	pool    *limiter.SetPool
	poolOf  []int // the pool's sets, as indexes in sets
	calls   int   // pool calls so far: its rotation

	held     []int64       // resource units held, by the model
	queues   [][]*acqState // model FIFO per limit
	pending  []*acqState
	leases   []*acqState
	admitted []admission // rate limit grants
	reported bool
	nextID   int
}

// acqState is one acquisition: what it may take (alternatives, each units
// per limit), and what became of it.
type acqState struct {
	id     int
	alts   [][]int64
	parts  [][]int
	order  []int // alternatives in the order tried
	cancel context.CancelFunc
	done   chan struct{}
	lease  *limiter.Lease
	err    error
	at     time.Time
}

func newMachine(t *rapid.T) *machine {
	m := &machine{start: time.Now()}
	for _, name := range []string{"a", "b", "c"} {
		c := rapid.Int64Range(1, 3).Draw(t, "cap_"+name)
		l, err := limiter.NewResourceLimit(name, c)
		must(t, err)
		m.limits, m.caps = append(m.limits, l), append(m.caps, c)
	}
	m.alg = rapid.SampledFrom([]limiter.Algorithm{limiter.GCRA, limiter.TokenBucket, limiter.SlidingWindow, limiter.FixedWindow}).Draw(t, "alg")
	m.rate = rapid.Int64Range(1, 4).Draw(t, "rate")
	m.burst = m.rate
	opts := []limiter.Option{limiter.WithAlgorithm(m.alg)}
	if m.alg == limiter.GCRA || m.alg == limiter.TokenBucket {
		m.burst = rapid.Int64Range(1, 4).Draw(t, "burst")
		opts = append(opts, limiter.WithBurst(m.burst))
	}
	r, err := limiter.NewRateLimit("r", m.rate, time.Second, opts...)
	must(t, err)
	m.limits, m.caps = append(m.limits, r), append(m.caps, r.Capacity())
	m.held = make([]int64, len(m.limits))
	m.queues = make([][]*acqState, len(m.limits))

	nsets := rapid.IntRange(2, 3).Draw(t, "sets")
	for i := range nsets {
		idx := rapid.SliceOfNDistinct(rapid.IntRange(0, len(m.limits)-1), 1, len(m.limits), rapid.ID).Draw(t, fmt.Sprintf("set_%d", i))
		ls := make([]*limiter.Limit, len(idx))
		for j, k := range idx {
			ls[j] = m.limits[k]
		}
		s, err := limiter.NewSet(ls...)
		must(t, err)
		m.sets, m.members = append(m.sets, s), append(m.members, idx)
	}
	m.poolOf = []int{0, 1}
	m.pool, err = limiter.NewSetPool(m.sets[0], m.sets[1])
	must(t, err)
	return m
}

func must(t *rapid.T, err error) {
	if err != nil {
		t.Fatal(err)
	}
}

// call draws one acquisition: its alternatives, rotation, and the calls
// that make it blocking (acquire) and not (try).
type call struct {
	alts    [][]int64
	parts   [][]int // per alternative, the limits its lease has parts of
	order   []int
	acquire func(context.Context) (*limiter.Lease, error)
	try     func() (*limiter.Lease, bool)
}

func (m *machine) draw(t *rapid.T) call {
	units := func() []int64 { return make([]int64, len(m.limits)) }
	switch rapid.IntRange(0, 2).Draw(t, "target") {
	case 0:
		i := rapid.IntRange(0, len(m.limits)-1).Draw(t, "limit")
		l := m.limits[i]
		n := rapid.Int64Range(0, m.caps[i]).Draw(t, "n")
		u := units()
		u[i] = n
		return call{alts: [][]int64{u}, parts: [][]int{{i}}, order: []int{0},
			acquire: func(ctx context.Context) (*limiter.Lease, error) { return l.AcquireN(ctx, n) },
			try: func() (*limiter.Lease, bool) {
				ls, err := l.TryAcquireN(n)
				return ls, err == nil
			}}
	case 1:
		j := rapid.IntRange(0, len(m.sets)-1).Draw(t, "set")
		s := m.sets[j]
		req := limiter.Request{}
		u := units()
		for _, k := range m.members[j] {
			u[k] = 1 // a member left out is asked its default
			if rapid.Bool().Draw(t, "ask_"+m.limits[k].Name()) {
				u[k] = rapid.Int64Range(0, m.caps[k]).Draw(t, "n_"+m.limits[k].Name())
				req[m.limits[k].Name()] = u[k]
			}
		}
		return call{alts: [][]int64{u}, parts: [][]int{m.members[j]}, order: []int{0},
			acquire: func(ctx context.Context) (*limiter.Lease, error) { return s.AcquireRequest(ctx, req) },
			try: func() (*limiter.Lease, bool) {
				ls, err := s.TryAcquireRequest(req)
				return ls, err == nil
			}}
	default:
		c := call{acquire: m.pool.Acquire, try: m.pool.TryAcquire}
		for _, j := range m.poolOf {
			u := units()
			for _, k := range m.members[j] {
				u[k] = 1
			}
			c.alts = append(c.alts, u)
			c.parts = append(c.parts, m.members[j])
		}
		for i := range c.alts {
			c.order = append(c.order, (m.calls+i)%len(c.alts))
		}
		m.calls++
		return c
	}
}

func (m *machine) acquire(t *rapid.T) {
	c := m.draw(t)
	want := m.expect(c)
	ctx, cancel := context.WithCancel(context.Background())
	a := &acqState{id: m.nextID, alts: c.alts, parts: c.parts, order: c.order, cancel: cancel, done: make(chan struct{})}
	m.nextID++
	go func() {
		defer close(a.done)
		a.lease, a.err = c.acquire(ctx)
		a.at = time.Now()
	}()
	synctest.Wait()
	select {
	case <-a.done:
		if a.err != nil {
			t.Fatalf("acquire %d failed: %v", a.id, a.err)
		}
		if want < 0 {
			t.Fatalf("acquire %d granted at once, but the model has it wait", a.id)
		}
		if got := a.lease.Index(); got != want {
			t.Fatalf("acquire %d took set %d of the pool, want %d (order %v, r available %d, queues %v, held %v)", a.id, got, want, a.order, m.limits[rateIdx].Available(), m.queues, m.held)
		}
		cancel()
		m.grant(t, a)
	default:
		if want >= 0 {
			t.Fatalf("acquire %d waits, but alternative %d fits", a.id, want)
		}
		m.enqueue(a)
	}
	m.settle(t)
}

func (m *machine) try(t *rapid.T) {
	c := m.draw(t)
	want := m.expect(c)
	ls, ok := c.try()
	if ok != (want >= 0) {
		t.Fatalf("try got %v, the model says %v", ok, want >= 0)
	}
	if ok {
		if ls.Index() != want {
			t.Fatalf("try took set %d of the pool, want %d", ls.Index(), want)
		}
		m.grant(t, &acqState{id: -1, alts: c.alts, parts: c.parts, lease: ls, at: time.Now(), done: closed})
	}
}

func (m *machine) release(t *rapid.T) {
	if len(m.leases) == 0 {
		t.Skip("nothing held")
	}
	i := rapid.IntRange(0, len(m.leases)-1).Draw(t, "lease")
	a := m.leases[i]
	m.leases = slices.Delete(m.leases, i, i+1)
	a.lease.Release()
	if rapid.Bool().Draw(t, "twice") {
		a.lease.Release()
	}
	for k, n := range a.alts[a.lease.Index()] {
		if k != rateIdx {
			m.held[k] -= n
		}
	}
	synctest.Wait()
	m.settle(t)
}

func (m *machine) report(t *rapid.T) {
	if len(m.leases) == 0 {
		t.Skip("nothing held")
	}
	a := m.leases[rapid.IntRange(0, len(m.leases)-1).Draw(t, "lease")]
	k := rapid.IntRange(0, len(m.limits)-1).Draw(t, "key")
	used := rapid.Int64Range(0, 5).Draw(t, "used")
	err := a.lease.Report(m.limits[k].Name(), used)
	if !slices.Contains(a.parts[a.lease.Index()], k) {
		if !errors.Is(err, limiter.ErrInvalidRequest) {
			t.Fatalf("report on a limit the lease lacks: %v", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("report: %v", err)
	}
	if k == rateIdx {
		m.reported = true
	}
	synctest.Wait()
	m.settle(t)
}

func (m *machine) cancel(t *rapid.T) {
	if len(m.pending) == 0 {
		t.Skip("no one waits")
	}
	a := m.pending[rapid.IntRange(0, len(m.pending)-1).Draw(t, "waiter")]
	a.cancel()
	synctest.Wait()
	<-a.done
	if !errors.Is(a.err, context.Canceled) || a.lease != nil {
		t.Fatalf("cancelled waiter %d: lease %v, err %v", a.id, a.lease, a.err)
	}
	m.dequeue(a)
	m.settle(t)
}

func (m *machine) advance(t *rapid.T) {
	d := time.Duration(rapid.Int64Range(1, 1500).Draw(t, "ms")) * time.Millisecond
	time.Sleep(d)
	synctest.Wait()
	m.settle(t)
}
