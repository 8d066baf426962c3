package progress_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/progress"
)

// TestDetectsFile writes plain lines to a file that is not a terminal.
func TestDetectsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	f, err := os.Create(path)
	require.NoError(t, err)
	bar := progress.New(f, progress.WithDescription("copy"), progress.WithTotal(3))
	bar.Add(3)
	require.NoError(t, f.Close())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "copy: 3/3 (100%) "), "%q", b)
	assert.NotContains(t, string(b), "\r")
}

// TestDetectsPipe writes plain lines to a pipe, as under `| cat`.
func TestDetectsPipe(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	bar := progress.New(w, progress.WithTotal(1))
	bar.Add(1)
	require.NoError(t, w.Close())
	b := make([]byte, 100)
	n, _ := r.Read(b)
	assert.True(t, strings.HasPrefix(string(b[:n]), "1/1 (100%) "), "%q", b[:n])
}

func TestWithTerminalForcesRedraw(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	require.NoError(t, err)
	defer f.Close()
	bar := progress.New(f, progress.WithTerminal(true), progress.WithTotal(1))
	bar.Add(1)
	_, err = f.Seek(0, 0)
	require.NoError(t, err)
	b := make([]byte, 200)
	n, _ := f.Read(b)
	assert.True(t, strings.HasPrefix(string(b[:n]), "\r 100% |"), "%q", b[:n])
}

func TestWithTotalNegativeIsUnknown(t *testing.T) {
	bar := progress.New(&buffer{}, progress.WithTotal(-5))
	assert.Equal(t, int64(-1), bar.State().Total)
	bar.SetTotal(-2)
	assert.Equal(t, int64(-1), bar.State().Total)
	bar.Finish()
}

// TestWithInterval draws at most once per interval, and every change
// with an interval of 0.
func TestWithInterval(t *testing.T) {
	for _, tc := range []struct {
		interval time.Duration
		lines    int
	}{
		{0, 10 + 1},
		{-time.Second, 10 + 1},
		{250 * time.Millisecond, 4 + 1},
		{time.Hour, 1},
	} {
		t.Run(tc.interval.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var out buffer
				bar := progress.New(&out, progress.WithInterval(tc.interval))
				for range 10 {
					bar.Add(1)
					time.Sleep(110 * time.Millisecond)
				}
				bar.Finish()
				assert.Len(t, out.lines(), tc.lines, out.String())
			})
		})
	}
}
