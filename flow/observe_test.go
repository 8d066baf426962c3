package flow_test

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

type itemKey struct{} // what itemRecorder puts in an item's context

// itemEnd is one TaskFinished call.
type itemEnd struct {
	ctx context.Context
	end pool.TaskEnd
}

// itemRecorder is an Observer that gives every item a context of its own,
// carrying the index of its start, and records what it hears.
type itemRecorder struct {
	mu       sync.Mutex
	returned []context.Context
	ends     []itemEnd
}

func (r *itemRecorder) TaskStarted(ctx context.Context, _ pool.TaskStart) context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := context.WithValue(ctx, itemKey{}, len(r.returned))
	r.returned = append(r.returned, c)
	return c
}

func (r *itemRecorder) TaskFinished(ctx context.Context, t pool.TaskEnd) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ends = append(r.ends, itemEnd{ctx, t})
}

// TestObserverSeesEveryItem: a flow's pool stage tells its observer of
// every item it starts, once at its start and once at its end, on every
// path (success, error, panic, runtime.Goexit, cancellation); the item
// runs with the context TaskStarted returned, TaskFinished gets that
// context, and Err is the item's error.
func TestObserverSeesEveryItem(t *testing.T) {
	const (
		ok = iota
		fail
		panics
		goexit
		block // until the flow is cancelled
	)
	cases := []struct {
		name    string
		items   []int
		outcome pool.Outcome // of the last item
		wantErr error        // the last item's Err matches it
	}{
		{"succeeded", []int{ok, ok}, pool.Succeeded, nil},
		{"failed", []int{ok, fail}, pool.Failed, errBoom},
		{"panicked", []int{ok, fail, panics}, pool.Failed, errBoom},
		{"goexit", []int{ok, goexit}, pool.Failed, future.ErrGoexit},
		{"cancelled", []int{ok, block}, pool.Cancelled, context.Canceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rec := &itemRecorder{}
				var mu sync.Mutex
				var seen []context.Context
				ctx, cancel := context.WithCancel(t.Context())
				defer cancel()
				fn := func(ctx context.Context, k int) (int, error) {
					mu.Lock()
					seen = append(seen, ctx)
					mu.Unlock()
					switch k {
					case fail:
						return 0, errBoom
					case panics:
						panic(errBoom)
					case goexit:
						runtime.Goexit()
					case block:
						cancel()
						<-ctx.Done()
						return 0, ctx.Err()
					}
					return k, nil
				}
				_, err := flow.Pool(flow.From(c.items), fn, pool.WithMaxWorkers(1), pool.WithName("items"), pool.WithObserver(rec)).
					Collect(ctx, flow.WithContinueOnError())
				if c.wantErr == nil {
					require.NoError(t, err)
				} else {
					require.ErrorIs(t, err, c.wantErr)
				}
				synctest.Wait() // the worker is done with the observer

				rec.mu.Lock()
				defer rec.mu.Unlock()
				require.Len(t, rec.returned, len(c.items), "every item started")
				require.Len(t, rec.ends, len(rec.returned), "one TaskFinished per TaskStarted")
				require.Len(t, seen, len(c.items))
				for i, e := range rec.ends {
					n, isItem := e.ctx.Value(itemKey{}).(int)
					require.True(t, isItem)
					require.Equal(t, i, n, "one worker: items end in order")
					require.True(t, e.ctx == rec.returned[i], "TaskFinished got the context TaskStarted returned")
					require.True(t, seen[i] == rec.returned[i], "the item ran with the context TaskStarted returned")
					require.Equal(t, "items", e.end.Pool)
				}
				last := rec.ends[len(rec.ends)-1].end
				require.Equal(t, c.outcome, last.Outcome)
				if c.wantErr == nil {
					require.NoError(t, last.Err)
				} else {
					require.ErrorIs(t, last.Err, c.wantErr)
				}
				if c.name == "panicked" {
					_, isPanic := errors.AsType[*future.PanicError](last.Err)
					require.True(t, isPanic)
					require.ErrorIs(t, err, last.Err, "the flow stops with the panic the observer heard of")
				}
			})
		})
	}
}
