package future_test

import (
	"context"
	"testing"

	"go.uber.org/goleak"

	"github.com/sluice-go/sluice/future"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// pendingN returns n pending futures and their promises.
func pendingN(n int) ([]*future.Future[int], []future.Promise[int]) {
	fs := make([]*future.Future[int], n)
	ps := make([]future.Promise[int], n)
	for i := range n {
		fs[i], ps[i] = future.New[int](context.Background())
	}
	return fs, ps
}

// nilCtx is a nil context for the bad-input tests.
var nilCtx context.Context
