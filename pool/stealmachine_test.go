package pool_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/internal/backendtest"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/stage"
)

// The stealing machine runs a stateful pool with stealing on, in real time:
// no bubble settles the workers between actions, so submits, gate releases,
// cancels, resizes and a background submitter race the workers as they
// would in a program (run it under -race). Where a task runs is up to the
// pool, so instead of a model of placement the machine checks what must
// hold whatever the interleaving:
//
//   - no worker runs two tasks at once, nor holds more than MaxQueued;
//   - every accepted task runs at most once and settles exactly once, with
//     its own outcome or a cancellation;
//   - with key affinity, tasks of one key submitted between two resizes,
//     and started before the next, start in submission order (a resize
//     that retires a key's worker moves its queued tasks to another, where
//     they may start beside the one still running);
//   - after the final stop the counters add up and no goroutine is left.

var stealConfigs = []struct {
	name     string
	strategy func() balance.Strategy
	onDemand bool
	linger   time.Duration
}{
	{name: "round-robin", strategy: balance.RoundRobin},
	{name: "least-active", strategy: balance.LeastActive},
	{name: "power-of-two", strategy: balance.PowerOfTwo},
	{name: "key-affinity", strategy: func() balance.Strategy { return balance.KeyAffinity(balance.LeastActive()) }},
	{name: "on-demand/random/linger-0", strategy: balance.Random, onDemand: true},
	{name: "on-demand/least-active/linger-1ms", strategy: balance.LeastActive, onDemand: true, linger: time.Millisecond},
}

func TestStealingMachine(t *testing.T) {
	for _, cfg := range stealConfigs {
		t.Run(cfg.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				queued := rapid.IntRange(1, 3).Draw(t, "max-queued")
				m := newStealMachine(t, queued, 0, pool.WithStrategy(cfg.strategy()), onDemand(cfg.onDemand, cfg.linger))
				_, m.affinity = cfg.strategy().(balance.KeyedStrategy)
				t.Repeat(map[string]func(*rapid.T){
					"submit":   m.submit,
					"submit-2": m.submit,
					"release":  m.release,
					"cancel":   m.cancel,
					"resize":   m.resize,
					"":         m.check,
				})
				m.finish(t)
			})
		})
	}
}

// TestLosingMachine is the stealing machine on the test backend, each
// attempt on a fresh goroutine, with lanes and a "lose" action that loses
// a worker with tasks in flight: every invariant of the stealing machine
// holds, and a task fails with stage.ErrWorkerLost only if it ran on an
// incarnation that was lost, which fails it at once, before its gate opens.
func TestLosingMachine(t *testing.T) {
	for _, cfg := range stealConfigs {
		t.Run(cfg.name, func(t *testing.T) {
			rapid.Check(t, func(t *rapid.T) {
				queued := rapid.IntRange(1, 3).Draw(t, "max-queued")
				lanes := rapid.IntRange(1, 3).Draw(t, "lanes")
				m := newStealMachine(t, queued, lanes, pool.WithStrategy(cfg.strategy()), onDemand(cfg.onDemand, cfg.linger))
				_, m.affinity = cfg.strategy().(balance.KeyedStrategy)
				t.Repeat(map[string]func(*rapid.T){
					"submit":   m.submit,
					"submit-2": m.submit,
					"release":  m.release,
					"cancel":   m.cancel,
					"resize":   m.resize,
					"lose":     m.lose,
					"":         m.check,
				})
				m.finish(t)
			})
		})
	}
}

// lose loses a worker of the test backend and checks that the machine's
// tasks in flight on it settle at once with stage.ErrWorkerLost.
func (m *stealMachine) lose(t *rapid.T) {
	w := rapid.IntRange(0, 3).Draw(t, "lose-worker")
	var inflight []*stealTask
	for _, tk := range m.tasks {
		if on := tk.on.Load(); on != nil && on.Index == w && !tk.open && tk.kind == kindGated && !tk.fut.Settled() {
			inflight = append(inflight, tk)
		}
	}
	inc, ok := m.b.Lose(w)
	if !ok {
		return
	}
	m.lost[inc] = true
	for _, tk := range inflight {
		if *tk.on.Load() != inc {
			continue
		}
		select {
		case <-tk.fut.Done():
		case <-time.After(time.Minute): // a guard against a hang, not an order
			t.Fatalf("task %d, in flight on lost worker %d, did not settle", tk.id, w)
		}
		if _, err := tk.fut.Wait(); !errors.Is(err, stage.ErrWorkerLost) && !tk.cancel {
			t.Fatalf("task %d, in flight on lost worker %d: %v", tk.id, w, err)
		}
	}
}

func onDemand(on bool, linger time.Duration) pool.Option {
	if !on {
		return pool.WithStealing(true)
	}
	return pool.WithOnDemand(linger)
}

type stealWorker struct {
	id      int
	running atomic.Int32
}

type stealTask struct {
	id     int
	kind   smKind
	key    uint64
	keyed  bool
	epoch  int // resizes before its submit
	gate   chan struct{}
	err    error
	fut    *future.Future[int]
	runs   atomic.Int32
	settle atomic.Int32
	open   bool                               // the model's: gate closed by the test
	cancel bool                               // the model's: Cancel returned true
	on     atomic.Pointer[backendtest.Worker] // where it ran, on a test backend
}

type stealMachine struct {
	p        *pool.Pool[*stealTask, int]
	queued   int
	workers  int
	affinity bool         // keyed tasks keep their order
	epoch    atomic.Int64 // resizes begun; read by the workers
	tasks    []*stealTask

	mu       sync.Mutex
	ws       map[int]*stealWorker
	starts   map[[2]uint64][]int // (epoch, key) -> task ids in start order
	problems []string

	bg     sync.WaitGroup
	bgStop chan struct{}
	bgRan  atomic.Int64
	bgSeen atomic.Int64

	// With a test backend (lanes > 0): workers it lost, by incarnation.
	b     *backendtest.Backend[*stealTask, int]
	lanes int
	lost  map[backendtest.Worker]bool
}

// newStealMachine makes the machine's pool: a stateful one if lanes is 0,
// else one on a test backend with that many lanes, whose W is a
// stealWorker per worker incarnation.
func newStealMachine(t *rapid.T, queued, lanes int, opts ...pool.Option) *stealMachine {
	m := &stealMachine{
		queued:  queued,
		workers: rapid.IntRange(1, 4).Draw(t, "workers"),
		ws:      map[int]*stealWorker{},
		starts:  map[[2]uint64][]int{},
		bgStop:  make(chan struct{}),
	}
	newWorker := func(_ context.Context, id int) (*stealWorker, error) {
		w := &stealWorker{id: id}
		m.mu.Lock()
		m.ws[id] = w
		m.mu.Unlock()
		return w, nil
	}
	base := []pool.Option{pool.WithMaxWorkers(m.workers), pool.WithMaxQueued(queued)}
	var p *pool.Pool[*stealTask, int]
	var err error
	if lanes == 0 {
		p, err = pool.NewStateful(context.Background(), newWorker, m.run, append(base, opts...)...)
	} else {
		m.lanes, m.lost = min(lanes, queued), map[backendtest.Worker]bool{}
		m.b = backendtest.New(lanes, func(ctx context.Context, w backendtest.Worker, tk *stealTask) (int, error) {
			tk.on.Store(&w)
			m.mu.Lock()
			sw := m.ws[w.Index<<16|w.Incarnation]
			if sw == nil {
				sw = &stealWorker{id: w.Index}
				m.ws[w.Index<<16|w.Incarnation] = sw
			}
			m.mu.Unlock()
			return m.run(sw, ctx, tk)
		})
		p, err = pool.NewOn(context.Background(), m.b, append(base, opts...)...)
	}
	if err != nil {
		t.Fatalf("new pool: %v", err)
	}
	m.p = p
	// A submitter racing everything the test does: quick tasks, keyed and
	// not, until the end.
	m.bg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-m.bgStop:
				return
			default:
			}
			tk := &stealTask{id: -1, kind: kindFail, err: errBoom, keyed: i%3 == 0, key: uint64(i % 5)}
			var f *future.Future[int]
			if tk.keyed {
				f = p.SubmitKey(context.Background(), tk.key, tk)
			} else {
				f = p.Submit(context.Background(), tk)
			}
			f.OnSettled(func(int, error) { m.bgSeen.Add(1) })
			m.bgRan.Add(1)
		}
	})
	t.Cleanup(func() {
		for _, tk := range m.tasks {
			if tk.kind == kindGated && !tk.open {
				tk.open = true
				close(tk.gate)
			}
		}
		m.stopBackground()
		p.Cancel()
	})
	return m
}

func (m *stealMachine) note(format string, args ...any) {
	m.mu.Lock()
	m.problems = append(m.problems, fmt.Sprintf(format, args...))
	m.mu.Unlock()
}

func (m *stealMachine) run(w *stealWorker, ctx context.Context, tk *stealTask) (int, error) {
	if n := w.running.Add(1); n > int32(max(m.lanes, 1)) {
		m.note("worker %d runs %d tasks at once", w.id, n)
	}
	defer w.running.Add(-1)
	// On a test backend an attempt may still start after its worker was
	// lost and its task settled: only the bound is checked there.
	if h := pool.Handed(m.p, w.id); h < 1 && m.b == nil || h > m.queued {
		m.note("worker %d holds %d tasks running one, MaxQueued %d", w.id, h, m.queued)
	}
	if tk.id < 0 {
		return 0, tk.err
	}
	if tk.runs.Add(1) != 1 {
		m.note("task %d ran twice", tk.id)
	}
	if tk.keyed && m.epoch.Load() == int64(tk.epoch) { // no resize since its submit
		k := [2]uint64{uint64(tk.epoch), tk.key}
		m.mu.Lock()
		m.starts[k] = append(m.starts[k], tk.id)
		m.mu.Unlock()
	}
	switch tk.kind {
	case kindFail:
		return 0, tk.err
	case kindPanic:
		panic(fmt.Sprintf("task %d", tk.id))
	}
	select {
	case <-tk.gate:
		return tk.id, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (m *stealMachine) submit(t *rapid.T) {
	tk := &stealTask{
		id:    len(m.tasks),
		kind:  rapid.SampledFrom([]smKind{kindGated, kindGated, kindFail, kindPanic}).Draw(t, "kind"),
		keyed: rapid.Bool().Draw(t, "keyed"),
		epoch: int(m.epoch.Load()),
		gate:  make(chan struct{}),
	}
	if tk.keyed {
		tk.key = rapid.Uint64Range(0, 2).Draw(t, "key")
	}
	tk.err = fmt.Errorf("task %d failed", tk.id)
	prio := rapid.IntRange(-1, 1).Draw(t, "priority")
	switch {
	case tk.keyed:
		tk.fut = m.p.SubmitKey(context.Background(), tk.key, tk)
	case prio != 0:
		tk.fut = m.p.SubmitPriority(context.Background(), prio, tk)
	default:
		tk.fut = m.p.Submit(context.Background(), tk)
	}
	tk.fut.OnSettled(func(int, error) { tk.settle.Add(1) })
	m.tasks = append(m.tasks, tk)
}

func (m *stealMachine) release(t *rapid.T) {
	var closed []*stealTask
	for _, tk := range m.tasks {
		if tk.kind == kindGated && !tk.open {
			closed = append(closed, tk)
		}
	}
	if len(closed) == 0 {
		t.Skip("no closed gate")
	}
	tk := closed[rapid.IntRange(0, len(closed)-1).Draw(t, "gate")]
	tk.open = true
	close(tk.gate)
}

func (m *stealMachine) cancel(t *rapid.T) {
	if len(m.tasks) == 0 {
		t.Skip("no task")
	}
	tk := m.tasks[rapid.IntRange(0, len(m.tasks)-1).Draw(t, "task")]
	if tk.fut.Cancel() {
		tk.cancel = true
	}
}

func (m *stealMachine) resize(t *rapid.T) {
	n := rapid.IntRange(1, 4).Draw(t, "resize-to")
	m.epoch.Add(1) // before: a task that starts during the resize is in the new epoch
	if err := m.p.Resize(context.Background(), n); err != nil {
		t.Fatalf("Resize(%d): %v", n, err)
	}
	m.workers = n
}

func (m *stealMachine) check(t *rapid.T) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.problems) > 0 {
		t.Fatalf("%d problems, first: %s", len(m.problems), m.problems[0])
	}
	for _, tk := range m.tasks {
		if n := tk.settle.Load(); n > 1 {
			t.Fatalf("task %d settled %d times", tk.id, n)
		}
	}
	if a := m.p.Alive(); a > 4*max(m.lanes, 1) {
		t.Fatalf("Alive() = %d for at most 4 workers of %d lanes", a, max(m.lanes, 1))
	}
}

func (m *stealMachine) stopBackground() {
	select {
	case <-m.bgStop:
	default:
		close(m.bgStop)
	}
	m.bg.Wait()
}

// finish opens every gate, stops the pool (gracefully or not) and checks
// every task's outcome.
func (m *stealMachine) finish(t *rapid.T) {
	m.stopBackground()
	for _, tk := range m.tasks {
		if tk.kind == kindGated && !tk.open {
			tk.open = true
			close(tk.gate)
		}
	}
	graceful := rapid.Bool().Draw(t, "graceful-stop")
	stopped := make(chan error, 1)
	go func() {
		if graceful {
			stopped <- m.p.Stop(context.Background())
		} else {
			m.p.Cancel()
			stopped <- nil
		}
	}()
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("Stop: %v", err)
		}
	case <-time.After(time.Minute): // a guard against a hang, not an order
		t.Fatalf("stop did not return within a minute")
	}
	m.check(t)
	if m.b != nil {
		if pr := m.b.Problems(); len(pr) > 0 {
			t.Fatalf("backend: %d problems, first: %s", len(pr), pr[0])
		}
		if m.b.Closed() != 1 {
			t.Fatalf("backend closed %d times", m.b.Closed())
		}
	}
	for _, tk := range m.tasks {
		if n := tk.settle.Load(); n != 1 {
			t.Fatalf("task %d settled %d times after stop", tk.id, n)
		}
		v, err := tk.fut.Wait()
		if errors.Is(err, stage.ErrWorkerLost) {
			// Only a task running on a worker incarnation that was lost.
			if on := tk.on.Load(); on == nil || !m.lost[*on] || tk.runs.Load() != 1 {
				t.Fatalf("task %d failed with %v, but it did not run on a lost worker", tk.id, err)
			}
			continue
		}
		cancelled := errors.Is(err, context.Canceled)
		switch {
		case tk.cancel && !errors.Is(err, future.ErrCancelled):
			t.Fatalf("task %d: cancelled, got %v, %v", tk.id, v, err)
		case cancelled:
		case tk.kind == kindGated && (err != nil || v != tk.id):
			t.Fatalf("task %d (gated): got %v, %v", tk.id, v, err)
		case tk.kind == kindFail && !errors.Is(err, tk.err):
			t.Fatalf("task %d (fail): got %v", tk.id, err)
		case tk.kind == kindPanic:
			if _, ok := errors.AsType[*future.PanicError](err); !ok {
				t.Fatalf("task %d (panic): got %v", tk.id, err)
			}
		}
		if !cancelled && tk.runs.Load() != 1 {
			t.Fatalf("task %d finished without being cancelled but ran %d times", tk.id, tk.runs.Load())
		}
		if graceful && !tk.cancel && cancelled {
			t.Fatalf("task %d: cancelled by a graceful stop: %v", tk.id, err)
		}
		// A task a cancelling stop found queued is taken off its queue, and
		// says so; none may be stolen after the stop has begun.
		if !graceful && !tk.cancel && tk.runs.Load() == 0 && !errors.Is(err, pool.ErrStopped) {
			t.Fatalf("task %d never ran and was not stopped: %v", tk.id, err)
		}
	}
	if seen, ran := m.bgSeen.Load(), m.bgRan.Load(); seen != ran {
		t.Fatalf("background: %d submitted, %d settled", ran, seen)
	}
	for k, ids := range m.starts {
		for i := 1; i < len(ids) && m.affinity; i++ {
			if ids[i] < ids[i-1] {
				t.Fatalf("key %d (epoch %d): tasks started in order %v", k[1], k[0], ids)
			}
		}
	}
	st := m.p.Stats()
	if st.Submitted != st.Succeeded+st.Failed+st.Cancelled {
		t.Fatalf("after stop: Submitted %d != Succeeded %d + Failed %d + Cancelled %d", st.Submitted, st.Succeeded, st.Failed, st.Cancelled)
	}
	if st.Queued != 0 || st.Running != 0 || m.p.Alive() != 0 {
		t.Fatalf("after stop: Queued %d, Running %d, Alive %d", st.Queued, st.Running, m.p.Alive())
	}
}
