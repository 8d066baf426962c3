// Command metrics exports two pools' statistics and task latencies to
// Prometheus with package poolprom: it runs some work on both pools, serves
// /metrics on a loopback address, scrapes itself once, prints a few lines of
// what it got, and shuts down.
//
//	go run ./examples/metrics                         # one scrape, then exit
//	go run ./examples/metrics -serve -addr 127.0.0.1:9090  # serve until Ctrl-C
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/pool"
	"github.com/sluice-go/sluice/poolprom"
)

var errCorrupt = errors.New("corrupt image")

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "loopback `host:port` to serve /metrics on (port 0 picks a free one)")
	serve := flag.Bool("serve", false, "keep serving after the first scrape, until interrupted")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *addr, *serve); err != nil {
		log.Fatal(err)
	}
}

// run is the program; with serve it serves until ctx is done.
func run(ctx context.Context, out io.Writer, addr string, serve bool) error {

	c, err := poolprom.New()
	if err != nil {
		return err
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)

	// Two pools, one collector: the pool label keeps them apart.
	resize, err := pool.New(func(_ context.Context, n int) (int, error) {
		time.Sleep(time.Duration(n%4) * time.Millisecond) // some work
		if n%10 == 9 {
			return 0, errCorrupt
		}
		return n * 2, nil
	}, pool.WithName("resize"), pool.WithMaxWorkers(4), pool.WithObserver(c))
	if err != nil {
		return err
	}
	defer resize.Cancel() // on early returns; after Stop it does nothing
	upload, err := pool.New(func(_ context.Context, n int) (string, error) {
		time.Sleep(2 * time.Millisecond)
		return fmt.Sprintf("img-%d.png", n), nil
	}, pool.WithName("upload"), pool.WithMaxWorkers(2), pool.WithObserver(c))
	if err != nil {
		return err
	}
	defer upload.Cancel()
	for _, p := range []poolprom.Source{resize, upload} {
		if err := c.Add(p); err != nil {
			return err
		}
	}

	// The work: resize 40 images, upload those that resized.
	sized := make([]*future.Future[int], 40)
	for i := range sized {
		sized[i] = resize.Submit(ctx, i)
	}
	var uploads []*future.Future[string]
	for _, f := range sized {
		if n, err := f.Await(ctx); err == nil {
			uploads = append(uploads, upload.Submit(ctx, n))
		}
	}
	if _, err := future.All(ctx, uploads...); err != nil {
		return err
	}
	// Stopped pools still report their final figures, which then add up.
	if err := resize.Stop(ctx); err != nil {
		return err
	}
	if err := upload.Stop(ctx); err != nil {
		return err
	}

	ln, err := listenLoopback(addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String() + "/metrics"
	fmt.Fprintln(out, "serving", url)

	if err := scrapeOnce(ctx, out, url); err != nil {
		return errors.Join(err, srv.Close())
	}
	if serve {
		fmt.Fprintln(out, "serving until interrupted (Ctrl-C)")
		<-ctx.Done()
	}

	shutCtx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return err
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(out, "shut down")
	return nil
}

// listenLoopback listens on addr, which must name a loopback host: this
// example never exposes its metrics beyond the machine.
func listenLoopback(addr string) (net.Listener, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("-addr %q: %w", addr, err)
	}
	if host != "localhost" {
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("-addr %q: want a loopback host such as 127.0.0.1", addr)
		}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	// "localhost" could resolve to anything: check what was bound.
	if ip := ln.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
		return nil, errors.Join(fmt.Errorf("-addr %q: bound %v, not a loopback address", addr, ip), ln.Close())
	}
	return ln, nil
}

// scrapeOnce fetches url as Prometheus would and prints the task counts.
func scrapeOnce(ctx context.Context, out io.Writer, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	client := &http.Client{}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	fmt.Fprintln(out, "scraped; the task counts:")
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "sluice_pool_tasks_submitted_total") ||
			strings.HasPrefix(line, "sluice_pool_tasks_completed_total") ||
			strings.HasPrefix(line, "sluice_pool_task_run_seconds_count") {
			fmt.Fprintln(out, "  "+line)
		}
	}
	return sc.Err()
}
