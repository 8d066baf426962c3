package progress_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/progress"
)

func pending(ctx context.Context, n int) ([]*future.Future[int], []future.Promise[int]) {
	fs := make([]*future.Future[int], n)
	ps := make([]future.Promise[int], n)
	for i := range fs {
		fs[i], ps[i] = future.New[int](ctx)
	}
	return fs, ps
}

// TestFuturesCountOnce counts each future exactly once, however many
// times something tries to settle it, and finishes with the last.
func TestFuturesCountOnce(t *testing.T) {
	var out buffer
	bar := progress.New(&out, progress.WithInterval(0))
	fs, ps := pending(t.Context(), 10)
	progress.Futures(bar, fs...)
	assert.Equal(t, progress.State{Total: 10}, bar.State())

	boom := errors.New("boom")
	for i := range 4 {
		ps[i].Resolve(i)
		ps[i].Resolve(i)   // settled already: no effect
		ps[i].Reject(boom) // nor this
		assert.False(t, fs[i].Cancel())
	}
	ps[4].Reject(boom)
	fs[5].Cancel()
	fs[5].Cancel()
	assert.Equal(t, progress.State{Done: 4, Failed: 2, Total: 10}, bar.State())

	for i := 6; i < 10; i++ {
		ps[i].Resolve(i)
	}
	assert.Equal(t, progress.State{Done: 8, Failed: 2, Total: 10, Finished: true}, bar.State())
	lines := out.lines()
	assert.Len(t, lines, 1+10, "a line for the total and one per future, the last one final")
	assert.True(t, strings.HasPrefix(lines[10], "10/10 (100%) 2 failed "), lines[10])
}

// TestFuturesSettledAlready counts futures settled before Futures is
// called before it returns.
func TestFuturesSettledAlready(t *testing.T) {
	var out buffer
	bar := progress.New(&out)
	progress.Futures(bar, future.Resolved(1), future.Failed[int](errors.New("x")), future.Resolved(3))
	assert.Equal(t, progress.State{Done: 2, Failed: 1, Total: 3, Finished: true}, bar.State())
	assert.True(t, strings.HasPrefix(out.String(), "3/3 (100%) 1 failed "), out.String())
}

// TestFuturesConcurrent settles many futures from many goroutines while
// others read the bar; run it under -race.
func TestFuturesConcurrent(t *testing.T) {
	const n, settlers = 2000, 8
	var out buffer
	bar := progress.New(&out, progress.WithInterval(0), progress.WithDescription("race"))
	fs, ps := pending(t.Context(), n)
	progress.Futures(bar, fs...)

	var wg sync.WaitGroup
	for s := range settlers {
		wg.Go(func() {
			for i := s; i < n; i += settlers {
				if i%7 == 0 {
					ps[i].Reject(errors.New("seven"))
				} else {
					ps[i].Resolve(i)
				}
			}
		})
	}
	stop := make(chan struct{})
	var reads sync.WaitGroup
	reads.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				s := bar.State()
				if s.Done+s.Failed > n {
					t.Errorf("counted %d of %d", s.Done+s.Failed, n)
				}
			}
		}
	})
	wg.Wait()
	_, err := future.AllSettled(t.Context(), fs...)
	require.NoError(t, err)
	bar.Finish()
	close(stop)
	reads.Wait()

	failed := int64((n + 6) / 7)
	assert.Equal(t, progress.State{Done: n - failed, Failed: failed, Total: n, Finished: true}, bar.State())
	lines := out.lines()
	assert.Len(t, lines, n+1, "a line for the total and one per future")
	assert.Equal(t, 1, strings.Count(out.String(), " done in "))
	assert.True(t, strings.HasPrefix(lines[n], fmt.Sprintf("race: %d/%d (100%%) %d failed ", n, n, failed)), lines[n])
}

// TestFuturesFinishCatchesUp: Finish right after gathering counts the
// futures whose callbacks have not run yet, so the final line is whole.
// A future's callbacks run after its waiters are released, in the order
// they were registered; one registered before the bar's holds the bar's
// back here.
func TestFuturesFinishCatchesUp(t *testing.T) {
	var out buffer
	bar := progress.New(&out, progress.WithDescription("gather"))
	fs, ps := pending(t.Context(), 3)
	release := make(chan struct{})
	fs[2].OnSettled(func(int, error) { <-release })
	progress.Futures(bar, fs...)
	ps[0].Resolve(0)
	ps[1].Reject(errors.New("boom"))
	var settler sync.WaitGroup
	settler.Go(func() { ps[2].Resolve(2) }) // blocks in the first callback

	<-fs[2].Done() // not AllSettled: it waits through callbacks
	assert.Equal(t, progress.State{Done: 1, Failed: 1, Total: 3}, bar.State(), "the last callback is held")
	bar.Finish()
	assert.Equal(t, progress.State{Done: 2, Failed: 1, Total: 3, Finished: true}, bar.State())

	close(release)
	settler.Wait()
	assert.Equal(t, progress.State{Done: 2, Failed: 1, Total: 3, Finished: true}, bar.State(), "counted once")
	assert.Equal(t, 1, strings.Count(out.String(), "\n"))
	assert.True(t, strings.HasPrefix(out.String(), "gather: 3/3 (100%) 1 failed "), out.String())
	assert.Contains(t, out.String(), " done in ")
}

func TestFuturesPanics(t *testing.T) {
	f, p := future.New[int](t.Context())
	defer p.Resolve(0)
	require.PanicsWithValue(t, "progress: Futures with nil bar", func() { progress.Futures(nil, f) })
	bar := progress.New(&buffer{})
	require.PanicsWithValue(t, "progress: Futures with nil future at index 1", func() {
		progress.Futures(bar, f, nil)
	})
	assert.Equal(t, progress.State{Total: -1}, bar.State(), "nothing registered")
	bar.Finish()
}
