// Command distributed runs a pool whose workers are other processes,
// reached through NATS: it starts an embedded NATS server on loopback
// (credentials made for this run), starts two worker processes of its own
// binary, and spreads 100 calls of a registered function over them. With
// -nats URL it uses that server instead (a real cluster), and still
// starts its two workers there. Nothing to install:
//
//	go run ./examples/distributed
//	go run ./examples/distributed -nats nats://user:pass@host:4222
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/natsb"
	"github.com/sluice-go/sluice/natsb/embedded"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/remote"
)

// hash is the work: registered at package scope, so the worker processes
// (this binary again) serve it and this one calls it.
var hash = remote.Register("distributed.hash", func(_ context.Context, s string) (string, error) {
	h := uint32(2166136261)
	for i := range 1000 {
		h = (h ^ uint32(s[i%len(s)])) * 16777619
	}
	return fmt.Sprintf("%s:%08x", s, h), nil
})

func main() {
	natsb.Main() // in a worker process, serves hash and exits
	url := flag.String("nats", "", "a NATS server URL; empty starts an embedded one")
	flag.Parse()
	if err := run(*url); err != nil {
		log.Fatal(err)
	}
}

func run(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var opts []natsb.Option
	if url == "" {
		s, err := embedded.Start(ctx)
		if err != nil {
			return err
		}
		defer s.Shutdown()
		url = s.URL()
		sys, err := nats.Connect(s.SystemURL())
		if err != nil {
			return err
		}
		defer sys.Close()
		opts = append(opts, natsb.WithSystemEvents(sys)) // a killed worker is seen at once
	}
	nc, err := nats.Connect(url)
	if err != nil {
		return err
	}
	defer nc.Close()
	d, err := natsb.NewDispatcher(ctx, nc, opts...)
	if err != nil {
		return err
	}
	defer d.Close()

	workers, err := startWorkers(url, 2)
	defer stopWorkers(workers)
	if err != nil {
		return err
	}
	// Two processes of GOMAXPROCS lanes each; wait until both are there.
	if err := d.AwaitLanes(ctx, hash.Name(), 2); err != nil {
		return err
	}
	b, err := natsb.NewBackend(d, hash)
	if err != nil {
		return err
	}
	p, err := pool.NewOn(ctx, b, pool.WithMaxWorkers(4))
	if err != nil {
		return err
	}
	futs := make([]*future.Future[string], 100)
	for i := range futs {
		futs[i] = p.Submit(ctx, fmt.Sprintf("item-%03d", i))
	}
	results, err := future.All(ctx, futs...)
	if err != nil {
		return err
	}
	if err := p.Stop(ctx); err != nil {
		return err
	}
	fmt.Println(len(results), "results from", len(workers), "worker processes; first and last:")
	fmt.Println(results[0])
	fmt.Println(results[len(results)-1])
	return nil
}

// startWorkers starts n processes of this binary as workers on url. The
// URL, credentials included, goes in their environment.
func startWorkers(url string, n int) ([]*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	var cmds []*exec.Cmd
	for range n {
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), natsb.EnvURL+"="+url)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			return cmds, err
		}
		cmds = append(cmds, cmd)
	}
	return cmds, nil
}

// stopWorkers asks each worker to drain (SIGTERM) and waits for it.
func stopWorkers(cmds []*exec.Cmd) {
	for _, c := range cmds {
		c.Process.Signal(syscall.SIGTERM)
	}
	for _, c := range cmds {
		if err := c.Wait(); err != nil && !strings.Contains(err.Error(), "terminated") {
			log.Printf("worker %d: %v", c.Process.Pid, err)
		}
	}
}
