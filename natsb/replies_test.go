package natsb

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/natsb/embedded"
)

// TestReplier: answers sent from many goroutines at once, overlapping
// (queued and batched) or alone (published at once), and while the
// replier stops, are each published once with their body, and each
// call is counted out once.
func TestReplier(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := embedded.Start(ctx)
	require.NoError(t, err)
	defer s.Shutdown()
	nc, err := nats.Connect(s.URL())
	require.NoError(t, err)
	defer nc.Close()
	sub, err := nc.SubscribeSync("replier.*")
	require.NoError(t, err)
	require.NoError(t, nc.Flush())

	for round, tc := range []struct {
		name    string
		callers int
		stop    bool // stop the replier while they send
	}{{"alone", 1, false}, {"overlapping", 64, false}, {"stopping", 64, true}} {
		t.Run(tc.name, func(t *testing.T) {
			r := newReplier(nc)
			defer r.stop()
			in := &winstance{ws: &workerSet{rep: r}}
			const each = 50
			var wg sync.WaitGroup
			for c := range tc.callers {
				wg.Go(func() {
					body := make([]byte, 0, 16)
					for i := range each {
						n := c*each + i
						in.mu.Lock()
						in.inflight++
						in.mu.Unlock()
						r.inflight.Add(1)
						body = strconv.AppendInt(body[:0], int64(n), 10)
						r.send(in, "replier."+strconv.Itoa(round*1000000+n), body)
						clear(body) // the replier copied it
					}
				})
			}
			if tc.stop {
				r.stop()
			}
			wg.Wait()
			r.stop()
			require.NoError(t, nc.Flush())
			seen := make(map[int]bool)
			for range tc.callers * each {
				m, err := sub.NextMsgWithContext(ctx)
				require.NoError(t, err)
				n, err := strconv.Atoi(m.Subject[len("replier."):])
				require.NoError(t, err)
				n -= round * 1000000
				require.Equal(t, strconv.Itoa(n), string(m.Data))
				require.False(t, seen[n], "answer %d twice", n)
				seen[n] = true
			}
			in.mu.Lock()
			defer in.mu.Unlock()
			require.Zero(t, in.inflight, "every call counted out")
			require.Zero(t, r.inflight.Load())
		})
	}
}
