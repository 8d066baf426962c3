package poolprom_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
)

// kind says what a test task does.
type kind int

const (
	succeed kind = iota // returns nil
	fail                // returns errBoom
	block               // signals started, then waits for its context
)

var errBoom = errors.New("boom")

// task returns a pool function whose tasks do as their kind says. A block
// task sends on started once it runs, so the test knows without sleeping.
func task(started chan<- struct{}) func(ctx context.Context, k kind) (kind, error) {
	return func(ctx context.Context, k kind) (kind, error) {
		switch k {
		case fail:
			return k, errBoom
		case block:
			started <- struct{}{}
			<-ctx.Done()
			return k, ctx.Err()
		}
		return k, nil
	}
}

// submitAll submits one task per kind and waits for all of them.
func submitAll(t *testing.T, p *pool.Pool[kind, kind], kinds ...kind) {
	t.Helper()
	futs := make([]*future.Future[kind], len(kinds))
	for i, k := range kinds {
		futs[i] = p.Submit(t.Context(), k)
	}
	_, err := future.AllSettled(t.Context(), futs...)
	require.NoError(t, err)
}

func repeat(k kind, n int) []kind {
	ks := make([]kind, n)
	for i := range ks {
		ks[i] = k
	}
	return ks
}

// serve starts a loopback HTTP server with /metrics for a registry holding
// c, closed when the test ends.
func serve(t *testing.T, c prometheus.Collector) string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		ErrorHandling: promhttp.HTTPErrorOnError,
	}))
	srv := httptest.NewServer(mux) // binds 127.0.0.1
	t.Cleanup(srv.Close)
	return srv.URL + "/metrics"
}

// scrape GETs url and parses the text exposition format.
func scrape(t *testing.T, url string) families {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return fams
}

// gather collects c through a pedantic registry, which also checks that
// c's Describe and Collect agree.
func gather(t *testing.T, c prometheus.Collector) families {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(c))
	mfs, err := reg.Gather()
	require.NoError(t, err)
	f := families{}
	for _, mf := range mfs {
		f[mf.GetName()] = mf
	}
	return f
}

// families are parsed metric families by name.
type families map[string]*dto.MetricFamily

// find returns the series of family name whose labels include labels, in
// any order, as name=value pairs.
func (f families) find(name string, labels ...string) []*dto.Metric {
	fam := f[name]
	if fam == nil {
		return nil
	}
	var out []*dto.Metric
	for _, m := range fam.GetMetric() {
		if hasLabels(m, labels) {
			out = append(out, m)
		}
	}
	return out
}

func hasLabels(m *dto.Metric, labels []string) bool {
	for i := 0; i+1 < len(labels); i += 2 {
		found := false
		for _, lp := range m.GetLabel() {
			if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// value returns the one counter or gauge value of name with labels.
func (f families) value(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	ms := f.find(name, labels...)
	require.Len(t, ms, 1, "series %s%v", name, labels)
	switch {
	case ms[0].Counter != nil:
		return ms[0].GetCounter().GetValue()
	case ms[0].Gauge != nil:
		return ms[0].GetGauge().GetValue()
	}
	t.Fatalf("series %s%v is neither counter nor gauge", name, labels)
	return 0
}

// count returns the sample count of the one histogram of name with labels,
// or 0 if there is none.
func (f families) count(t *testing.T, name string, labels ...string) uint64 {
	t.Helper()
	ms := f.find(name, labels...)
	require.LessOrEqual(t, len(ms), 1, "series %s%v", name, labels)
	if len(ms) == 0 {
		return 0
	}
	require.NotNil(t, ms[0].Histogram, "series %s%v", name, labels)
	return ms[0].GetHistogram().GetSampleCount()
}

// checkStats asserts that every Stats series of the pool name equals s.
func checkStats(t *testing.T, f families, name string, s pool.Stats) {
	t.Helper()
	p := []string{"pool", name}
	with := func(kv ...string) []string { return append(append([]string{}, p...), kv...) }
	require.Equal(t, float64(s.Submitted), f.value(t, "sluice_pool_tasks_submitted_total", p...))
	require.Equal(t, float64(s.Dropped), f.value(t, "sluice_pool_tasks_dropped_total", p...))
	require.Equal(t, float64(s.Succeeded), f.value(t, "sluice_pool_tasks_completed_total", with("outcome", "succeeded")...))
	require.Equal(t, float64(s.Failed), f.value(t, "sluice_pool_tasks_completed_total", with("outcome", "failed")...))
	require.Equal(t, float64(s.Cancelled), f.value(t, "sluice_pool_tasks_completed_total", with("outcome", "cancelled")...))
	require.Equal(t, float64(s.Queued), f.value(t, "sluice_pool_tasks_queued", p...))
	require.Equal(t, float64(s.Running), f.value(t, "sluice_pool_tasks_running", p...))
	require.Equal(t, float64(len(s.Workers)), f.value(t, "sluice_pool_workers", p...))
	require.Len(t, f.find("sluice_pool_worker_tasks_assigned_total", p...), len(s.Workers))
	for i, w := range s.Workers {
		wl := with("worker", strconv.Itoa(i))
		require.Equal(t, float64(w.Assigned), f.value(t, "sluice_pool_worker_tasks_assigned_total", wl...))
		require.Equal(t, float64(w.Queued), f.value(t, "sluice_pool_worker_tasks_queued", wl...))
		require.Equal(t, float64(w.Running), f.value(t, "sluice_pool_worker_tasks_running", wl...))
		require.Equal(t, float64(w.Succeeded), f.value(t, "sluice_pool_worker_tasks_completed_total", append(wl, "outcome", "succeeded")...))
		require.Equal(t, float64(w.Failed), f.value(t, "sluice_pool_worker_tasks_completed_total", append(wl, "outcome", "failed")...))
		require.Equal(t, float64(w.Cancelled), f.value(t, "sluice_pool_worker_tasks_completed_total", append(wl, "outcome", "cancelled")...))
	}
}

// fakeSource is a Source with fixed figures.
type fakeSource struct {
	name  string
	stats pool.Stats
}

func (f fakeSource) Name() string      { return f.name }
func (f fakeSource) Stats() pool.Stats { return f.stats }
