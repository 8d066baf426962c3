package future_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/future"
)

// opKind is one step of a goroutine's program in the exactly-once property.
type opKind int

const (
	opResolve opKind = iota
	opReject
	opSettle
	opCancel
	opAwait
	opAwaitDone // Await with a context that is already done
	opWait
	opDone
	opOnSettled
	opTryResult
	opWorkDone  // wait on the work context's Done
	opWorkAfter // context.AfterFunc on the work context
	opWorkErr   // the work context's Err and Promise.Cause
	opKinds
)

type outcome struct {
	v   int
	err error
}

// TestSettlesExactlyOnceProperty races resolve, reject, cancel, waiters and
// callback registrations across goroutines: exactly one settle call wins,
// and every waiter and callback sees the winner's outcome.
func TestSettlesExactlyOnceProperty(t *testing.T) {
	errs := []error{errors.New("e0"), errors.New("e1"), errors.New("e2")}
	opGen := rapid.Custom(func(t *rapid.T) [2]int {
		return [2]int{rapid.IntRange(0, int(opKinds)-1).Draw(t, "kind"), rapid.IntRange(0, 2).Draw(t, "arg")}
	})
	rapid.Check(t, func(rt *rapid.T) {
		f, p := future.New[int](context.Background())
		done, cancel := context.WithCancel(context.Background())
		cancel()
		nG := rapid.IntRange(1, 4).Draw(rt, "goroutines")
		progs := make([][][2]int, nG+1)
		for g := range nG {
			progs[g] = rapid.SliceOfN(opGen, 0, 6).Draw(rt, fmt.Sprint("program", g))
		}
		// One settler goroutine that never waits, so every waiter is released.
		last := rapid.IntRange(int(opResolve), int(opCancel)).Draw(rt, "lastSettle")
		progs[nG] = [][2]int{{last, 1}}

		var (
			mu                 sync.Mutex
			wins               []outcome
			seen               []outcome
			registered, called int
			afters             []chan struct{}
		)
		note := func(o outcome) { mu.Lock(); seen = append(seen, o); mu.Unlock() }
		won := func(ok bool, o outcome) {
			if ok {
				mu.Lock()
				wins = append(wins, o)
				mu.Unlock()
			}
		}
		var wg sync.WaitGroup
		start := make(chan struct{}) // release all programs at once, to overlap
		for _, prog := range progs {
			wg.Go(func() {
				<-start
				for _, op := range prog {
					arg := op[1]
					switch opKind(op[0]) {
					case opResolve:
						won(p.Resolve(arg), outcome{arg, nil})
					case opReject:
						won(p.Reject(errs[arg]), outcome{0, errs[arg]})
					case opSettle:
						var err error
						if arg > 0 {
							err = errs[arg]
						}
						won(p.Settle(arg, err), outcome{arg, err})
					case opCancel:
						won(f.Cancel(), outcome{0, future.ErrCancelled})
					case opAwait:
						v, err := f.Await(context.Background())
						note(outcome{v, err})
					case opAwaitDone:
						v, err := f.Await(done)
						// Giving up reports the ctx's cause; anything else is the outcome.
						if err != context.Canceled {
							note(outcome{v, err})
						}
					case opWait:
						v, err := f.Wait()
						note(outcome{v, err})
					case opDone:
						<-f.Done()
						v, err, ok := f.TryResult()
						if !ok {
							note(outcome{-1, errors.New("TryResult not ok after Done")})
						}
						note(outcome{v, err})
					case opOnSettled:
						mu.Lock()
						registered++
						mu.Unlock()
						f.OnSettled(func(v int, err error) {
							mu.Lock()
							called++
							mu.Unlock()
							note(outcome{v, err})
						})
					case opTryResult:
						if v, err, ok := f.TryResult(); ok {
							note(outcome{v, err})
						}
					case opWorkDone:
						<-p.Context().Done()
						if !f.Settled() && p.Context().Err() == nil {
							note(outcome{-1, errors.New("work Done closed with Err nil")})
						}
					case opWorkAfter:
						ran := make(chan struct{})
						mu.Lock()
						afters = append(afters, ran)
						mu.Unlock()
						context.AfterFunc(p.Context(), func() { close(ran) }) // a second run panics
					case opWorkErr:
						// The parent is never done: the work ends with the future.
						before := f.Settled()
						err := p.Context().Err()
						cause := p.Cause()
						if before && err == nil || err != nil && (err != context.Canceled || cause == nil || !f.Settled()) {
							note(outcome{-1, fmt.Errorf("work Err %v, cause %v, settled before %v", err, cause, before)})
						}
					}
					if arg == 2 {
						runtime.Gosched()
					}
				}
			})
		}
		close(start)
		wg.Wait()

		require.Len(rt, wins, 1, "exactly one settle call wins")
		w := wins[0]
		v, err, ok := f.TryResult()
		require.True(rt, ok)
		require.Equal(rt, w, outcome{v, err})
		for _, o := range seen {
			require.Equal(rt, w, o, "every observer sees the winner")
		}
		require.Equal(rt, registered, called, "every callback runs exactly once")
		for _, ran := range afters {
			<-ran // every AfterFunc of the work context runs (once: twice would panic)
		}
		require.Error(rt, p.Context().Err(), "the work's context ends with the future")
		if w.err == future.ErrCancelled {
			require.ErrorIs(rt, p.Cause(), future.ErrCancelled)
		} else {
			require.ErrorIs(rt, p.Cause(), future.ErrSettled)
		}
	})
}

// TestSettleRaceStress has settlers sweep the same futures in step, so their
// calls on each future overlap as closely as the scheduler allows: each
// future has exactly one winner, and its outcome is the winner's.
func TestSettleRaceStress(t *testing.T) {
	const n, settlers = 50000, 4
	fs, ps := pendingN(n)
	wins := make([][]outcome, settlers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for s := range settlers {
		wg.Go(func() {
			<-start
			for i := range n {
				var o outcome
				var ok bool
				switch s {
				case 0:
					o, ok = outcome{i, nil}, ps[i].Resolve(i)
				case 1:
					o, ok = outcome{0, errBoom}, ps[i].Reject(errBoom)
				case 2:
					o, ok = outcome{0, future.ErrCancelled}, fs[i].Cancel()
				default:
					o, ok = outcome{-i, errBoom}, ps[i].Settle(-i, errBoom)
				}
				if ok {
					wins[s] = append(wins[s], outcome{i, nil}, o)
				}
			}
		})
	}
	close(start)
	wg.Wait()
	won := make([]int, n)
	for _, w := range wins {
		for j := 0; j < len(w); j += 2 {
			i := w[j].v
			won[i]++
			v, err, _ := fs[i].TryResult()
			require.Equal(t, w[j+1], outcome{v, err}, "future %d", i)
		}
	}
	for i, c := range won {
		require.Equal(t, 1, c, "winners of future %d", i)
	}
}

// TestHookRaceStress has a settler and a hooker sweep the same futures in
// step, so that a lock-free settle and the making of something it must see
// to (a Done channel, a callback, the work context's Done or an AfterFunc
// on it) overlap as closely as the scheduler allows: whichever comes
// first, every channel closes and every function runs, once.
func TestHookRaceStress(t *testing.T) {
	const n = 40000
	fs, ps := pendingN(n)
	fired := make([]chan struct{}, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Go(func() {
		<-start
		for i := range n {
			ps[i].Resolve(i)
		}
	})
	wg.Go(func() {
		<-start
		for i := range n {
			ran := make(chan struct{})
			fired[i] = ran
			switch i % 4 {
			case 0:
				done := fs[i].Done()
				go func() { <-done; close(ran) }()
			case 1:
				fs[i].OnSettled(func(int, error) { close(ran) })
			case 2:
				done := ps[i].Context().Done()
				go func() { <-done; close(ran) }()
			default:
				context.AfterFunc(ps[i].Context(), func() { close(ran) })
			}
		}
	})
	close(start)
	wg.Wait()
	for i, ran := range fired {
		<-ran
		v, err, ok := fs[i].TryResult()
		require.True(t, ok && v == i && err == nil, "future %d: %v, %v, %v", i, v, err, ok)
		require.ErrorIs(t, ps[i].Cause(), future.ErrSettled, "future %d", i)
	}
}
