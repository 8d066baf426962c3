package embedded_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
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
