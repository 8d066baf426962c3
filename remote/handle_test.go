package remote_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/remote"
)

// sessionRig is a Session whose responses arrive, decoded, on a channel.
func sessionRig(t *testing.T, limit int) (*remote.Session, <-chan remote.Frame) {
	t.Helper()
	out := make(chan remote.Frame, 16)
	s := remote.NewSession(context.Background(), limit, func(body []byte) {
		var f remote.Frame
		if err := f.UnmarshalBinary(append([]byte(nil), body...)); err != nil {
			t.Errorf("a response that does not decode: %v", err)
		}
		out <- f
	})
	return s, out
}

func TestSession_AnswersEachRequest(t *testing.T) {
	s, out := sessionRig(t, 0)
	for i := range 3 {
		require.NoError(t, s.Handle(remote.Frame{Kind: remote.KindRequest, ID: uint64(i + 1), Name: square.Name(), Payload: gobInt(t, i+2)}))
	}
	got := map[uint64][]byte{}
	for range 3 {
		f := <-out
		require.Equal(t, remote.KindResponse, f.Kind)
		require.NoError(t, f.Err)
		got[f.ID] = f.Payload
	}
	assert.Equal(t, map[uint64][]byte{1: gobInt(t, 4), 2: gobInt(t, 9), 3: gobInt(t, 16)}, got)
	require.NoError(t, s.Close())
	assert.ErrorIs(t, s.Handle(remote.Frame{Kind: remote.KindRequest, ID: 9, Name: square.Name()}), remote.ErrClosed)
	assert.NoError(t, s.Close(), "a second Close does nothing")
}

func TestSession_CancelAndClose(t *testing.T) {
	s, out := sessionRig(t, 0)
	require.NoError(t, s.Handle(remote.Frame{Kind: remote.KindRequest, ID: 1, Name: block.Name(), Payload: gobInt(t, 0)}))
	<-blockStarted
	require.NoError(t, s.Handle(remote.Frame{Kind: remote.KindCancel, ID: 1}))
	assert.ErrorIs(t, <-blocked, context.Canceled)
	f := <-out
	assert.Equal(t, uint64(1), f.ID)
	assert.ErrorIs(t, f.Err, context.Canceled)

	require.NoError(t, s.Handle(remote.Frame{Kind: remote.KindRequest, ID: 2, Name: block.Name(), Payload: gobInt(t, 0)}))
	<-blockStarted
	require.NoError(t, s.Close())
	assert.ErrorIs(t, <-blocked, remote.ErrClosed, "Close cancels with ErrClosed as the cause")
	assert.Equal(t, uint64(2), (<-out).ID, "and the answer still goes out")
}

func TestSession_RefusesAndLimits(t *testing.T) {
	s, out := sessionRig(t, 512)
	defer s.Close()
	assert.ErrorIs(t, s.Handle(remote.Frame{Kind: remote.KindHello}), remote.ErrBadFrame)
	require.NoError(t, s.Handle(remote.Frame{Kind: remote.KindRequest, ID: 1, Name: "nobody"}))
	f := <-out
	assert.ErrorIs(t, f.Err, remote.ErrUnknownFunction)
	require.NoError(t, s.Handle(remote.Frame{Kind: remote.KindRequest, ID: 2, Name: echo.Name(), Payload: make([]byte, 1000)}))
	f = <-out
	assert.True(t, errors.Is(f.Err, remote.ErrFrameTooLarge), "a result over the limit: %v", f.Err)
}

func TestNewSession_NilSendPanics(t *testing.T) {
	assert.PanicsWithValue(t, "remote: NewSession with a nil send", func() { remote.NewSession(context.Background(), 0, nil) })
}
