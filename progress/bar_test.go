package progress_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/progress"
)

// TestPlainLines runs 90 items, one every 30 ms, in virtual time: a line
// each second, with count, total, percentage, rate and ETA, and a final
// line at 100%.
func TestPlainLines(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out buffer
		bar := progress.New(&out, progress.WithDescription("resizing"))
		bar.SetTotal(90) // starts the clock
		for range 90 {
			time.Sleep(30 * time.Millisecond)
			bar.Add(1)
		}
		assert.Equal(t, []string{
			"resizing: 33/90 (36%) 33.0 it/s ETA 2s",
			"resizing: 66/90 (73%) 33.0 it/s ETA 1s",
			"resizing: 90/90 (100%) 33.3 it/s done in 2.7s",
		}, out.lines())
		assert.Equal(t, progress.State{Done: 90, Total: 90, Finished: true}, bar.State())
	})
}

// TestPlainLinesHeldChange shows a change that came too soon after the
// last line once the interval is up, and nothing while nothing changes.
func TestPlainLinesHeldChange(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out buffer
		bar := progress.New(&out)
		bar.Add(5)
		time.Sleep(500 * time.Millisecond)
		assert.Empty(t, out.String(), "before the interval")
		time.Sleep(3 * time.Second)
		assert.Equal(t, []string{"5/? 5.0 it/s"}, out.lines())
		bar.Finish()
		assert.Equal(t, []string{"5/? 5.0 it/s", "5/? 1.4 it/s done in 3.5s"}, out.lines())
	})
}

func TestFinishShort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out buffer
		bar := progress.New(&out, progress.WithTotal(10))
		bar.Add(4)
		time.Sleep(500 * time.Millisecond)
		bar.Finish()
		bar.Finish()
		assert.Equal(t, []string{"4/10 (40%) 8.0 it/s stopped after 500ms"}, out.lines())
	})
}

func TestFinishedBarIgnoresUpdates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out buffer
		bar := progress.New(&out, progress.WithTotal(2), progress.WithInterval(0))
		bar.Add(2)
		bar.Add(1)
		bar.SetTotal(10)
		bar.Finish()
		assert.Equal(t, []string{"2/2 (100%) done in 0s"}, out.lines())
		assert.Equal(t, progress.State{Done: 2, Total: 2, Finished: true}, bar.State())
	})
}

// TestSetTotalFinishes finishes a bar whose count already reached the
// new total.
func TestSetTotalFinishes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out buffer
		bar := progress.New(&out)
		bar.Add(3)
		time.Sleep(time.Second / 2)
		bar.SetTotal(3)
		assert.True(t, bar.State().Finished)
		assert.Equal(t, []string{"3/3 (100%) 6.0 it/s done in 500ms"}, out.lines())
	})
}

func TestFinishUntouched(t *testing.T) {
	var out buffer
	bar := progress.New(&out, progress.WithDescription("idle"))
	assert.Equal(t, progress.State{Total: -1}, bar.State())
	bar.Finish()
	assert.Equal(t, []string{"idle: 0/? done in 0s"}, out.lines())
}

func TestNewPanics(t *testing.T) {
	require.PanicsWithValue(t, "progress: New with nil writer", func() { progress.New(nil) })
	require.PanicsWithValue(t, "progress: New with nil Option", func() {
		progress.New(&buffer{}, progress.WithTotal(1), nil)
	})
}
