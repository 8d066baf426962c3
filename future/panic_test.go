package future_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
)

func TestPanicErrorUnwrap(t *testing.T) {
	pe := future.NewPanicError(errBoom)
	require.ErrorIs(t, pe, errBoom)
	require.Equal(t, errBoom, pe.Unwrap())

	pe = future.NewPanicError("text")
	require.NoError(t, pe.Unwrap(), "a non-error value unwraps to nil")
	require.False(t, errors.Is(pe, errBoom))
}

func TestPanicErrorMessage(t *testing.T) {
	pe := future.NewPanicError("text")
	msg := pe.Error()
	require.True(t, strings.HasPrefix(msg, "panic: text\n\n"), msg)
	require.Contains(t, msg, "TestPanicErrorMessage", "the message carries the stack")
	require.NotEmpty(t, pe.Stack)
}
