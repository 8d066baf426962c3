package natsb_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/sluice-go/sluice/remote"
)

// The functions the tests call, registered at package scope on both
// sides, as users do.
var (
	square = remote.Register("natsb_test.square", func(_ context.Context, n int) (int, error) { return n * n, nil })
	echo   = remote.Register("natsb_test.echo", func(_ context.Context, b []byte) ([]byte, error) { return b, nil })
	fail   = remote.Register("natsb_test.fail", func(_ context.Context, kind string) (int, error) {
		switch kind {
		case "sentinel":
			return 0, fmt.Errorf("doing it: %w", errSentinel)
		case "panic":
			panic("boom")
		}
		return 1, nil
	})
	// hold tells the test it started ("natsb_test.started": "ID PID") and
	// waits for "natsb_test.release.ID", then returns its process id.
	hold = remote.Register("natsb_test.hold", func(ctx context.Context, id int) (int, error) {
		sub, err := testNC.SubscribeSync("natsb_test.release." + strconv.Itoa(id))
		if err != nil {
			return 0, err
		}
		defer sub.Unsubscribe()
		if err := testNC.Flush(); err != nil {
			return 0, err
		}
		testNC.Publish("natsb_test.started", fmt.Appendf(nil, "%d %d", id, os.Getpid()))
		if _, err := sub.NextMsgWithContext(ctx); err != nil {
			return 0, context.Cause(ctx)
		}
		return os.Getpid(), nil
	})
	counter = remote.RegisterWorker("natsb_test.counter", func(_ context.Context, id int) (*count, error) {
		return &count{id: id}, nil
	})
	add = remote.RegisterMethod(counter, "add", (*count).add)
)

// unregistered is a Func whose name the worker does not serve: made
// with the name of one that only this process would have registered.
var errSentinel = errors.New("natsb_test: the sentinel")

func init() { remote.RegisterError("natsb_test.errSentinel", errSentinel) }

type count struct{ id, n int }

func (c *count) add(_ context.Context, k int) ([2]int, error) {
	c.n += k
	return [2]int{c.id, c.n}, nil
}
