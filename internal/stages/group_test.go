package stages_test

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/internal/stages"
)

// The group tests drive a Group whose handle blocks on a gate per worker, so
// the test decides when each running item finishes: an adversarial schedule.
// They run in a synctest bubble, where synctest.Wait tells when the group has
// settled and time is virtual, so linger is exact. A call that should never
// block but does leaves the bubble deadlocked, which fails the test.

// gated is a Group whose workers wait, in every handle call, for the test to
// release them.
type gated struct {
	g     *stages.Group[int]
	gates []chan bool // true makes the handle call runtime.Goexit
	in    []atomic.Int32

	mu       sync.Mutex
	started  [][]int // per worker, the items handle was called with
	problems []string
}

func newGated(n int, opts ...stages.GroupOption) *gated {
	h := &gated{
		gates:   make([]chan bool, n),
		in:      make([]atomic.Int32, n),
		started: make([][]int, n),
	}
	for i := range h.gates {
		h.gates[i] = make(chan bool)
	}
	h.g = stages.NewGroup(n, h.handle, opts...)
	return h
}

func (h *gated) handle(w, v int) {
	if h.in[w].Add(1) != 1 {
		h.note("worker %d: handle calls overlap", w)
	}
	h.mu.Lock()
	h.started[w] = append(h.started[w], v)
	h.mu.Unlock()
	exit := <-h.gates[w]
	h.in[w].Add(-1)
	if exit {
		runtime.Goexit()
	}
}

func (h *gated) note(format string, args ...any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.problems = append(h.problems, fmt.Sprintf(format, args...))
}

func (h *gated) startedBy(w int) []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.started[w])
}

// groupProg is a schedule for a gated group, drawn before it runs: rapid
// must not fail inside a bubble, so the run only records what it saw.
type groupProg struct {
	n        int
	onDemand bool
	linger   time.Duration
	steps    []groupStep
	end      string // "close", "abort" or "close+abort"
}

type groupStep struct {
	op     string // "give", "release" or "sleep"
	worker int
	goexit bool
	sleep  time.Duration
}

func drawGroupProg(t *rapid.T) groupProg {
	p := groupProg{
		n:        rapid.IntRange(1, 4).Draw(t, "workers"),
		onDemand: rapid.Bool().Draw(t, "onDemand"),
	}
	if p.onDemand {
		p.linger = time.Duration(rapid.IntRange(0, 3).Draw(t, "lingerMs")) * time.Millisecond
	}
	step := rapid.Custom(func(t *rapid.T) groupStep {
		return groupStep{
			op:     rapid.SampledFrom([]string{"give", "give", "release", "sleep"}).Draw(t, "op"),
			worker: rapid.IntRange(0, p.n-1).Draw(t, "worker"),
			goexit: rapid.Bool().Draw(t, "goexit"),
			sleep:  time.Duration(rapid.IntRange(1, 4).Draw(t, "sleepMs")) * time.Millisecond,
		}
	})
	p.steps = rapid.SliceOfN(step, 15, 90).Draw(t, "steps")
	p.end = rapid.SampledFrom([]string{"close", "abort", "close+abort"}).Draw(t, "end")
	return p
}

// groupModel is the sequential model of a gated group: per worker, the
// items given so far and those not finished, the first of which runs.
type groupModel struct {
	p         groupProg
	now       time.Duration
	given     [][]int
	pending   [][]int
	serving   []bool
	idleSince []time.Duration
}

func newGroupModel(p groupProg) *groupModel {
	return &groupModel{
		p:         p,
		given:     make([][]int, p.n),
		pending:   make([][]int, p.n),
		serving:   make([]bool, p.n),
		idleSince: make([]time.Duration, p.n),
	}
}

func (m *groupModel) give(w, v int) {
	m.given[w] = append(m.given[w], v)
	m.pending[w] = append(m.pending[w], v)
	m.serving[w] = true
}

func (m *groupModel) finish(w int) {
	m.pending[w] = m.pending[w][1:]
	if m.p.onDemand && len(m.pending[w]) == 0 {
		m.idleSince[w] = m.now
		m.serving[w] = m.p.linger > 0
	}
}

func (m *groupModel) sleep(d time.Duration) {
	m.now += d
	for w := range m.p.n {
		if m.p.onDemand && len(m.pending[w]) == 0 && m.idleSince[w]+m.p.linger <= m.now {
			m.serving[w] = false
		}
	}
}

func (m *groupModel) alive() int {
	if !m.p.onDemand {
		return m.p.n
	}
	k := 0
	for _, s := range m.serving {
		if s {
			k++
		}
	}
	return k
}

// runGroupProg runs p in the current bubble and returns what disagreed
// with the model.
func runGroupProg(p groupProg) []string {
	opts := []stages.GroupOption{stages.WithoutStealing()}
	if p.onDemand {
		opts = append(opts, stages.WithOnDemand(p.linger))
	}
	h := newGated(p.n, opts...)
	g := h.g
	m := newGroupModel(p)
	loads := g.View()

	check := func(at string) {
		synctest.Wait()
		if got, want := g.Alive(), m.alive(); got != want {
			h.note("%s: Alive() = %d, want %d", at, got, want)
		}
		if g.Alive() > p.n {
			h.note("%s: %d goroutines for %d workers", at, g.Alive(), p.n)
		}
		for w := range p.n {
			pend := len(m.pending[w])
			wantStarted := m.given[w][:len(m.given[w])-pend+min(pend, 1)]
			if got := h.startedBy(w); !slices.Equal(got, wantStarted) {
				h.note("%s: worker %d started %v, want %v", at, w, got, wantStarted)
			}
			if got, _ := g.Load(w); got != max(pend-1, 0) {
				h.note("%s: Load(%d) queued %d, want %d", at, w, got, max(pend-1, 0))
			}
			if got, want := g.Handed(w), min(pend, 1); got != want {
				h.note("%s: Handed(%d) = %d, want %d", at, w, got, want)
			}
			if got := loads.Active(w); got != pend {
				h.note("%s: Active(%d) = %d, want %d", at, w, got, pend)
			}
			if got, want := loads.Assigned(w), uint64(len(m.given[w])); got != want {
				h.note("%s: Assigned(%d) = %d, want %d", at, w, got, want)
			}
		}
	}

	next := 0
	check("start")
	for k, s := range p.steps {
		at := fmt.Sprintf("step %d (%s %d)", k, s.op, s.worker)
		w := s.worker
		switch s.op {
		case "give":
			v := next
			next++
			if err := enqueue(g, w, v); err != nil {
				h.note("%s: Enqueue: %v", at, err)
				continue
			}
			m.give(w, v)
		case "release":
			if len(m.pending[w]) == 0 {
				continue
			}
			h.gates[w] <- s.goexit
			m.finish(w)
		case "sleep":
			time.Sleep(s.sleep)
			m.sleep(s.sleep)
		}
		check(at)
	}

	dropped := make([][]int, p.n)
	drop := func(w, v int) { dropped[w] = append(dropped[w], v) }
	switch p.end {
	case "close":
		g.Close()
		g.Close()
		if err := enqueue(g, 0, -1); !errors.Is(err, stages.ErrClosed) {
			h.note("Enqueue after Close = %v, want ErrClosed", err)
		}
		// Workers drain everything queued for them.
		for w := range p.n {
			for len(m.pending[w]) > 0 {
				h.gates[w] <- len(m.pending[w])%2 == 0
				m.pending[w] = m.pending[w][1:]
			}
		}
	default:
		if p.end == "close+abort" {
			g.Close()
		}
		g.Abort(drop)
		g.Abort(func(w, v int) { h.note("second Abort dropped %d of worker %d", v, w) })
		if err := enqueue(g, 0, -1); !errors.Is(err, stages.ErrClosed) {
			h.note("Enqueue after Abort = %v, want ErrClosed", err)
		}
		for w := range p.n {
			pend := m.pending[w]
			var notStarted []int
			if len(pend) > 0 {
				notStarted = pend[1:]
			}
			if got := slices.Sorted(slices.Values(dropped[w])); !slices.Equal(got, notStarted) {
				h.note("Abort dropped %v from worker %d, want %v", dropped[w], w, notStarted)
			}
			if got, want := loads.Active(w), min(len(pend), 1); got != want {
				h.note("after Abort: Active(%d) = %d, want %d", w, got, want)
			}
			if got, _ := g.Load(w); got != 0 {
				h.note("after Abort: Load(%d) queued %d, want 0", w, got)
			}
			// The running item finishes as usual.
			if len(pend) > 0 {
				h.gates[w] <- false
			}
		}
	}
	g.Wait()

	if got := g.Alive(); got != 0 {
		h.note("after Wait: Alive() = %d, want 0", got)
	}
	for w := range p.n {
		if got := loads.Active(w); got != 0 {
			h.note("after Wait: Active(%d) = %d, want 0", w, got)
		}
		if p.end == "close" && !slices.Equal(h.startedBy(w), m.given[w]) {
			h.note("after Close: worker %d handled %v, want %v in that order", w, h.startedBy(w), m.given[w])
		}
		// Every item given was handled or dropped, exactly once.
		all := append(h.startedBy(w), dropped[w]...)
		slices.Sort(all)
		if !slices.Equal(all, m.given[w]) {
			h.note("worker %d: handled %v and dropped %v, want each of %v once", w, h.startedBy(w), dropped[w], m.given[w])
		}
	}
	return h.problems
}

// TestGroup_MatchesModel runs random schedules over every kind of group
// without stealing (persistent or on demand, lingering or not) and
// compares it with the model after every step: calls per worker never
// overlap and keep arrival order; Enqueue never blocks; Handed is the
// running item; Alive and Loads are exact; linger is
// exact in virtual time; a Goexit in handle finishes the item and the worker
// serves on; Close drains everything; Abort returns each item not started
// exactly once, and running items finish.
func TestGroup_MatchesModel(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		p := drawGroupProg(rt)
		var problems []string
		synctest.Test(t, func(*testing.T) { problems = runGroupProg(p) })
		if len(problems) > 0 {
			rt.Fatalf("%+v\n%s", p, strings.Join(problems[:min(len(problems), 10)], "\n"))
		}
	})
}

// TestNewGroup_Panics checks the programmer errors NewGroup and
// WithOnDemand refuse, with package-prefixed messages.
func TestNewGroup_Panics(t *testing.T) {
	nop := func(int, int) {}
	require.PanicsWithValue(t, "stages: NewGroup with 0 workers, want at least 1", func() { stages.NewGroup(0, nop) })
	require.PanicsWithValue(t, "stages: NewGroup with nil handle", func() { stages.NewGroup[int](1, nil) })
	require.PanicsWithValue(t, "stages: WithOnDemand with negative linger -1ns", func() { stages.WithOnDemand(-1) })
}

// TestGroup_Len checks the figures a fresh group reports.
func TestGroup_Len(t *testing.T) {
	g := stages.NewGroup(3, func(int, int) {})
	require.Equal(t, 3, g.Len())
	require.Equal(t, 3, g.View().Len())
	require.Equal(t, 3, g.Alive())
	g.Close()
	g.Wait()
	require.Zero(t, g.Alive())

	od := stages.NewGroup(3, func(int, int) {}, stages.WithOnDemand(time.Second))
	require.Zero(t, od.Alive(), "on-demand workers start with their first item")
	od.Close()
	od.Wait()
}

// ExampleGroup feeds a group of two workers without ever blocking, then
// closes it and waits for every item to be handled. The items are pinned,
// so each runs where it was put.
func ExampleGroup() {
	var mu sync.Mutex
	seen := make([][]string, 2)
	g := stages.NewGroup(2, func(w int, v string) {
		mu.Lock()
		defer mu.Unlock()
		seen[w] = append(seen[w], v)
	})
	for i, v := range []string{"a", "b", "c", "d", "e"} {
		if err := g.View().Enqueue(i%2, v, 0, true); err != nil {
			fmt.Println(err)
		}
	}
	g.Close()
	g.Wait()
	fmt.Println(seen)
	fmt.Println(g.View().Enqueue(0, "f", 0, true))
	// Output:
	// [[a c e] [b d]]
	// stages: group closed
}

// enqueue gives v to worker w of g's current view, at priority 0, movable.
func enqueue[T any](g *stages.Group[T], w int, v T) error {
	return g.View().Enqueue(w, v, 0, false)
}
