package remote_test

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/sluice-go/sluice/remote"
)

// cube is registered at package scope, as both sides must.
var cube = remote.Register("example.cube", func(_ context.Context, n int) (int, error) {
	if n < 0 {
		return 0, fmt.Errorf("cube of %d: %w", n, errNegative)
	}
	return n * n * n, nil
})

var errNegative = errors.New("negative")

func init() { remote.RegisterError("example.errNegative", errNegative) }

// A server and a client over in-memory pipes; a worker process serves the
// same way over its pipes.
func Example() {
	reqR, reqW := io.Pipe()
	respR, respW := io.Pipe()
	done := make(chan error)
	go func() {
		done <- remote.Serve(context.Background(), reqR, respW)
		respW.Close()
	}()

	ctx := context.Background()
	c, err := remote.NewConn(ctx, respR, reqW)
	if err != nil {
		panic(err)
	}
	n, err := cube.Call(ctx, c, 0, 3)
	fmt.Println(n, err)
	_, err = cube.Call(ctx, c, 0, -1)
	fmt.Println(err, errors.Is(err, errNegative))

	c.Close()
	fmt.Println(<-done)
	// Output:
	// 27 <nil>
	// cube of -1: negative true
	// <nil>
}
