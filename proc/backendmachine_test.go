package proc_test

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/balance"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/proc"
	"github.com/sluice-go/sluice/remote"
	"github.com/sluice-go/sluice/stage"
)

// The process machine runs a real pool on real worker processes (the
// test binary, through TestMain), in real time, and races submits, gate
// releases, cancels, resizes and SIGKILLs of worker processes against
// the workers. What must hold whatever the interleaving, checked after
// every step and after the final stop:
//
//   - every accepted task settles exactly once: with its own value or
//     error, a cancellation, or an error matching stage.ErrWorkerLost and
//     proc.ErrProcessLost whose process is one the machine killed;
//   - no task runs twice in one attempt (the children log every start,
//     with the attempt the seam gave it), nor more attempts than the
//     retry policy allows;
//   - no worker has more than MaxQueued attempts in flight on the seam,
//     nor, with a hard timeout (where a lane waits for the worker's
//     answer), more than MaxQueued calls running in its process;
//   - a killed process is reaped, and after the stop no child is left;
//     goleak (TestMain) checks the goroutines.

func TestProcessMachine(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc to check the children with")
	}
	bounded(t, 20, 30)
	dir := t.TempDir()
	n := 0
	var tally smTally
	rapid.Check(t, func(t *rapid.T) {
		n++
		m := newProcMachine(t, filepath.Join(dir, fmt.Sprint(n)))
		m.tally = &tally
		t.Repeat(map[string]func(*rapid.T){
			"submit":   m.submit,
			"submit-2": m.submit,
			"release":  m.release,
			"cancel":   m.cancel,
			"resize":   m.resize,
			"kill":     m.kill,
			"":         m.check,
		})
		m.finish(t)
	})
	t.Logf("%d runs: %d tasks, %d SIGKILLs, %d tasks lost, %d cancelled, %d retried",
		n, tally.tasks, tally.kills, tally.lost, tally.cancelled, tally.retried)
}

// smTally counts what the machine's runs did, so that the log shows the
// kills happened.
type smTally struct{ tasks, kills, lost, cancelled, retried int }

// bounded sets rapid's checks and average steps for this test, unless
// the command line set them (-rapid.checks=300 in CI's stress step).
func bounded(t *testing.T, checks, steps int) {
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, v := range map[string]int{"rapid.checks": checks, "rapid.steps": steps} {
		if f := flag.Lookup(name); f != nil && !set[name] && os.Getenv("RAPID_"+name[len("rapid."):]) == "" {
			old := f.Value.String()
			flag.Set(name, fmt.Sprint(v))
			t.Cleanup(func() { f.Value.Set(old) })
		}
	}
}

type smKind int

const (
	smSucceed smKind = iota
	smFail
	smGated
)

// smIn is a task: its id, its kind, where it logs its start and, gated,
// the FIFO it waits on. Attempt is the seam's count, set by countingBackend.
type smIn struct {
	ID      int
	Attempt int
	Kind    smKind
	Log     string
	Gate    string
}

// smTask logs "id attempt pid running" to in.Log (one write, appended
// whole; running counts the smTask calls in this process, this one
// included), then succeeds with id², fails with errSentinel, or waits for
// a byte on its gate FIFO or its ctx.
var smTask = remote.Register("smTask", func(ctx context.Context, in smIn) (int, error) {
	running := smRunning.Add(1)
	defer smRunning.Add(-1)
	f, err := os.OpenFile(in.Log, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(f, "%d %d %d %d\n", in.ID, in.Attempt, os.Getpid(), running)
	f.Close()
	switch in.Kind {
	case smFail:
		return 0, fmt.Errorf("task %d: %w", in.ID, errSentinel)
	case smGated:
		// O_RDWR: opening a FIFO so never blocks, and the read waits in
		// the poller, where a deadline ends it when ctx does.
		g, err := os.OpenFile(in.Gate, os.O_RDWR, 0)
		if err != nil {
			return 0, err
		}
		defer g.Close()
		stop := context.AfterFunc(ctx, func() { g.SetReadDeadline(time.Unix(1, 0)) })
		defer stop()
		var b [1]byte
		if _, err := g.Read(b[:]); err != nil {
			if ctx.Err() != nil {
				return 0, context.Cause(ctx)
			}
			return 0, err
		}
	}
	return in.ID * in.ID, nil
})

var smRunning atomic.Int32

// countingBackend is the process backend seen from the seam: it counts
// each task's attempts (and tells the child which one it runs) and the
// attempts in flight per worker.
type countingBackend struct {
	stage.Backend[smIn, int]
	queued int

	mu       sync.Mutex
	attempts map[int]int
	inflight map[int]int
	problems []string
}

func (b *countingBackend) Lanes() int { return b.Backend.(stage.Laned).Lanes() }

func (b *countingBackend) Start(ctx context.Context, w int) error {
	return b.Backend.(stage.Starter).Start(ctx, w)
}

func (b *countingBackend) Run(ctx context.Context, w int, in smIn) (int, error) {
	b.mu.Lock()
	b.attempts[in.ID]++
	in.Attempt = b.attempts[in.ID]
	b.inflight[w]++
	if n := b.inflight[w]; n > b.queued {
		b.problems = append(b.problems, fmt.Sprintf("worker %d has %d attempts in flight, MaxQueued %d", w, n, b.queued))
	}
	b.mu.Unlock()
	defer func() {
		b.mu.Lock()
		b.inflight[w]--
		b.mu.Unlock()
	}()
	return b.Backend.Run(ctx, w, in)
}

type procTask struct {
	in     smIn
	fut    *future.Future[int]
	settle atomic.Int32
	gate   *os.File // the test's end of the gate FIFO, once released
	cancel bool     // Cancel returned true
}

type smStart struct{ attempt, pid, running int }

type procMachine struct {
	inner    stage.Backend[smIn, int]
	b        *countingBackend
	p        *pool.Pool[smIn, int]
	dir, log string
	queued   int
	attempts int // the retry policy's
	hard     bool
	tasks    []*procTask
	killed   map[int]bool // pids
	tally    *smTally
}

func newProcMachine(t *rapid.T, dir string) *procMachine {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatalf("%v", err)
	}
	m := &procMachine{dir: dir, log: filepath.Join(dir, "starts"), killed: map[int]bool{}}
	if err := os.WriteFile(m.log, nil, 0o600); err != nil {
		t.Fatalf("%v", err)
	}
	workers := rapid.IntRange(1, 3).Draw(t, "workers")
	m.queued = rapid.IntRange(1, 3).Draw(t, "max-queued")
	m.attempts = rapid.IntRange(1, 2).Draw(t, "attempts")
	m.hard = rapid.Bool().Draw(t, "hard-timeout")
	strategy := rapid.SampledFrom([]string{"round-robin", "least-active", "power-of-two"}).Draw(t, "strategy")
	stealing := rapid.Bool().Draw(t, "stealing")

	popts := []proc.Option{fastExit}
	if m.hard {
		// Longer than any task takes to see its cancel: it never fires,
		// but lanes wait for the worker's answer.
		popts = append(popts, proc.WithHardTimeout(time.Minute))
	}
	var err error
	if m.inner, err = proc.NewBackend(smTask, popts...); err != nil {
		t.Fatalf("NewBackend: %v", err)
	}
	m.b = &countingBackend{Backend: m.inner, queued: m.queued, attempts: map[int]int{}, inflight: map[int]int{}}
	s := map[string]func() balance.Strategy{"round-robin": balance.RoundRobin, "least-active": balance.LeastActive, "power-of-two": balance.PowerOfTwo}[strategy]
	m.p, err = pool.NewOn(context.Background(), m.b,
		pool.WithMaxWorkers(workers), pool.WithMaxQueued(m.queued), pool.WithStrategy(s()), pool.WithStealing(stealing),
		pool.WithRetry(pool.Retry{Attempts: m.attempts, If: func(err error) bool { return errors.Is(err, stage.ErrWorkerLost) }}))
	if err != nil {
		t.Fatalf("NewOn: %v", err)
	}
	t.Cleanup(func() { // after a failure: end everything
		m.openGates()
		m.p.Cancel()
		for _, tk := range m.tasks {
			if tk.gate != nil {
				tk.gate.Close()
			}
		}
	})
	return m
}

func (m *procMachine) submit(t *rapid.T) {
	tk := &procTask{in: smIn{
		ID:   len(m.tasks),
		Kind: rapid.SampledFrom([]smKind{smSucceed, smFail, smGated, smGated}).Draw(t, "kind"),
		Log:  m.log,
	}}
	if tk.in.Kind == smGated {
		tk.in.Gate = filepath.Join(m.dir, fmt.Sprint("gate-", tk.in.ID))
		if err := syscall.Mkfifo(tk.in.Gate, 0o600); err != nil {
			t.Fatalf("mkfifo: %v", err)
		}
	}
	tk.fut = m.p.Submit(context.Background(), tk.in)
	tk.fut.OnSettled(func(int, error) { tk.settle.Add(1) })
	m.tasks = append(m.tasks, tk)
}

// open opens tk's gate: a byte for each attempt it may have (one that
// took its byte and was then lost leaves the others theirs), held in
// the FIFO by the test's open end.
func (m *procMachine) open(tk *procTask) error {
	g, err := os.OpenFile(tk.in.Gate, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	tk.gate = g
	_, err = g.Write(make([]byte, m.attempts))
	return err
}

func (m *procMachine) openGates() {
	for _, tk := range m.tasks {
		if tk.in.Kind == smGated && tk.gate == nil {
			m.open(tk)
		}
	}
}

func (m *procMachine) release(t *rapid.T) {
	var closed []*procTask
	for _, tk := range m.tasks {
		if tk.in.Kind == smGated && tk.gate == nil {
			closed = append(closed, tk)
		}
	}
	if len(closed) == 0 {
		t.Skip("no closed gate")
	}
	tk := closed[rapid.IntRange(0, len(closed)-1).Draw(t, "gate")]
	if err := m.open(tk); err != nil {
		t.Fatalf("opening gate %d: %v", tk.in.ID, err)
	}
}

func (m *procMachine) cancel(t *rapid.T) {
	if len(m.tasks) == 0 {
		t.Skip("no task")
	}
	tk := m.tasks[rapid.IntRange(0, len(m.tasks)-1).Draw(t, "task")]
	if tk.fut.Cancel() {
		tk.cancel = true
	}
}

func (m *procMachine) resize(t *rapid.T) {
	n := rapid.IntRange(1, 3).Draw(t, "resize-to")
	if err := m.p.Resize(context.Background(), n); err != nil {
		t.Fatalf("Resize(%d): %v", n, err)
	}
}

// kill SIGKILLs a worker's process and waits until it is reaped and
// every call in flight on it has failed.
func (m *procMachine) kill(t *rapid.T) {
	w := rapid.IntRange(0, 2).Draw(t, "kill-worker")
	p := proc.ProcessOf(m.inner, w)
	if p == nil {
		t.Skip("no process")
	}
	select {
	case <-p.Done():
		t.Skip("its process has ended")
	default:
	}
	m.killed[p.Pid()] = true
	m.tally.kills++
	if err := syscall.Kill(p.Pid(), syscall.SIGKILL); err != nil {
		t.Fatalf("kill %d: %v", p.Pid(), err)
	}
	select {
	case <-p.Done():
	case <-time.After(time.Minute): // a guard against a hang, not an order
		t.Fatalf("killed process %d did not end", p.Pid())
	}
	if isChild(p.Pid()) {
		t.Fatalf("killed process %d was not reaped", p.Pid())
	}
}

// starts reads the children's log.
func (m *procMachine) starts(t *rapid.T) map[int][]smStart {
	f, err := os.Open(m.log)
	if err != nil {
		t.Fatalf("%v", err)
	}
	defer f.Close()
	starts := map[int][]smStart{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var id int
		var s smStart
		if _, err := fmt.Sscan(sc.Text(), &id, &s.attempt, &s.pid, &s.running); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		starts[id] = append(starts[id], s)
	}
	return starts
}

func (m *procMachine) check(t *rapid.T) {
	starts := m.starts(t) // before the attempts: a start is logged after its attempt is counted
	m.b.mu.Lock()
	if len(m.b.problems) > 0 {
		t.Fatalf("%d problems, first: %s", len(m.b.problems), m.b.problems[0])
	}
	attempts := make(map[int]int, len(m.b.attempts))
	for id, n := range m.b.attempts {
		attempts[id] = n
	}
	m.b.mu.Unlock()
	for _, tk := range m.tasks {
		if n := tk.settle.Load(); n > 1 {
			t.Fatalf("task %d settled %d times", tk.in.ID, n)
		}
	}
	for id, ss := range starts {
		seen := map[int]bool{}
		for _, s := range ss {
			if seen[s.attempt] {
				t.Fatalf("task %d started twice in attempt %d: %v", id, s.attempt, ss)
			}
			seen[s.attempt] = true
			if s.attempt < 1 || s.attempt > attempts[id] || s.attempt > m.attempts {
				t.Fatalf("task %d started in attempt %d, of %d on the seam, %d allowed", id, s.attempt, attempts[id], m.attempts)
			}
			if m.hard && s.running > m.queued {
				t.Fatalf("task %d started with %d calls running in its process %d, MaxQueued %d", id, s.running, s.pid, m.queued)
			}
		}
	}
}

// finish opens every gate, stops the pool (gracefully or not) and checks
// every task's outcome and that no child is left.
func (m *procMachine) finish(t *rapid.T) {
	m.openGates()
	graceful := rapid.Bool().Draw(t, "graceful-stop")
	stopped := make(chan error, 1)
	go func() {
		if graceful {
			stopped <- m.p.Stop(context.Background())
		} else {
			m.p.Cancel()
			stopped <- m.p.Stop(context.Background())
		}
	}()
	select {
	case err := <-stopped:
		m.stopErr(t, err)
	case <-time.After(time.Minute): // a guard against a hang, not an order
		t.Fatalf("stop did not return within a minute")
	}
	if kids := children(); len(kids) > 0 {
		t.Fatalf("child processes left after stop: %v", kids)
	}
	m.check(t)
	starts := m.starts(t)
	m.b.mu.Lock()
	defer m.b.mu.Unlock()
	for _, tk := range m.tasks {
		id := tk.in.ID
		if n := tk.settle.Load(); n != 1 {
			t.Fatalf("task %d settled %d times after stop", id, n)
		}
		last := m.b.attempts[id]
		var lastStarts []smStart
		for _, s := range starts[id] {
			if s.attempt == last {
				lastStarts = append(lastStarts, s)
			}
		}
		v, err := tk.fut.Wait()
		m.tally.tasks++
		if last > 1 {
			m.tally.retried++
		}
		if errors.Is(err, stage.ErrWorkerLost) {
			m.tally.lost++
		}
		if errors.Is(err, context.Canceled) {
			m.tally.cancelled++
		}
		switch {
		case tk.cancel:
			if !errors.Is(err, future.ErrCancelled) {
				t.Fatalf("task %d: cancelled, got %v, %v", id, v, err)
			}
		case errors.Is(err, stage.ErrWorkerLost):
			le, ok := errors.AsType[*proc.LostError](err)
			if !ok || !errors.Is(err, proc.ErrProcessLost) || !m.killed[le.Pid] {
				t.Fatalf("task %d lost, but not on a process the machine killed (%v): %v", id, m.killed, err)
			}
			if len(lastStarts) > 0 && lastStarts[0].pid != le.Pid {
				t.Fatalf("task %d lost on %d, but its last attempt ran on %d", id, le.Pid, lastStarts[0].pid)
			}
			if graceful && last != m.attempts {
				t.Fatalf("task %d lost after %d of %d attempts", id, last, m.attempts)
			}
		case errors.Is(err, pool.ErrStopped):
			if graceful {
				t.Fatalf("task %d (started %v): a graceful stop stopped it: %v", id, starts[id], err)
			}
		case errors.Is(err, context.Canceled):
			if graceful {
				t.Fatalf("task %d: cancelled by a graceful stop: %v", id, err)
			}
		case tk.in.Kind == smFail:
			if !errors.Is(err, errSentinel) || len(lastStarts) != 1 {
				t.Fatalf("task %d (fail, started %v): %v", id, starts[id], err)
			}
		default:
			if err != nil || v != id*id || len(lastStarts) != 1 {
				t.Fatalf("task %d (kind %d, started %v): got %v, %v", id, tk.in.Kind, starts[id], v, err)
			}
		}
	}
	for _, tk := range m.tasks {
		if tk.gate != nil {
			tk.gate.Close()
			tk.gate = nil
		}
	}
	st := m.p.Stats()
	if st.Submitted != st.Succeeded+st.Failed+st.Cancelled || st.Queued != 0 || st.Running != 0 || m.p.Alive() != 0 {
		t.Fatalf("after stop: %+v, Alive %d", st, m.p.Alive())
	}
}

// stopErr accepts from Stop only the errors of processes the machine
// killed while their workers were closing them.
func (m *procMachine) stopErr(t *rapid.T, err error) {
	if err == nil {
		return
	}
	errs := []error{err}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		errs = j.Unwrap()
	}
	for _, e := range errs {
		if le, ok := errors.AsType[*proc.LostError](e); !ok || !m.killed[le.Pid] {
			t.Fatalf("Stop: %v", err)
		}
	}
}
