package poolprom_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolprom"
)

// TestFlowScraped: a flow's pool stage, tracked by name, reports every item
// to the Collector; a scrape over HTTP shows one wait sample per item and
// run samples by outcome, and no Stats series for it (a flow has none).
func TestFlowScraped(t *testing.T) {
	c, err := poolprom.New()
	require.NoError(t, err)
	require.NoError(t, c.Track("ingest"))
	require.ErrorIs(t, c.Track("ingest"), poolprom.ErrDuplicate)
	require.ErrorIs(t, c.Track(""), poolprom.ErrNoName)
	url := serve(t, c)

	const n = 30
	items := make([]kind, n)
	failed := 0
	for i := range items {
		if i%3 == 2 {
			items[i] = fail
			failed++
		}
	}
	got, err := flow.From(items).Pool(func(ctx context.Context, k kind) (kind, error) {
		return task(nil)(ctx, k)
	}, pool.WithName("ingest"), pool.WithMaxWorkers(2), pool.WithObserver(c)).Collect(t.Context(), flow.WithContinueOnError())
	require.ErrorIs(t, err, errBoom)
	require.Len(t, got, n-failed)

	f := scrape(t, url)
	wait := f.find("sluice_pool_task_wait_seconds", "pool", "ingest")
	require.Len(t, wait, 1)
	require.EqualValues(t, n, wait[0].GetHistogram().GetSampleCount())
	ok := f.find("sluice_pool_task_run_seconds", "pool", "ingest", "outcome", "succeeded")
	require.Len(t, ok, 1)
	require.EqualValues(t, n-failed, ok[0].GetHistogram().GetSampleCount())
	bad := f.find("sluice_pool_task_run_seconds", "pool", "ingest", "outcome", "failed")
	require.Len(t, bad, 1)
	require.EqualValues(t, failed, bad[0].GetHistogram().GetSampleCount())
	require.Empty(t, f.find("sluice_pool_tasks_submitted_total", "pool", "ingest"), "a tracked name has no Stats series")

	require.True(t, c.Remove("ingest"))
	require.Empty(t, scrape(t, url).find("sluice_pool_task_wait_seconds", "pool", "ingest"))
}
