package progress_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/progress"
)

func square(_ context.Context, x int) (int, error) { return x * x, nil }

func numbers(n int) []int {
	xs := make([]int, n)
	for i := range xs {
		xs[i] = i
	}
	return xs
}

// TestFlowReachesTotal feeds a bar from a real flow: it takes the flow's
// total and finishes by itself with the last result.
func TestFlowReachesTotal(t *testing.T) {
	for _, ordered := range []bool{true, false} {
		t.Run(map[bool]string{true: "ordered", false: "unordered"}[ordered], func(t *testing.T) {
			var out buffer
			bar := progress.New(&out, progress.WithDescription("squares"), progress.WithInterval(0))
			f := flow.From(numbers(100)).Pool(square, pool.WithMaxWorkers(4))
			if !ordered {
				f = f.Unordered()
			}
			results, err := f.Collect(t.Context(), bar.Flow())
			require.NoError(t, err)
			require.Len(t, results, 100)
			assert.Equal(t, progress.State{Done: 100, Total: 100, Finished: true}, bar.State())
			lines := out.lines()
			assert.True(t, strings.HasPrefix(lines[len(lines)-1], "squares: 100/100 (100%) "), lines[len(lines)-1])
			assert.Contains(t, lines[len(lines)-1], " done in ")
			for _, l := range lines[:len(lines)-1] {
				assert.Contains(t, l, "/100 (")
				assert.NotContains(t, l, "done in")
			}
		})
	}
}

// TestFlowFailures counts the items a flow drops under
// WithContinueOnError, and still finishes at the total.
func TestFlowFailures(t *testing.T) {
	var out buffer
	bar := progress.New(&out)
	boom := errors.New("boom")
	_, err := flow.From(numbers(50)).
		Pool(func(_ context.Context, x int) (int, error) {
			if x%10 == 0 {
				return 0, boom
			}
			return x, nil
		}, pool.WithMaxWorkers(3)).
		Collect(t.Context(), bar.Flow(), flow.WithContinueOnError())
	require.ErrorIs(t, err, boom)
	assert.Equal(t, progress.State{Done: 45, Failed: 5, Total: 50, Finished: true}, bar.State())
	assert.True(t, strings.HasPrefix(out.String(), "50/50 (100%) 5 failed "), out.String())
}

// TestFlowStopped leaves the bar short when the flow stops on an error;
// Finish says so.
func TestFlowStopped(t *testing.T) {
	var out buffer
	bar := progress.New(&out, progress.WithDescription("stop"))
	boom := errors.New("boom")
	_, err := flow.From(numbers(100)).
		Pool(func(_ context.Context, x int) (int, error) {
			if x == 50 {
				return 0, boom
			}
			return x, nil
		}, pool.WithMaxWorkers(2)).
		Collect(t.Context(), bar.Flow())
	require.ErrorIs(t, err, boom)
	s := bar.State()
	assert.False(t, s.Finished)
	assert.Equal(t, int64(100), s.Total)
	assert.Less(t, s.Done, int64(100))
	bar.Finish()
	assert.Contains(t, out.String(), " stopped after ")
}

// TestFlowUnknownTotal shows a count for a sequence source, and the
// final line once Finish is called.
func TestFlowUnknownTotal(t *testing.T) {
	var out buffer
	bar := progress.New(&out)
	err := flow.FromSeq(slices.Values(numbers(30))).
		Pool(square, pool.WithMaxWorkers(2)).
		Drain(t.Context(), bar.Flow())
	require.NoError(t, err)
	assert.Equal(t, progress.State{Done: 30, Total: -1}, bar.State())
	bar.Finish()
	assert.True(t, strings.HasPrefix(out.String(), "30/? "), out.String())
	assert.Contains(t, out.String(), " done in ")
}

// TestFlowKeepsBarTotal keeps a total given to the bar when the flow
// does not know its own.
func TestFlowKeepsBarTotal(t *testing.T) {
	var out buffer
	bar := progress.New(&out, progress.WithTotal(30))
	err := flow.FromSeq(slices.Values(numbers(30))).
		Pool(square, pool.WithMaxWorkers(2)).
		Drain(t.Context(), bar.Flow())
	require.NoError(t, err)
	assert.Equal(t, progress.State{Done: 30, Total: 30, Finished: true}, bar.State())
}
