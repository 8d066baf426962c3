package proc_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/sluice-go/sluice/remote"
)

// The functions the test workers serve. Each test binary registers them
// all at package scope, parent and worker alike. Channels here live in
// the worker that runs them.
var (
	square = remote.Register("square", func(_ context.Context, n int) (int, error) { return n * n, nil })
	echo   = remote.Register("echo", func(_ context.Context, b []byte) ([]byte, error) { return b, nil })
	fail   = remote.Register("fail", failWith)
	pid    = remote.Register("pid", func(context.Context, struct{}) (int, error) { return os.Getpid(), nil })
	getenv = remote.Register("getenv", func(_ context.Context, k string) (string, error) { return os.Getenv(k), nil })
	say    = remote.Register("say", func(_ context.Context, s string) (struct{}, error) {
		fmt.Fprintln(os.Stdout, "stdout:", s)
		fmt.Fprintln(os.Stderr, "stderr:", s)
		return struct{}{}, nil
	})

	// block waits for its ctx and records why it ended.
	block = remote.Register("block", func(ctx context.Context, _ int) (int, error) {
		blockStarted <- struct{}{}
		<-ctx.Done()
		blockEnded <- context.Cause(ctx)
		return 0, ctx.Err()
	})
	blockStarted = make(chan struct{}, 1024)
	blockEnded   = make(chan error, 1024)
	// started returns once n block calls have started in this worker.
	started = remote.Register("started", func(ctx context.Context, n int) (struct{}, error) {
		for range n {
			select {
			case <-blockStarted:
			case <-ctx.Done():
				return struct{}{}, ctx.Err()
			}
		}
		return struct{}{}, nil
	})
	// ended returns why the next block call in this worker ended.
	ended = remote.Register("ended", func(ctx context.Context, _ int) (string, error) {
		select {
		case err := <-blockEnded:
			return err.Error(), nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	})
	// deaf ignores its ctx: only a kill ends it.
	deaf = remote.Register("deaf", func(context.Context, int) (int, error) {
		blockStarted <- struct{}{}
		select {}
	})
	exit = remote.Register("exit", func(_ context.Context, code int) (int, error) {
		os.Exit(code)
		return 0, nil
	})
	// goPanic panics on a goroutine of its own: no recover can catch it,
	// and the worker dies.
	goPanic = remote.Register("goPanic", func(ctx context.Context, _ int) (int, error) {
		go func() { panic("proc_test: panic in a goroutine") }()
		<-ctx.Done()
		return 0, nil
	})
)

var errSentinel = errors.New("proc_test: the sentinel")

func init() { remote.RegisterError("proc_test.errSentinel", errSentinel) }

type myErr struct{ code int }

func (e *myErr) Error() string { return fmt.Sprintf("my error %d", e.code) }

func failWith(ctx context.Context, kind string) (int, error) {
	switch kind {
	case "sentinel":
		return 0, errSentinel
	case "wrapped":
		return 0, fmt.Errorf("doing it: %w", errSentinel)
	case "canceled":
		return 0, context.Canceled
	case "deadline":
		return 0, fmt.Errorf("op: %w", context.DeadlineExceeded)
	case "plain":
		return 0, &myErr{7}
	case "panic":
		panic("boom")
	case "panicErr":
		panic(fmt.Errorf("wrapped in a panic: %w", errSentinel))
	case "goexit":
		runtime.Goexit()
	}
	return 1, nil
}

// counter is a stateful worker, one per worker id; it says when it is
// closed, on stderr.
type counter struct{ id, n int }

func newCounter(_ context.Context, id int) (*counter, error) { return &counter{id: id}, nil }

func (c *counter) Add(_ context.Context, d int) (int, error) {
	c.n += d
	return c.n, nil
}

func (c *counter) Close() error {
	fmt.Fprintf(os.Stderr, "counter %d closed at %d\n", c.id, c.n)
	return nil
}

var (
	counterWorker = remote.RegisterWorker("counter", newCounter)
	add           = remote.RegisterMethod(counterWorker, "add", (*counter).Add)
)

// The functions the backend tests run through pools.
var (
	// whoami squares n and says which process did it.
	whoami = remote.Register("whoami", func(_ context.Context, n int) (ran, error) {
		return ran{N: n * n, Pid: os.Getpid()}, nil
	})
	// job logs its start to its Log file ("id pid" lines, appended whole),
	// then, if it holds, says it started (see started) and waits for the
	// worker's gate (openGate) or its ctx.
	job = remote.Register("job", func(ctx context.Context, j jobIn) (ran, error) {
		if j.Log != "" {
			f, err := os.OpenFile(j.Log, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
			if err != nil {
				return ran{}, err
			}
			fmt.Fprintf(f, "%d %d\n", j.ID, os.Getpid())
			f.Close()
		}
		if j.Hold {
			blockStarted <- struct{}{}
			select {
			case <-gate:
			case <-ctx.Done():
				return ran{}, context.Cause(ctx)
			}
		}
		return ran{N: j.ID * j.ID, Pid: os.Getpid()}, nil
	})
	gate     = make(chan struct{})
	openGate = remote.Register("openGate", func(context.Context, struct{}) (struct{}, error) {
		gateOnce.Do(func() { close(gate) })
		return struct{}{}, nil
	})
	gateOnce sync.Once
	// spin returns the worker's pid for n >= 0; for n < 0 it loops for
	// ever, ignoring its ctx: only a kill ends it.
	spin = remote.Register("spin", func(_ context.Context, n int) (int, error) {
		for n < 0 {
			spun.Add(1)
		}
		return os.Getpid(), nil
	})
	spun atomic.Int64
)

type ran struct{ N, Pid int }

type jobIn struct {
	ID   int
	Hold bool
	Log  string
}
