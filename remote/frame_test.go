package remote_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/remote"
)

// genFrame draws a frame of any kind, every field labelled.
func genFrame(t *rapid.T) remote.Frame {
	k := rapid.SampledFrom([]remote.Kind{remote.KindHello, remote.KindRequest, remote.KindCancel, remote.KindResponse}).Draw(t, "kind")
	f := remote.Frame{Kind: k}
	switch k {
	case remote.KindHello:
		f.Version = rapid.IntRange(0, 1<<31-1).Draw(t, "version")
		f.MaxFrame = rapid.IntRange(0, 1<<31-1).Draw(t, "maxFrame")
		f.Names = rapid.SliceOfN(rapid.String(), 0, 8).Draw(t, "names")
		if len(f.Names) == 0 {
			f.Names = nil
		}
	case remote.KindRequest:
		f.ID = rapid.Uint64().Draw(t, "id")
		f.Worker = rapid.Int().Draw(t, "worker")
		f.Name = rapid.String().Draw(t, "name")
		f.Payload = genPayload(t)
	case remote.KindCancel:
		f.ID = rapid.Uint64().Draw(t, "id")
	case remote.KindResponse:
		f.ID = rapid.Uint64().Draw(t, "id")
		if rapid.Bool().Draw(t, "isErr") {
			f.Err = genError(t)
		} else {
			f.Payload = genPayload(t)
		}
	}
	return f
}

func genPayload(t *rapid.T) []byte {
	p := rapid.SliceOfN(rapid.Byte(), 0, 300).Draw(t, "payload")
	if len(p) == 0 {
		return nil
	}
	return p
}

func genError(t *rapid.T) error {
	msg := rapid.String().Draw(t, "message")
	switch rapid.IntRange(0, 3).Draw(t, "errKind") {
	case 0:
		return errSentinel
	case 1:
		return errors.New(msg)
	case 2:
		return &future.PanicError{Value: msg, Stack: []byte(rapid.String().Draw(t, "stack"))}
	}
	return errors.Join(errors.New(msg), errSentinel)
}

// sameFrame compares frames, errors by message and, for sentinels, by
// identity.
func sameFrame(t *rapid.T, want, got remote.Frame) {
	wantErr, gotErr := want.Err, got.Err
	want.Err, got.Err = nil, nil
	assert.Equal(t, want, got)
	if wantErr == nil {
		assert.NoError(t, gotErr)
		return
	}
	require.Error(t, gotErr)
	assert.Equal(t, wantErr.Error(), gotErr.Error())
	assert.Equal(t, errors.Is(wantErr, errSentinel), errors.Is(gotErr, errSentinel))
}

func TestFrame_RoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := genFrame(t)
		body, err := f.MarshalBinary()
		require.NoError(t, err)
		var got remote.Frame
		require.NoError(t, got.UnmarshalBinary(body))
		sameFrame(t, f, got)

		var buf bytes.Buffer
		require.NoError(t, remote.WriteFrame(&buf, f, len(body)))
		got, err = remote.ReadFrame(&buf, len(body))
		require.NoError(t, err)
		sameFrame(t, f, got)
		_, err = remote.ReadFrame(&buf, len(body))
		assert.Equal(t, io.EOF, err)
	})
}

func TestFrame_TruncatedAndOversize(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		f := genFrame(t)
		var buf bytes.Buffer
		require.NoError(t, remote.WriteFrame(&buf, f, remote.DefaultMaxFrame))
		whole := buf.Bytes()
		cut := rapid.IntRange(1, len(whole)-1).Draw(t, "cut")
		_, err := remote.ReadFrame(bytes.NewReader(whole[:cut]), remote.DefaultMaxFrame)
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)

		body := len(whole) - 4
		if body > 0 {
			limit := rapid.IntRange(0, body-1).Draw(t, "limit")
			_, err = remote.ReadFrame(bytes.NewReader(whole), limit)
			assert.ErrorIs(t, err, remote.ErrFrameTooLarge)
			err = remote.WriteFrame(io.Discard, f, limit)
			assert.ErrorIs(t, err, remote.ErrFrameTooLarge)
		}
		// A cut body is malformed or, when only a trailing payload was
		// cut (the prefix guards that), a shorter frame; never a panic.
		var got remote.Frame
		if cut > 4 {
			if err := got.UnmarshalBinary(whole[4:cut]); err != nil {
				assert.ErrorIs(t, err, remote.ErrBadFrame)
			}
		}
	})
}

func TestFrame_GarbageNeverPanics(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		data := rapid.SliceOfN(rapid.Byte(), 0, 200).Draw(t, "data")
		var f remote.Frame
		if err := f.UnmarshalBinary(data); err != nil {
			assert.ErrorIs(t, err, remote.ErrBadFrame)
			assert.Equal(t, remote.Frame{}, f)
		}
	})
}

func FuzzFrame_Unmarshal(f *testing.F) {
	for _, fr := range []remote.Frame{
		{Kind: remote.KindHello, Version: 1, MaxFrame: 100, Names: []string{"a", "b"}},
		{Kind: remote.KindRequest, ID: 3, Worker: -1, Name: "sq", Payload: []byte{1, 2}},
		{Kind: remote.KindResponse, ID: 3, Err: &future.PanicError{Value: errSentinel, Stack: []byte("s")}},
	} {
		b, err := fr.MarshalBinary()
		require.NoError(f, err)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fr remote.Frame
		if fr.UnmarshalBinary(data) == nil {
			_, err := fr.MarshalBinary()
			require.NoError(t, err)
		}
	})
}

func TestFrame_UnknownKind(t *testing.T) {
	_, err := remote.Frame{Kind: 9}.MarshalBinary()
	require.ErrorContains(t, err, "remote: cannot encode a frame of Kind(9)")
	assert.Equal(t, "request", remote.KindRequest.String())
}
