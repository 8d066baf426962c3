package embedded

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// The accounts Start makes: the application's, and the system account.
const (
	AppAccount    = "SLUICE"
	SystemAccount = "SYS"
)

// Server is a NATS server running in this process, made by [Start]. It is
// safe for concurrent use. The zero value is not a server.
type Server struct {
	s      *server.Server
	url    string
	sysURL string
	o      options
	port   int
	pass   [2]string // the application's and the system account's
}

// Option configures [Start].
type Option func(*options)

type options struct {
	maxPayload int32
	storeDir   string // JetStream's, if not ""
	err        error
}

// WithJetStream enables JetStream for the application account, with its
// file store in dir (give it t.TempDir() in a test, and the same dir to
// the server after it, as [Server.Restart] does, to find the streams
// again). natsb's durable mode needs it.
func WithJetStream(dir string) Option {
	return func(o *options) {
		if dir == "" && o.err == nil {
			o.err = errors.New("embedded: WithJetStream(\"\"): want a store directory")
		}
		o.storeDir = dir
	}
}

// WithMaxPayload sets the largest message the server accepts, in bytes;
// the server's default is 1 MiB.
func WithMaxPayload(n int) Option {
	return func(o *options) {
		if (n < 1024 || n > 64<<20) && o.err == nil {
			o.err = fmt.Errorf("embedded: WithMaxPayload(%d): want 1024 to %d bytes", n, 64<<20)
		}
		o.maxPayload = int32(n)
	}
}

// Start starts a server on 127.0.0.1 and a free port, with credentials
// made for this run (see the package doc), and waits until it accepts
// connections or ctx ends. A bad option is an error naming it.
func Start(ctx context.Context, opts ...Option) (*Server, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if o.err != nil {
		return nil, o.err
	}
	return start(ctx, o, server.RANDOM_PORT, [2]string{rand.Text(), rand.Text()})
}

func start(ctx context.Context, o options, port int, pass [2]string) (*Server, error) {
	sopts, err := serverOptions(o, port, pass)
	if err != nil {
		return nil, err
	}
	s, err := server.NewServer(sopts)
	if err != nil {
		return nil, fmt.Errorf("embedded: %w", err)
	}
	go s.Start()
	wait := 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		wait = time.Until(dl)
	}
	if !s.ReadyForConnections(wait) {
		s.Shutdown()
		s.WaitForShutdown()
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("embedded: starting the server: %w", context.Cause(ctx))
		}
		return nil, errors.New("embedded: the server did not get ready in time")
	}
	addr := s.Addr().(*net.TCPAddr)
	host := net.JoinHostPort(addr.IP.String(), strconv.Itoa(addr.Port))
	mk := func(user, pass string) string {
		return (&url.URL{Scheme: "nats", User: url.UserPassword(user, pass), Host: host}).String()
	}
	return &Server{s: s, url: mk("sluice", pass[0]), sysURL: mk("sys", pass[1]), o: o, port: addr.Port, pass: pass}, nil
}

// serverOptions are the server's options: loopback, port, the two
// accounts with a user each, and, with a store, JetStream for the
// application account. That account's JetStream comes from the
// configuration, so the server enables it (recovering the streams and
// consumers in the store) before it accepts any client: a client that
// reconnects to a restarted server never finds its consumers missing.
func serverOptions(o options, port int, pass [2]string) (*server.Options, error) {
	sopts := &server.Options{}
	if o.storeDir != "" {
		conf := fmt.Sprintf(`accounts: {
  %s: { jetstream: enabled, users: [ { user: "sluice", password: %q } ] }
  %s: { users: [ { user: "sys", password: %q } ] }
}
system_account: %s
jetstream: { store_dir: %q }
`, AppAccount, pass[0], SystemAccount, pass[1], SystemAccount, o.storeDir)
		if err := sopts.ProcessConfigString(conf); err != nil {
			return nil, fmt.Errorf("embedded: configuring JetStream: %w", err)
		}
	} else {
		app, sys := server.NewAccount(AppAccount), server.NewAccount(SystemAccount)
		sopts.Accounts = []*server.Account{app, sys}
		sopts.SystemAccount = SystemAccount
		sopts.Users = []*server.User{
			{Username: "sluice", Password: pass[0], Account: app},
			{Username: "sys", Password: pass[1], Account: sys},
		}
	}
	sopts.ServerName = "sluice-embedded"
	sopts.Host = "127.0.0.1"
	sopts.Port = port
	sopts.NoLog = true
	sopts.NoSigs = true
	sopts.MaxPayload = o.maxPayload
	return sopts, nil
}

// Restart shuts the server down, as a crash or an upgrade would (every
// client connection breaks), and starts it again on the same port with
// the same credentials and, with [WithJetStream], the same store, so that
// clients reconnect to the same URLs and find their streams. It waits
// under ctx until the new server accepts connections. On an error the
// server stays down.
func (s *Server) Restart(ctx context.Context) error {
	s.Shutdown()
	n, err := start(ctx, s.o, s.port, s.pass)
	if err != nil {
		return err
	}
	s.s = n.s
	return nil
}

// URL returns the server's URL with the application account's
// credentials in it: nats://sluice:PASSWORD@127.0.0.1:PORT.
func (s *Server) URL() string { return s.url }

// SystemURL returns the server's URL with the system account's
// credentials in it, for natsb.WithSystemEvents.
func (s *Server) SystemURL() string { return s.sysURL }

// Shutdown stops the server, closing every client connection, and waits
// until it has stopped. It may be called more than once.
func (s *Server) Shutdown() {
	s.s.Shutdown()
	s.s.WaitForShutdown()
}
