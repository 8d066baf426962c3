package future_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/internal/logtest"
)

// within fails the test if done is not closed in a generous time: a guard
// against a hang, never a way to order events.
func within(t *testing.T, done <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%s: still blocked after 30s", what)
	}
}

// settleWays are the calls that settle a pending future, with the outcome
// each one leaves.
var settleWays = []struct {
	name   string
	settle func(*future.Future[int], future.Promise[int]) bool
	v      int
	err    error
}{
	{"Resolve", func(_ *future.Future[int], p future.Promise[int]) bool { return p.Resolve(2) }, 2, nil},
	{"Reject", func(_ *future.Future[int], p future.Promise[int]) bool { return p.Reject(errBoom) }, 0, errBoom},
	{"Settle", func(_ *future.Future[int], p future.Promise[int]) bool { return p.Settle(3, errBoom) }, 3, errBoom},
	{"Cancel", func(f *future.Future[int], _ future.Promise[int]) bool { return f.Cancel() }, 0, future.ErrCancelled},
}

// TestCallbackPanicIsReported: whichever call settles the future, a
// callback that panics does not reach it: the call returns true, the
// callbacks before and after it run, waiters see the outcome, and the
// panic is logged once with its value and stack.
func TestCallbackPanicIsReported(t *testing.T) {
	for _, way := range settleWays {
		t.Run(way.name, func(t *testing.T) {
			logs := logtest.Capture(t)
			f, p := future.New[int](context.Background())
			var got []string
			f.OnSettled(func(v int, err error) { got = append(got, fmt.Sprint("a", v, err)) })
			f.OnSettled(func(int, error) { panic("callback boom") })
			f.OnSettled(func(v int, err error) { got = append(got, fmt.Sprint("b", v, err)) })
			done := f.Done()

			var ok bool
			require.NotPanics(t, func() { ok = way.settle(f, p) })
			require.True(t, ok)
			<-done
			want := []string{fmt.Sprint("a", way.v, way.err), fmt.Sprint("b", way.v, way.err)}
			require.Equal(t, want, got, "the other callbacks run, in order")
			v, err := f.Await(context.Background())
			require.Equal(t, way.v, v)
			require.Equal(t, way.err, err)

			out := logs.String()
			require.Equal(t, 1, strings.Count(out, "future: callback panic: callback boom\n"), out)
			require.Contains(t, out, "callback_test.go", "the stack shows where it panicked")
		})
	}
}

// TestCallbackPanicOnSettledFuture: a callback registered on a future that
// has settled runs at once, and its panic is handled as at settle, not
// passed to the caller of OnSettled.
func TestCallbackPanicOnSettledFuture(t *testing.T) {
	logs := logtest.Capture(t)
	f := future.Resolved(1)
	require.NotPanics(t, func() {
		f.OnSettled(func(int, error) { panic("late boom") })
	})
	var ran bool
	f.OnSettled(func(int, error) { ran = true })
	require.True(t, ran)
	require.Equal(t, 1, strings.Count(logs.String(), "future: callback panic: late boom\n"), logs.String())
}

// TestCallbackPanicDoesNotKillSettler is the pool worker's case: one
// goroutine settles a queue of futures in turn, and the first one's
// callback panics. The goroutine must go on to settle the rest, and
// every waiter must wake.
func TestCallbackPanicDoesNotKillSettler(t *testing.T) {
	logs := logtest.Capture(t)
	const n = 5
	fs, ps := pendingN(n)
	fs[0].OnSettled(func(int, error) { panic("worker boom") })
	finished := make(chan struct{})
	go func() {
		for i, p := range ps {
			p.Resolve(i)
		}
		close(finished)
	}()
	for i, f := range fs {
		within(t, f.Done(), fmt.Sprint("future ", i))
		v, err := f.Await(t.Context())
		require.NoError(t, err)
		require.Equal(t, i, v)
	}
	within(t, finished, "the settling goroutine")
	require.Equal(t, 1, strings.Count(logs.String(), "future: callback panic: worker boom\n"))
}

// TestThenCallbackPanic: a panic in a callback on the future Then derives
// does not reach whoever settles the source.
func TestThenCallbackPanic(t *testing.T) {
	logs := logtest.Capture(t)
	f, p := future.New[int](context.Background())
	g := future.Then(f, func(v int) (int, error) { return v + 1, nil })
	g.OnSettled(func(int, error) { panic("derived boom") })
	var after int
	f.OnSettled(func(v int, _ error) { after = v })
	require.NotPanics(t, func() { require.True(t, p.Resolve(1)) })
	require.Equal(t, 1, after, "the source's later callbacks run")
	v, err := g.Wait()
	require.NoError(t, err)
	require.Equal(t, 2, v)
	require.Equal(t, 1, strings.Count(logs.String(), "future: callback panic: derived boom\n"))
}

// TestThenPanicSettlesDerived: a panic in Then's function is the derived
// future's outcome, a *PanicError; it is delivered there and not also
// logged, and the source's settler does not see it.
func TestThenPanicSettlesDerived(t *testing.T) {
	logs := logtest.Capture(t)
	f, p := future.New[int](context.Background())
	g := future.Then(f, func(int) (int, error) { panic(errBoom) })
	var after bool
	f.OnSettled(func(int, error) { after = true })
	require.NotPanics(t, func() { require.True(t, p.Resolve(1)) })
	require.True(t, after)
	_, err := g.Wait()
	pe, ok := err.(*future.PanicError)
	require.True(t, ok, "got %v", err)
	require.Equal(t, errBoom, pe.Value)
	require.ErrorIs(t, err, errBoom)
	require.Contains(t, string(pe.Stack), "callback_test.go")
	require.Empty(t, logs.String())
}

// TestCallbackPanicsUnderLoad settles many futures from many goroutines
// while other goroutines wait on them and register more callbacks, some
// before and some after they settle; every future has callbacks that
// panic. Every settle call returns, every waiter wakes, every other
// callback runs once, and every panic is logged exactly once. Run it
// under -race.
func TestCallbackPanicsUnderLoad(t *testing.T) {
	logs := logtest.Capture(t)
	const settlers, waiters, n = 8, 4, 1600
	fs, ps := pendingN(n)
	var ran atomic.Int64
	for i, f := range fs {
		f.OnSettled(func(int, error) { ran.Add(1) })
		f.OnSettled(func(int, error) { panic(fmt.Sprintf("early %d", i)) })
		f.OnSettled(func(int, error) { ran.Add(1) })
	}

	start := make(chan struct{})
	var wg sync.WaitGroup
	var settled atomic.Int64
	for s := range settlers {
		wg.Go(func() {
			<-start
			for i := s; i < n; i += settlers {
				if ps[i].Resolve(i) {
					settled.Add(1)
				}
			}
		})
	}
	var woke atomic.Int64
	for w := range waiters {
		wg.Go(func() {
			<-start
			for i := w; i < n; i += waiters {
				if w%2 == 0 {
					if v, err := fs[i].Await(context.Background()); v == i && err == nil {
						woke.Add(1)
					}
				} else {
					<-fs[i].Done()
					woke.Add(1)
				}
			}
		})
	}
	// A registrar races the settlers: its callbacks run at settle or at
	// once, and panic either way.
	wg.Go(func() {
		<-start
		for i, f := range fs {
			f.OnSettled(func(int, error) { panic(fmt.Sprintf("racing %d", i)) })
			f.OnSettled(func(int, error) { ran.Add(1) })
		}
	})
	all := make(chan struct{})
	go func() { wg.Wait(); close(all) }()
	close(start)
	within(t, all, "settlers, waiters and registrar")

	require.EqualValues(t, n, settled.Load())
	require.EqualValues(t, n, woke.Load())
	require.EqualValues(t, 3*n, ran.Load())
	reported := make(map[string]int)
	for _, r := range strings.Split(logs.String(), "future: callback panic: ")[1:] {
		value, _, _ := strings.Cut(r, "\n")
		reported[value]++
	}
	require.Len(t, reported, 2*n)
	for i := range n {
		for _, name := range []string{"early", "racing"} {
			value := fmt.Sprint(name, " ", i)
			require.Equal(t, 1, reported[value], "reports of %q", value)
		}
	}
}

// TestWithPanicHandler: a callback's panic goes to its handler, once, with
// the value and the stack, and nothing is logged; callbacks without a
// handler are unaffected.
func TestWithPanicHandler(t *testing.T) {
	logs := logtest.Capture(t)
	var got []*future.PanicError
	handler := future.WithPanicHandler(func(pe *future.PanicError) { got = append(got, pe) })

	f, p := future.New[int](context.Background())
	f.OnSettled(func(int, error) { panic(errBoom) }, handler)
	var ran bool
	f.OnSettled(func(int, error) { ran = true }, handler)
	require.NotPanics(t, func() { require.True(t, p.Resolve(1)) })
	require.True(t, ran)
	require.Len(t, got, 1)
	require.Equal(t, errBoom, got[0].Value)
	require.ErrorIs(t, got[0], errBoom)
	require.Contains(t, string(got[0].Stack), "callback_test.go", "the stack shows where it panicked")

	// On a settled future the callback runs at once, the same way.
	f.OnSettled(func(int, error) { panic("late") }, handler)
	require.Len(t, got, 2)
	require.Equal(t, "late", got[1].Value)
	require.Empty(t, logs.String())
}

// TestWithPanicHandlerPanics: a handler that panics is no worse than no
// handler: its panic is logged and the settler carries on.
func TestWithPanicHandlerPanics(t *testing.T) {
	logs := logtest.Capture(t)
	f, p := future.New[int](context.Background())
	f.OnSettled(func(int, error) { panic("callback") },
		future.WithPanicHandler(func(*future.PanicError) { panic("handler") }))
	var ran bool
	f.OnSettled(func(int, error) { ran = true })
	require.NotPanics(t, func() { require.True(t, p.Resolve(1)) })
	require.True(t, ran)
	out := logs.String()
	require.Equal(t, 1, strings.Count(out, "future: callback panic: handler\n"), out)
	require.NotContains(t, out, "panic: callback\n", "the handler had the callback's panic")
}

// TestCallbackGoexitWithHandler: Goexit is not a panic: the handler is not
// called, the goroutine goes on exiting and the other callbacks run.
func TestCallbackGoexitWithHandler(t *testing.T) {
	logs := logtest.Capture(t)
	f, p := future.New[int](context.Background())
	var handled bool
	f.OnSettled(func(int, error) { runtime.Goexit() },
		future.WithPanicHandler(func(*future.PanicError) { handled = true }))
	second := make(chan int, 1)
	f.OnSettled(func(v int, _ error) { second <- v })
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		p.Resolve(3)
	}()
	within(t, exited, "the settling goroutine")
	require.Equal(t, 3, <-second)
	require.False(t, handled)
	require.Empty(t, logs.String())
}

func TestCallbackOptionsBadInput(t *testing.T) {
	require.PanicsWithValue(t, "future: WithPanicHandler with nil function", func() {
		future.WithPanicHandler(nil)
	})
	f, p := future.New[int](context.Background())
	require.PanicsWithValue(t, "future: OnSettled with nil option", func() {
		f.OnSettled(func(int, error) {}, nil)
	})
	var ran int
	f.OnSettled(func(int, error) { ran++ }) // nothing of the bad call was registered
	p.Resolve(1)
	require.Equal(t, 1, ran)
}
