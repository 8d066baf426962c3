package embedded_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/natsb/embedded"
)

// TestStart: the server is on loopback, refuses a client without
// credentials, serves one with them, delivers disconnect events to the
// system account, and leaves nothing running after Shutdown.
func TestStart(t *testing.T) {
	ctx := context.Background()
	s, err := embedded.Start(ctx)
	require.NoError(t, err)
	defer s.Shutdown()
	u, err := url.Parse(s.URL())
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(u.Host, "127.0.0.1:"), u.Host)
	_, err = nats.Connect("nats://"+u.Host, nats.MaxReconnects(0))
	require.Error(t, err, "an unauthenticated client must be refused")

	sys, err := nats.Connect(s.SystemURL())
	require.NoError(t, err)
	defer sys.Close()
	gone, err := sys.SubscribeSync("$SYS.ACCOUNT." + embedded.AppAccount + ".DISCONNECT")
	require.NoError(t, err)
	require.NoError(t, sys.Flush())

	nc, err := nats.Connect(s.URL())
	require.NoError(t, err)
	sub, err := nc.SubscribeSync("hello")
	require.NoError(t, err)
	require.NoError(t, nc.Publish("hello", []byte("world")))
	m, err := sub.NextMsg(5 * time.Second)
	require.NoError(t, err)
	require.Equal(t, "world", string(m.Data))
	nc.Close()
	_, err = gone.NextMsg(5 * time.Second)
	require.NoError(t, err)
}

func TestStartBadOption(t *testing.T) {
	_, err := embedded.Start(context.Background(), embedded.WithMaxPayload(1))
	require.ErrorContains(t, err, "embedded: WithMaxPayload(1)")
}

func TestShutdownTwice(t *testing.T) {
	s, err := embedded.Start(context.Background(), embedded.WithMaxPayload(4096))
	require.NoError(t, err)
	s.Shutdown()
	s.Shutdown()
}

// TestRestartKeepsJetStream: a message stored in a file-store stream is
// there after Restart, on the same URL, for a client that reconnected.
func TestRestartKeepsJetStream(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := embedded.Start(ctx, embedded.WithJetStream(t.TempDir()))
	require.NoError(t, err)
	defer s.Shutdown()
	back := make(chan struct{}, 1)
	nc, err := nats.Connect(s.URL(), nats.ReconnectWait(20*time.Millisecond), nats.MaxReconnects(-1),
		nats.ReconnectHandler(func(*nats.Conn) { back <- struct{}{} }))
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	st, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "KEEP", Subjects: []string{"keep"}, Storage: jetstream.FileStorage})
	require.NoError(t, err)
	_, err = js.Publish(ctx, "keep", []byte("kept"))
	require.NoError(t, err)

	require.NoError(t, s.Restart(ctx))
	select {
	case <-back:
	case <-ctx.Done():
		t.Fatal("no reconnect")
	}
	m, err := st.GetLastMsgForSubject(ctx, "keep")
	require.NoError(t, err)
	require.Equal(t, "kept", string(m.Data))
}

func TestWithJetStreamEmptyDir(t *testing.T) {
	_, err := embedded.Start(context.Background(), embedded.WithJetStream(""))
	require.ErrorContains(t, err, `embedded: WithJetStream("")`)
}
