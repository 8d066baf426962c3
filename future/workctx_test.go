package future_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/future"
)

func TestWorkContextPassesThrough(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		at := time.Now().Add(time.Minute)
		parent, cancel := context.WithDeadline(context.WithValue(context.Background(), ctxKey{}, 1), at)
		defer cancel()
		f, p := future.New[int](parent)
		work := p.Context()
		require.Equal(t, 1, work.Value(ctxKey{}))
		d, ok := work.Deadline()
		require.True(t, ok)
		require.Equal(t, at, d)
		require.NoError(t, work.Err())

		<-work.Done() // the parent's deadline passes in virtual time
		require.ErrorIs(t, work.Err(), context.DeadlineExceeded)
		require.ErrorIs(t, p.Cause(), context.DeadlineExceeded)
		require.False(t, f.Settled(), "the work's context ending does not settle the future")
	})

	_, p := future.New[int](context.Background())
	_, ok := p.Context().Deadline()
	require.False(t, ok)
}

func TestWorkContextParentCancelReachesDone(t *testing.T) {
	parent, cancel := context.WithCancelCause(context.Background())
	_, p := future.New[int](parent)
	work := p.Context()
	done := work.Done()
	cancel(errBoom)
	<-done
	require.ErrorIs(t, work.Err(), context.Canceled)
	require.ErrorIs(t, p.Cause(), errBoom)
	require.ErrorIs(t, context.Cause(work), errBoom)
}

func TestWorkContextParentAlreadyDone(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	cancel()
	_, p := future.New[int](parent)
	work := p.Context()
	require.Error(t, work.Err())
	select {
	case <-work.Done():
	default:
		t.Fatal("Err reports done but Done is open")
	}
}

func TestWorkContextDoneAfterSettle(t *testing.T) {
	f, p := future.New[int](context.Background())
	f.Cancel()
	<-p.Context().Done() // made after the cancel, closed at once
}

// A context derived from the work's context hooks it through its AfterFunc
// method: no goroutine, and it ends, synchronously, with the future.
func TestWorkContextDerivedStartsNoGoroutine(t *testing.T) {
	for _, name := range []string{"background", "cancellable"} {
		t.Run("parent="+name, func(t *testing.T) {
			parent, stop := context.WithCancel(context.Background())
			defer stop()
			if name == "background" {
				parent = context.Background()
			}
			f, p := future.New[int](parent)
			before := goleak.IgnoreCurrent()
			derived, cancel := context.WithTimeout(p.Context(), time.Hour)
			defer cancel()
			after, cancelAfter := context.WithCancel(derived)
			defer cancelAfter()
			require.NoError(t, goleak.Find(before))

			require.NoError(t, derived.Err())
			f.Cancel()
			require.ErrorIs(t, derived.Err(), context.Canceled, "done when Cancel returns")
			require.ErrorIs(t, after.Err(), context.Canceled)
		})
	}
}

func TestWorkContextDerivedTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f, p := future.New[int](context.Background())
		derived, cancel := context.WithTimeout(p.Context(), time.Second)
		defer cancel()
		<-derived.Done()
		require.ErrorIs(t, derived.Err(), context.DeadlineExceeded)
		require.NoError(t, p.Context().Err(), "a child's timeout does not reach the parent")
		require.True(t, p.Resolve(1))
		v, err := f.Wait()
		require.NoError(t, err)
		require.Equal(t, 1, v)
	})
}

func TestWorkContextAfterFunc(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, p := future.New[int](context.Background())
		ran := make(chan struct{})
		context.AfterFunc(p.Context(), func() { close(ran) })
		stopped := context.AfterFunc(p.Context(), func() { t.Error("stopped func ran") })
		require.True(t, stopped())
		p.Resolve(1)
		<-ran
		synctest.Wait()

		// Registering on an already finished context runs at once.
		again := make(chan struct{})
		context.AfterFunc(p.Context(), func() { close(again) })
		<-again
	})
}

func TestWorkContextConcurrentDerive(t *testing.T) {
	f, p := future.New[int](context.Background())
	const n = 8
	derived := make([]context.Context, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ctx, cancel := context.WithCancel(p.Context())
			derived[i] = ctx
			context.AfterFunc(ctx, cancel) // released when ctx ends
		})
	}
	wg.Go(func() { f.Cancel() })
	wg.Wait()
	for _, ctx := range derived {
		<-ctx.Done()
	}
}
