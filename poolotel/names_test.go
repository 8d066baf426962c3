package poolotel_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolotel"
)

// docTable returns the rows of the package doc's tables whose first
// column starts with "sluice.", split on runs of two or more spaces: the
// instruments (named sluice.pool.task.* and sluice.pool.worker.*) if
// instruments, else the span attributes.
func docTable(t *testing.T, instruments bool) [][]string {
	t.Helper()
	src, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	cols := regexp.MustCompile(`\s{2,}`)
	var rows [][]string
	for line := range strings.Lines(string(src)) {
		row, ok := strings.CutPrefix(strings.TrimRight(line, "\n"), "//\t")
		if !ok || !strings.HasPrefix(row, "sluice.") {
			continue
		}
		instrument := strings.HasPrefix(row, "sluice.pool.task.") || strings.HasPrefix(row, "sluice.pool.worker.")
		if instrument == instruments {
			rows = append(rows, cols.Split(strings.TrimSpace(row), -1))
		}
	}
	require.NotEmpty(t, rows, "no table rows in doc.go")
	return rows
}

// TestDocumentedInstruments: the package doc's table of metrics names
// every instrument an Observer makes, with its kind and unit, and no
// other.
func TestDocumentedInstruments(t *testing.T) {
	r := newRig(t)
	p, err := pool.New(task(nil), pool.WithName("doc"), pool.WithObserver(r.obs))
	require.NoError(t, err)
	unregister, err := r.obs.Add(p)
	require.NoError(t, err)
	defer unregister()
	_, err = p.Submit(t.Context(), succeed).Wait()
	require.NoError(t, err)
	require.NoError(t, p.Stop(t.Context()))

	m := r.collect(t)
	var names []string
	for _, row := range docTable(t, true) {
		require.Len(t, row, 4, "name, instrument, unit, from: %q", row)
		name, kind, unit := row[0], row[1], row[2]
		names = append(names, name)
		mt, ok := m[name]
		require.True(t, ok, "documented %s is not made", name)
		require.Equal(t, unit, mt.Unit, name)
		require.NotEmpty(t, mt.Description, name)
		switch d := mt.Data.(type) {
		case metricdata.Histogram[float64]:
			require.True(t, strings.HasPrefix(kind, "histogram"), "%s is a histogram, documented as %s", name, kind)
		case metricdata.Sum[int64]:
			want := "observable up-down counter"
			if d.IsMonotonic {
				want = "observable counter"
			}
			require.True(t, strings.HasPrefix(kind, want), "%s is an %s, documented as %s", name, want, kind)
		default:
			t.Fatalf("%s is a %T", name, mt.Data)
		}
	}
	for name := range m {
		require.True(t, slices.Contains(names, name), "%s is made but not documented", name)
	}
}

// TestDocumentedSpanAttributes: the package doc's table of span
// attributes is what a task span carries, by key and type.
func TestDocumentedSpanAttributes(t *testing.T) {
	r := newRig(t)
	ctx := r.obs.TaskStarted(t.Context(), pool.TaskStart{Pool: "doc"})
	r.obs.TaskFinished(ctx, pool.TaskEnd{Pool: "doc", Outcome: pool.Succeeded})
	spans := r.taskSpans()
	require.Len(t, spans, 1)
	got := map[attribute.Key]string{}
	for _, kv := range spans[0].Attributes() {
		got[kv.Key] = strings.ToLower(kv.Value.Type().String())
	}
	want := map[attribute.Key]string{}
	for _, row := range docTable(t, false) {
		want[attribute.Key(row[0])] = row[1]
	}
	require.Equal(t, want, got)
	for _, k := range []attribute.Key{poolotel.AttrPool, poolotel.AttrWorker, poolotel.AttrWait, poolotel.AttrOutcome} {
		require.Contains(t, want, k)
	}
}
