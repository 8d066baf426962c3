package logtest_test

import (
	"log"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/internal/logtest"
)

func TestCapture(t *testing.T) {
	out := log.Writer()
	t.Run("inner", func(t *testing.T) {
		logs := logtest.Capture(t)
		log.Print("hello")
		require.Equal(t, "hello\n", logs.String(), "no timestamp")
	})
	require.Equal(t, out, log.Writer(), "restored when the test ends")
}
