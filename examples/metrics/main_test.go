package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// The program serves, scrapes itself, prints figures that add up, and
// shuts down, leaving nothing running.
func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(t.Context(), &out, "127.0.0.1:0", false))
	got := out.String()
	require.Contains(t, got, "serving http://127.0.0.1:")
	for _, line := range []string{
		`sluice_pool_tasks_submitted_total{pool="resize"} 40`,
		`sluice_pool_tasks_completed_total{outcome="succeeded",pool="resize"} 36`,
		`sluice_pool_tasks_completed_total{outcome="failed",pool="resize"} 4`,
		`sluice_pool_tasks_submitted_total{pool="upload"} 36`,
		`sluice_pool_task_run_seconds_count{outcome="succeeded",pool="upload"} 36`,
	} {
		require.Contains(t, got, line)
	}
	require.True(t, strings.HasSuffix(got, "shut down\n"), got)
}

func TestListenLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", "localhost:0", "[::1]:0"} {
		ln, err := listenLoopback(addr)
		if addr == "[::1]:0" && err != nil && !strings.Contains(err.Error(), "loopback") {
			t.Logf("%s: no IPv6 here: %v", addr, err)
			continue
		}
		require.NoError(t, err, addr)
		require.NoError(t, ln.Close())
	}
	for _, addr := range []string{":0", "0.0.0.0:0", "[::]:0", "192.0.2.1:0", "example.com:80", "nonsense"} {
		_, err := listenLoopback(addr)
		require.Error(t, err, addr)
		require.Contains(t, err.Error(), "-addr", addr)
	}
}
