package pool_test

import (
	"context"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

// The state machine runs a stateful pool beside a sequential model, inside a
// synctest bubble: after every action synctest.Wait lets every worker run as
// far as it can (up to a task blocked on its gate), so the model knows
// exactly which task each worker runs, which wait, and what every future
// holds. Tasks block on gates the test opens, never on time.

type smConfig struct {
	name     string
	workers  int
	queued   int
	strategy func() balance.Strategy // nil: the pool's default
	onDemand bool
	linger   time.Duration
}

var smConfigs = []smConfig{
	{name: "1-worker/round-robin/q1", workers: 1, queued: 1, strategy: balance.RoundRobin},
	{name: "3-workers/round-robin/q2", workers: 3, queued: 2, strategy: balance.RoundRobin},
	{name: "3-workers/least-active/q1", workers: 3, queued: 1, strategy: balance.LeastActive},
	{name: "4-workers/least-total/q3", workers: 4, queued: 3, strategy: balance.LeastTotal},
	{name: "3-workers/power-of-two/q2", workers: 3, queued: 2, strategy: balance.PowerOfTwo},
	{name: "3-workers/key-affinity/q2", workers: 3, queued: 2, strategy: func() balance.Strategy {
		return balance.KeyAffinity(balance.RoundRobin())
	}},
	{name: "1-worker/on-demand/default/q2/linger-0", workers: 1, queued: 2, onDemand: true},
	{name: "3-workers/on-demand/random/q1/linger-0", workers: 3, queued: 1, strategy: balance.Random, onDemand: true},
	{name: "3-workers/on-demand/least-active/q2/linger-10ms", workers: 3, queued: 2, strategy: balance.LeastActive, onDemand: true, linger: 10 * time.Millisecond},
	{name: "2-workers/on-demand/round-robin/q1/linger-5ms", workers: 2, queued: 1, strategy: balance.RoundRobin, onDemand: true, linger: 5 * time.Millisecond},
}

func TestStateMachine(t *testing.T) {
	for _, cfg := range smConfigs {
		t.Run(cfg.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				rapid.SyncTest(t, func(t *rapid.T) {
					m := newMachine(t, cfg)
					// Keys weight the actions: a stop is rare, so most runs
					// build up queues first.
					t.Repeat(map[string]func(*rapid.T){
						"submit":    m.submit,
						"submit-2":  m.submit,
						"submit-3":  m.submit,
						"release":   m.release,
						"release-2": m.release,
						"cancel":    m.cancel,
						"sleep":     m.sleep,
						"stop":      m.stop,
						"":          m.check,
					})
					m.finish(t)
				})
			})
		})
	}
}

type smKind int

const (
	kindGated  smKind = iota // blocks until its gate opens or its ctx is done
	kindFail                 // returns its error at once
	kindPanic                // panics at once
	kindGoexit               // calls runtime.Goexit at once
)

func (k smKind) String() string {
	return [...]string{"gated", "fail", "panic", "goexit"}[k]
}

// smWant is what the model says a task's future holds.
type smWant int

const (
	wantPending       smWant = iota
	wantValue                // the task's id
	wantFailed               // the task's own error
	wantPanic                // *future.PanicError with the task's panic value
	wantGoexit               // future.ErrGoexit
	wantCancelled            // future.ErrCancelled: by Cancel, or running at a cancelling stop
	wantStopCancelled        // taken off a queue by a cancelling stop
	wantRejected             // submitted after stop: pool.ErrStopped
)

func (w smWant) String() string {
	return [...]string{"pending", "value", "failed", "panic", "goexit", "cancelled", "stop-cancelled", "rejected"}[w]
}

// smWorker is a worker's W: it knows its index and counts the tasks running
// on it, which must never be more than one. The machine keeps one per
// index and the constructor hands it out again, so it also sees the W's
// lifecycle: made only while not live, closed once per make, never used
// while closed.
type smWorker struct {
	id        int
	running   atomic.Int32
	overlap   atomic.Bool  // two tasks ran at once on this worker
	maxHanded atomic.Int32 // most tasks handed to it, as its tasks saw
	live      atomic.Bool  // made and not closed
	made      atomic.Int32
	misuse    atomic.Value // string: the first lifecycle fault
}

// Close ends this incarnation of the W.
func (w *smWorker) Close() error {
	if !w.live.Swap(false) {
		w.misuse.CompareAndSwap(nil, "closed while not live")
	}
	return nil
}

type smTask struct {
	id   int
	kind smKind
	gate chan struct{}
	err  error

	// written by the task and the future
	ranOn   atomic.Int32 // worker index + 1, 0 while it has not run
	runs    atomic.Int32
	settles atomic.Int32
	fut     *future.Future[int]

	// the model's
	worker   int // -1 if rejected
	released bool
	started  bool // it blocked on its gate as its worker's running task
	want     smWant
}

type smStop struct {
	mode    string
	pending int // tasks pending when it was called
	done    chan error
	err     error
	over    bool
}

type machine struct {
	cfg       smConfig
	p         *pool.Pool[*smTask, int]
	ws        []*smWorker
	strategy  string
	tasks     []*smTask
	queues    [][]*smTask // the tasks each worker holds, oldest (running) first
	assigned  []uint64
	succeeded []uint64
	failed    []uint64
	cancelled []uint64
	submitted uint64
	dropped   uint64
	picks     int // calls to the (fallback) strategy's Pick
	keyWorker map[uint64]int
	idleSince []time.Time
	wasBusy   []bool
	stopping  bool
	stops     []*smStop
}

func newMachine(t *rapid.T, cfg smConfig) *machine {
	m := &machine{
		cfg:       cfg,
		queues:    make([][]*smTask, cfg.workers),
		assigned:  make([]uint64, cfg.workers),
		succeeded: make([]uint64, cfg.workers),
		failed:    make([]uint64, cfg.workers),
		cancelled: make([]uint64, cfg.workers),
		keyWorker: map[uint64]int{},
		idleSince: make([]time.Time, cfg.workers),
		wasBusy:   make([]bool, cfg.workers),
	}
	// Without stealing, so that the model knows where every task runs;
	// TestStealingMachine runs with it.
	opts := []pool.Option{pool.WithMaxWorkers(cfg.workers), pool.WithMaxQueued(cfg.queued), pool.WithStealing(false)}
	if cfg.strategy != nil {
		s := cfg.strategy()
		m.strategy = fmt.Sprint(s)
		opts = append(opts, pool.WithStrategy(s))
	}
	if cfg.onDemand {
		opts = append(opts, pool.WithOnDemand(cfg.linger))
	}
	for id := range cfg.workers {
		m.ws = append(m.ws, &smWorker{id: id})
	}
	newWorker := func(_ context.Context, id int) (*smWorker, error) {
		w := m.ws[id]
		if w.live.Swap(true) {
			w.misuse.CompareAndSwap(nil, "made while live")
		}
		w.made.Add(1)
		return w, nil
	}
	p, err := pool.NewStateful(context.Background(), newWorker, m.run, opts...)
	if err != nil {
		t.Fatalf("NewStateful: %v", err)
	}
	m.p = p
	t.Cleanup(func() {
		// On failure, let everything end so the bubble can exit.
		for _, tk := range m.tasks {
			if tk.kind == kindGated && !tk.released {
				tk.released = true
				close(tk.gate)
			}
		}
		p.Cancel()
	})
	return m
}

// run is the pool's function: it records where and how it ran, then does
// what its kind says.
func (m *machine) run(w *smWorker, ctx context.Context, tk *smTask) (int, error) {
	tk.runs.Add(1)
	tk.ranOn.Store(int32(w.id + 1))
	if !w.live.Load() {
		w.misuse.CompareAndSwap(nil, "ran while not live")
	}
	if w.running.Add(1) != 1 {
		w.overlap.Store(true)
	}
	defer w.running.Add(-1)
	if h := int32(pool.Handed(m.p, w.id)); h > w.maxHanded.Load() {
		w.maxHanded.Store(h) // only this worker's goroutine writes it
	}
	switch tk.kind {
	case kindFail:
		return 0, tk.err
	case kindPanic:
		panic(fmt.Sprintf("task %d", tk.id))
	case kindGoexit:
		runtime.Goexit()
	}
	select {
	case <-tk.gate:
		return tk.id, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (m *machine) submit(t *rapid.T) {
	if m.stopping && m.dropped >= 2 {
		t.Skip("refusal after stop already seen")
	}
	kind := rapid.SampledFrom([]smKind{kindGated, kindGated, kindGated, kindFail, kindPanic, kindGoexit}).Draw(t, "kind")
	keyed := rapid.Bool().Draw(t, "keyed")
	var key uint64
	if keyed {
		key = rapid.Uint64Range(0, 3).Draw(t, "key")
	}
	tk := &smTask{id: len(m.tasks), kind: kind, gate: make(chan struct{}), worker: -1}
	tk.err = fmt.Errorf("task %d failed", tk.id)
	m.tasks = append(m.tasks, tk)

	before := m.p.Stats()
	if keyed {
		tk.fut = m.p.SubmitKey(context.Background(), key, tk)
	} else {
		tk.fut = m.p.Submit(context.Background(), tk)
	}
	tk.fut.OnSettled(func(int, error) { tk.settles.Add(1) })
	after := m.p.Stats()

	if m.stopping {
		tk.want = wantRejected
		m.dropped++
		if !tk.fut.Settled() {
			t.Fatalf("task %d: submitted after stop, future pending", tk.id)
		}
		return
	}
	w := -1
	for i := range after.Workers {
		switch after.Workers[i].Assigned - before.Workers[i].Assigned {
		case 0:
		case 1:
			if w >= 0 {
				t.Fatalf("task %d assigned to workers %d and %d", tk.id, w, i)
			}
			w = i
		default:
			t.Fatalf("task %d: worker %d assigned %d tasks", tk.id, i, after.Workers[i].Assigned-before.Workers[i].Assigned)
		}
	}
	if w < 0 {
		t.Fatalf("task %d assigned to no worker", tk.id)
	}
	m.checkPick(t, w, keyed, key)
	tk.worker = w
	m.submitted++
	m.assigned[w]++
	m.queues[w] = append(m.queues[w], tk)
	m.settle()
}

// checkPick checks the worker picked for a task against the strategy, given
// the model's loads as they were at the pick.
func (m *machine) checkPick(t *rapid.T, w int, keyed bool, key uint64) {
	switch m.strategy {
	case "round-robin":
		want := m.picks % m.cfg.workers
		m.picks++
		if w != want {
			t.Fatalf("round robin pick %d went to worker %d, want %d", m.picks-1, w, want)
		}
	case "key-affinity(round-robin)":
		if keyed {
			if prev, ok := m.keyWorker[key]; ok && prev != w {
				t.Fatalf("key %d went to worker %d, earlier to worker %d", key, w, prev)
			}
			m.keyWorker[key] = w
			return
		}
		want := m.picks % m.cfg.workers
		m.picks++
		if w != want {
			t.Fatalf("fallback round robin pick went to worker %d, want %d", w, want)
		}
	case "least-active":
		for i, q := range m.queues {
			if len(q) < len(m.queues[w]) {
				t.Fatalf("least active picked worker %d holding %d tasks; worker %d holds %d", w, len(m.queues[w]), i, len(q))
			}
		}
	case "least-total":
		for i, a := range m.assigned {
			if a < m.assigned[w] {
				t.Fatalf("least total picked worker %d assigned %d tasks; worker %d has %d", w, m.assigned[w], i, a)
			}
		}
	}
}

// unreleased returns the gated tasks whose gate is still closed.
func (m *machine) unreleased() []*smTask {
	var out []*smTask
	for _, tk := range m.tasks {
		if tk.kind == kindGated && !tk.released && tk.want != wantRejected {
			out = append(out, tk)
		}
	}
	return out
}

func (m *machine) release(t *rapid.T) {
	gated := m.unreleased()
	if len(gated) == 0 {
		t.Skip("no closed gate")
	}
	tk := gated[rapid.IntRange(0, len(gated)-1).Draw(t, "gate")]
	tk.released = true
	close(tk.gate)
	m.settle()
}

func (m *machine) cancel(t *rapid.T) {
	if len(m.tasks) == 0 {
		t.Skip("no task")
	}
	tk := m.tasks[rapid.IntRange(0, len(m.tasks)-1).Draw(t, "task")]
	got := tk.fut.Cancel()
	if want := tk.want == wantPending; got != want {
		t.Fatalf("task %d: Cancel() = %v, want %v (model %v)", tk.id, got, want, tk.want)
	}
	if got {
		tk.want = wantCancelled
	}
	m.settle()
}

func (m *machine) stop(t *rapid.T) {
	m.stopWith(rapid.SampledFrom([]string{"graceful", "cancelled-ctx", "Cancel"}).Draw(t, "mode"))
}

// stopWith stops the pool in the background, as mode says: Stop with a
// live ctx, Stop with a cancelled one, or Cancel.
func (m *machine) stopWith(mode string) {
	s := &smStop{mode: mode, pending: m.pending(), done: make(chan error, 1)}
	m.stops = append(m.stops, s)
	m.stopping = true
	switch mode {
	case "graceful":
		go func() { s.done <- m.p.Stop(context.Background()) }()
	case "cancelled-ctx":
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		go func() { s.done <- m.p.Stop(ctx) }()
		m.abort()
	case "Cancel":
		go func() { m.p.Cancel(); s.done <- nil }()
		m.abort()
	}
}

func (m *machine) sleep(t *rapid.T) {
	d := rapid.SampledFrom([]time.Duration{0, time.Millisecond, m.cfg.linger / 2, m.cfg.linger, 2 * m.cfg.linger}).Draw(t, "sleep")
	time.Sleep(d)
}
