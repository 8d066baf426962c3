package typednil_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/internal/typednil"
)

type closer interface{ Close() error }

type file struct{}

func (*file) Close() error { return nil }

type val struct{}

func (val) Close() error { return nil }

func TestIs(t *testing.T) {
	var nilFile *file
	var c closer = nilFile
	require.True(t, typednil.Is(nil))
	require.True(t, typednil.Is(c), "a nil pointer in an interface")
	require.True(t, typednil.Is((func())(nil)))
	require.True(t, typednil.Is(map[int]int(nil)))
	require.False(t, typednil.Is(&file{}))
	require.False(t, typednil.Is(val{}), "a value type is never nil")
	require.False(t, typednil.Is(0))
	require.Equal(t, "nil", typednil.Name(nil))
	require.Equal(t, "(*typednil_test.file)(nil)", typednil.Name(c))
}
