package flow_test

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

type itemError struct{ item int }

func (e *itemError) Error() string { return "item failed" }

// TestFirstErrorWins: when many items fail at once, the sink returns one
// error, unchanged, and the rest are taken for consequences.
func TestFirstErrorWins(t *testing.T) {
	for range 20 {
		_, err := flow.From(ints(1000)).Pool(func(_ context.Context, v int) (int, error) {
			return 0, &itemError{item: v}
		}, pool.WithMaxWorkers(8)).Unordered().Collect(t.Context())
		ie, ok := errors.AsType[*itemError](err)
		require.True(t, ok, "got %v", err)
		require.Same(t, ie, err, "the error comes back as it was made")
	}
}

// TestErrorsAfterStopAreDropped: errors that user functions return because
// the flow stopped (its context is done) are consequences, not news: the
// sink returns the one that stopped it, in either error mode.
func TestErrorsAfterStopAreDropped(t *testing.T) {
	for _, opts := range [][]flow.Option{nil, {flow.WithContinueOnError()}} {
		_, err := flow.From(ints(1000)).Pool(func(ctx context.Context, v int) (int, error) {
			if v == 0 {
				panic(errBoom)
			}
			<-ctx.Done()
			return 0, ctx.Err()
		}, pool.WithMaxWorkers(4)).Collect(t.Context(), opts...)
		require.ErrorIs(t, err, errBoom)
		require.NotErrorIs(t, err, context.Canceled)
	}
}

// TestStopAtRandomPoint: however and whenever a run stops, the sink
// returns the right error, no user function is still running, and no
// goroutine is left.
func TestStopAtRandomPoint(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 400).Draw(t, "items")
		at := rapid.IntRange(0, n-1).Draw(t, "stopAt")
		how := rapid.SampledFrom([]string{"cancel", "error", "panic", "goexit", "break", "chan-stop", "sink-error"}).Draw(t, "how")
		ordered := rapid.Bool().Draw(t, "ordered")
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var active atomic.Int64
		fn := func(ctx context.Context, v int) (int, error) {
			active.Add(1)
			defer active.Add(-1)
			switch {
			case v < at || how == "break" || how == "chan-stop" || how == "sink-error":
				return v, nil
			case v > at:
				<-ctx.Done() // blocks until the run stops
				return 0, ctx.Err()
			}
			switch how {
			case "cancel":
				cancel()
				return 0, ctx.Err()
			case "error":
				return 0, errBoom
			case "panic":
				panic(errBoom)
			}
			runtime.Goexit()
			return 0, nil
		}
		quit := make(chan struct{})
		f := drawSource(t, ints(n), new(atomic.Int64), quit).Pool(fn, drawPoolOptions(t)...)
		if !ordered {
			f = f.Unordered()
		}
		var err error
		switch how {
		case "break":
			i := 0
			for _, e := range f.All(ctx) {
				if e != nil {
					t.Fatal(e)
				}
				if i == at {
					break
				}
				i++
			}
		case "chan-stop":
			ch, stop := f.Chan(ctx)
			for range at {
				<-ch
			}
			err = stop()
		case "sink-error":
			i := 0
			err = f.ForEach(ctx, func(int) error {
				if i == at {
					return errBoom
				}
				i++
				return nil
			})
		default:
			_, err = f.Collect(ctx)
		}
		if a := active.Load(); a != 0 {
			t.Fatalf("%d user calls still running after the sink returned", a)
		}
		switch how {
		case "cancel":
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("got %v, want context.Canceled", err)
			}
		case "error", "sink-error":
			if err != errBoom {
				t.Fatalf("got %v, want errBoom itself", err)
			}
		case "panic":
			pe, ok := errors.AsType[*future.PanicError](err)
			if !ok || pe.Value != errBoom || !errors.Is(err, errBoom) {
				t.Fatalf("got %v, want a PanicError of errBoom", err)
			}
		case "goexit":
			if err != future.ErrGoexit {
				t.Fatalf("got %v, want future.ErrGoexit", err)
			}
		default:
			if err != nil {
				t.Fatalf("early stop returned %v", err)
			}
		}
		close(quit)
		goleak.VerifyNone(t)
	})
}
