package progress_test

import (
	"errors"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/progress"
)

// frames splits terminal output into what each redraw left on the line.
func frames(out string) []string {
	var fs []string
	for _, f := range strings.Split(out, "\r") {
		f = strings.TrimSuffix(f, "\x1b[0K")
		f = strings.TrimSuffix(f, "\x1b[2K")
		if strings.TrimSpace(f) != "" {
			fs = append(fs, f)
		}
	}
	return fs
}

// TestTerminalRedraws draws 20 items, one every 30 ms: the bar is
// redrawn in place at most every 100 ms with count, rate and ETA, and
// ends full, with the elapsed time, and a newline.
func TestTerminalRedraws(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out buffer
		bar := progress.New(&out, progress.WithTerminal(true), progress.WithDescription("render"), progress.WithTotal(20))
		for range 20 {
			time.Sleep(30 * time.Millisecond)
			bar.Add(1)
		}
		s := out.String()
		assert.NotContains(t, strings.TrimSuffix(s, "\n"), "\n", "one line, redrawn in place")
		assert.True(t, strings.HasSuffix(s, "\n"))
		fs := frames(s)
		require.Len(t, fs, 6, "600 ms at most every 100 ms, the last one full")
		assert.Equal(t, "render:  20% |██████                        | (4/20, 40 it/s) [0s:0s]", fs[0])
		assert.Equal(t, "render: 100% |██████████████████████████████| (20/20, 35 it/s) [0s]\x1b[0K\n", fs[5])
	})
}

// TestTerminalUnknownTotal shows a spinner with a count and rate while
// the total is unknown, and a plain final line in its place.
func TestTerminalUnknownTotal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out buffer
		bar := progress.New(&out, progress.WithTerminal(true), progress.WithDescription("scan"))
		bar.Add(2)
		time.Sleep(time.Second)
		bar.Add(1)
		time.Sleep(time.Second)
		bar.Finish()
		fs := frames(out.String())
		require.Len(t, fs, 3)
		assert.Contains(t, fs[0], " scan: (2/-, 20 it/s) [0s]")
		assert.Contains(t, fs[1], " scan: (3/-, ")
		assert.Equal(t, "scan: 3/? 1.5 it/s done in 2s\n", fs[2])
	})
}

// TestTerminalTotalLater switches from a spinner to a bar when the total
// becomes known.
func TestTerminalTotalLater(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out buffer
		bar := progress.New(&out, progress.WithTerminal(true), progress.WithInterval(0))
		bar.Add(2)
		bar.SetTotal(4)
		time.Sleep(time.Second)
		bar.Add(2)
		fs := frames(out.String())
		require.NotEmpty(t, fs)
		assert.Contains(t, fs[0], "(2/-,")
		last := fs[len(fs)-1]
		assert.Contains(t, last, "100% |")
		assert.Contains(t, last, "(4/4, ")
		assert.True(t, bar.State().Finished)
	})
}

// TestTerminalStopped replaces an unfinished bar with a plain final line.
func TestTerminalStopped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out buffer
		bar := progress.New(&out, progress.WithTerminal(true), progress.WithInterval(0))
		bar.SetTotal(10) // starts the clock
		time.Sleep(time.Second)
		bar.Add(4)
		bar.Finish()
		s := out.String()
		assert.Contains(t, s, "(4/10, ")
		assert.True(t, strings.HasSuffix(s, "\x1b[2K\r4/10 (40%) 4.0 it/s stopped after 1s\n"), "%q", s)
	})
}

func TestTerminalFailedLabel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out buffer
		bar := progress.New(&out, progress.WithTerminal(true), progress.WithDescription("fetch"), progress.WithInterval(0))
		f, p := future.New[int](t.Context())
		progress.Futures(bar, future.Failed[int](errors.New("boom")), f)
		time.Sleep(time.Second)
		p.Resolve(1)
		fs := frames(out.String())
		require.NotEmpty(t, fs)
		assert.Contains(t, fs[len(fs)-1], "fetch [1 failed]: 100% |")
		assert.Equal(t, progress.State{Done: 1, Failed: 1, Total: 2, Finished: true}, bar.State())
	})
}

func TestTerminalNothingToDo(t *testing.T) {
	var out buffer
	bar := progress.New(&out, progress.WithTerminal(true))
	progress.Futures[int](bar)
	assert.Equal(t, "0/0 (100%) done in 0s\n", out.String())
}
