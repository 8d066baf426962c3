package proc_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/sluice-go/sluice/proc"
)

// A worker process started from the program's own binary (here the test
// binary, whose TestMain calls proc.Main first), a call on it, and a
// kill that fails the call in flight.
func Example() {
	ctx := context.Background()
	p, err := proc.Start(ctx, fastExit)
	if err != nil {
		panic(err)
	}
	n, err := square.Call(ctx, p, 0, 7)
	fmt.Println(n, err)

	errs := make(chan error, 1)
	go func() {
		_, err := block.Call(ctx, p, 0, 0)
		errs <- err
	}()
	started.Call(ctx, p, 0, 1) // the block call runs in the worker
	p.Kill(errors.New("overran its budget"))
	err = <-errs
	var lost *proc.LostError
	fmt.Println(errors.Is(err, proc.ErrProcessLost), errors.As(err, &lost), lost.State, lost.Cause)
	// Output:
	// 49 <nil>
	// true true signal: killed overran its budget
}
