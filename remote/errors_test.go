package remote_test

import (
	"context"
	"errors"
	"io"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/remote"
)

// viaWire sends err through a response frame's encoding and back.
func viaWire(t *testing.T, err error) error {
	t.Helper()
	body, merr := remote.Frame{Kind: remote.KindResponse, ID: 1, Err: err}.MarshalBinary()
	require.NoError(t, merr)
	var f remote.Frame
	require.NoError(t, f.UnmarshalBinary(body))
	require.Error(t, f.Err)
	return f.Err
}

func TestError_SentinelsComeBackAsThemselves(t *testing.T) {
	for _, s := range []error{errSentinel, context.Canceled, context.DeadlineExceeded, io.EOF,
		os.ErrNotExist, future.ErrGoexit, remote.ErrUnknownFunction} {
		assert.True(t, s == viaWire(t, s), s.Error())
	}
}

func TestError_WrappedSentinelsMatch(t *testing.T) {
	err := viaWire(t, errors.Join(errors.New("first"), context.DeadlineExceeded, errSentinel))
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.ErrorIs(t, err, errSentinel)
	assert.NotErrorIs(t, err, context.Canceled)
	assert.Equal(t, "first\ncontext deadline exceeded\nremote_test: the sentinel", err.Error())
	var re *remote.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "*errors.joinError", re.Type)
	assert.Equal(t, []string{"context.DeadlineExceeded", "remote_test.errSentinel"}, re.Matches)
}

func TestError_OtherErrorsKeepMessageAndType(t *testing.T) {
	err := viaWire(t, &myErr{7})
	var re *remote.Error
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "my error 7", re.Error())
	assert.Equal(t, "*remote_test.myErr", re.Type)
	assert.Empty(t, re.Matches)
	assert.Empty(t, re.Unwrap())
}

func TestError_PanicsComeBackAsPanicErrors(t *testing.T) {
	orig := &future.PanicError{Value: 42, Stack: []byte("goroutine 1 [running]:\n...")}
	err := viaWire(t, orig)
	var pe *future.PanicError
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "42", pe.Value)
	assert.Equal(t, orig.Stack, pe.Stack)
	assert.Equal(t, orig.Error(), err.Error())

	// A panic with an error value: errors.Is sees through it.
	err = viaWire(t, &future.PanicError{Value: errSentinel, Stack: []byte("s")})
	require.ErrorAs(t, err, &pe)
	assert.Same(t, errSentinel, pe.Value)
	assert.ErrorIs(t, err, errSentinel)

	// A wrapped panic: an *Error that unwraps to the panic.
	err = viaWire(t, errors.Join(errors.New("task 3"), &future.PanicError{Value: "x", Stack: []byte("s")}))
	var re *remote.Error
	require.ErrorAs(t, err, &re)
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "x", pe.Value)
}

func TestError_DeepPanicsAreBounded(t *testing.T) {
	var err error = errors.New("bottom")
	for range 20 {
		err = &future.PanicError{Value: err, Stack: []byte("s")}
	}
	got := viaWire(t, err)
	assert.Equal(t, err.Error(), got.Error())
}

func TestRegisterError_BadInput(t *testing.T) {
	assert.PanicsWithValue(t, "remote: RegisterError with an empty name", func() { remote.RegisterError("", io.EOF) })
	assert.PanicsWithValue(t, `remote: RegisterError("x") with a nil error`, func() { remote.RegisterError("x", nil) })
	assert.PanicsWithValue(t, `remote: error "io.EOF" registered twice`, func() { remote.RegisterError("io.EOF", io.EOF) })
	assert.PanicsWithValue(t, `remote: RegisterError("slice"): remote_test.sliceErr is not comparable, so it cannot be a sentinel`,
		func() { remote.RegisterError("slice", sliceErr{}) })
}

type sliceErr []string

func (sliceErr) Error() string { return "slice" }

func TestError_UncomparableErrorsTravel(t *testing.T) {
	err := viaWire(t, sliceErr{"a"})
	assert.Equal(t, "slice", err.Error())
}
