package progress_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/internal/logtest"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/progress"
)

const drawPanic = "progress: panic while drawing: writer boom\n"

// TestWriterPanicIsContained, in both modes: a writer that panics does not
// reach the caller of Add, is logged once with its stack, and is not
// written to again; the bar goes on counting and finishes.
func TestWriterPanicIsContained(t *testing.T) {
	for _, term := range []bool{false, true} {
		t.Run(fmt.Sprint("terminal=", term), func(t *testing.T) {
			logs := logtest.Capture(t)
			var w panicWriter
			bar := progress.New(&w, progress.WithInterval(0), progress.WithTerminal(term), progress.WithTotal(3))
			require.NotPanics(t, func() { bar.Add(1) })
			require.NotPanics(t, func() { bar.Add(1) })
			require.NotPanics(t, func() { bar.Finish() })
			assert.Equal(t, progress.State{Done: 2, Total: 3, Finished: true}, bar.State())
			assert.EqualValues(t, 1, w.writes.Load(), "a writer that panicked is not written to again")
			out := logs.String()
			assert.Equal(t, 1, strings.Count(out, drawPanic), out)
			assert.Contains(t, out, "panic_test.go", "the stack shows where it panicked")
		})
	}
}

// TestWriterPanicInTimer: a change held back by the interval is drawn by
// a timer, in a goroutine of the runtime's where a panic would end the
// program.
func TestWriterPanicInTimer(t *testing.T) {
	logs := logtest.Capture(t)
	synctest.Test(t, func(t *testing.T) {
		var w panicWriter
		bar := progress.New(&w)
		bar.Add(1) // starts the clock: the first line is due in a second
		time.Sleep(2 * time.Second)
		assert.EqualValues(t, 1, w.writes.Load(), "the timer drew")
		bar.Add(1)
		bar.Finish()
		assert.Equal(t, progress.State{Done: 2, Total: -1, Finished: true}, bar.State())
	})
	assert.Equal(t, 1, strings.Count(logs.String(), drawPanic), logs.String())
}

// TestWriterPanicFutures is the pool worker's case: futures counted by
// Futures settle on one goroutine, which must settle them all, with
// nothing left for future's own guard to catch.
func TestWriterPanicFutures(t *testing.T) {
	logs := logtest.Capture(t)
	var w panicWriter
	bar := progress.New(&w, progress.WithInterval(0))
	fs, ps := pending(t.Context(), 5)
	progress.Futures(bar, fs...)
	finished := make(chan struct{})
	go func() {
		for i, p := range ps {
			p.Resolve(i)
		}
		close(finished)
	}()
	for i, f := range fs {
		select {
		case <-f.Done():
		case <-time.After(30 * time.Second):
			t.Fatalf("future %d: not settled after 30s", i)
		}
	}
	select {
	case <-finished:
	case <-time.After(30 * time.Second):
		t.Fatal("the settling goroutine: still blocked after 30s")
	}
	bar.Finish()
	assert.Equal(t, progress.State{Done: 5, Total: 5, Finished: true}, bar.State())
	out := logs.String()
	assert.Equal(t, 1, strings.Count(out, drawPanic), out)
	assert.NotContains(t, out, "future: callback panic", "the bar kept its panic to itself")
}

// TestWriterPanicFlow: a display must not fail the work it shows, so a
// panicking writer does not stop a flow it follows.
func TestWriterPanicFlow(t *testing.T) {
	logs := logtest.Capture(t)
	var w panicWriter
	bar := progress.New(&w, progress.WithInterval(0))
	results, err := flow.From(numbers(20)).Pool(square, pool.WithMaxWorkers(2)).Collect(t.Context(), bar.Flow())
	require.NoError(t, err)
	require.Len(t, results, 20)
	assert.Equal(t, progress.State{Done: 20, Total: 20, Finished: true}, bar.State())
	assert.Equal(t, 1, strings.Count(logs.String(), drawPanic), logs.String())
}
