package progress_test

import (
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/progress"
)

func TestLineFailed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out buffer
		bar := progress.New(&out, progress.WithDescription("fetch"), progress.WithInterval(0))
		f, p := future.New[int](t.Context())
		progress.Futures(bar, future.Resolved(1), future.Failed[int](errors.New("boom")), f)
		time.Sleep(time.Second)
		p.Resolve(3)
		assert.Equal(t, []string{
			"fetch: 0/3 (0%)",
			"fetch: 1/3 (33%)",
			"fetch: 2/3 (66%) 1 failed",
			"fetch: 3/3 (100%) 1 failed 3.0 it/s done in 1s",
		}, out.lines())
	})
}

// TestLineLongTimes rounds the ETA to seconds, and the elapsed time too
// past a minute.
func TestLineLongTimes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var out buffer
		bar := progress.New(&out, progress.WithInterval(0))
		bar.SetTotal(100)
		time.Sleep(90*time.Second + 123*time.Millisecond)
		bar.Add(1)
		bar.Finish()
		assert.Equal(t, []string{
			"0/100 (0%)",
			"1/100 (1%) 0.0 it/s ETA 2h28m42s",
			"1/100 (1%) 0.0 it/s stopped after 1m30s",
		}, out.lines())
	})
}

func TestLineNothingToDo(t *testing.T) {
	var out buffer
	bar := progress.New(&out, progress.WithDescription("none"))
	progress.Futures[string](bar)
	assert.Equal(t, []string{"none: 0/0 (100%) done in 0s"}, out.lines())
}
