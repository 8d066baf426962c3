package future_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
)

func TestPromiseSettlesOnce(t *testing.T) {
	f, p := future.New[int](context.Background())
	require.Same(t, f, p.Future())
	require.False(t, p.Settled())
	require.True(t, p.Resolve(1))
	require.True(t, p.Settled())
	require.False(t, p.Resolve(2))
	require.False(t, p.Reject(errBoom))
	require.False(t, p.Settle(3, nil))
	v, err := f.Wait()
	require.NoError(t, err)
	require.Equal(t, 1, v)
}

func TestPromiseReject(t *testing.T) {
	f, p := future.New[int](context.Background())
	require.True(t, p.Reject(errBoom))
	_, err := f.Wait()
	require.ErrorIs(t, err, errBoom)
	require.PanicsWithValue(t, "future: Reject with nil error", func() { p.Reject(nil) })
}

func TestPromiseSettleKeepsValueWithError(t *testing.T) {
	f, p := future.New[int](context.Background())
	require.True(t, p.Settle(9, errBoom))
	v, err := f.Wait()
	require.ErrorIs(t, err, errBoom)
	require.Equal(t, 9, v)
}

type ctxKey struct{}

func TestPromiseContextAndCause(t *testing.T) {
	parent := context.WithValue(context.Background(), ctxKey{}, "v")
	_, p := future.New[int](parent)
	work := p.Context()
	require.Equal(t, "v", work.Value(ctxKey{}))
	require.NoError(t, work.Err())
	require.NoError(t, p.Cause())

	p.Resolve(1)
	require.ErrorIs(t, work.Err(), context.Canceled, "settling ends the work's context")
	require.ErrorIs(t, p.Cause(), future.ErrSettled)
	<-work.Done()
}

func TestPromiseCauseFromParent(t *testing.T) {
	parent, cancel := context.WithCancelCause(context.Background())
	_, p := future.New[int](parent)
	cancel(errBoom)
	// Nobody asked for Done yet; Err and Cause still agree with the parent.
	require.ErrorIs(t, p.Context().Err(), context.Canceled)
	require.ErrorIs(t, p.Cause(), errBoom)
}
