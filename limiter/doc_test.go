package limiter_test

import (
	"context"
	"fmt"
	"time"

	"github.com/sluice-go/sluice/limiter"
)

// A worker acquires a set before each call and releases it after; the
// call reports the tokens it used.
func Example() {
	// A daily quota (examples print what is left; a daily refill is too
	// slow to show in it).
	calls, _ := limiter.NewCallLimit("calls", 100, 24*time.Hour)
	tokens, _ := limiter.NewRateLimit("tokens", 50_000, 24*time.Hour, limiter.WithDefaultRequest(2000))
	conns, _ := limiter.NewResourceLimit("connections", 8)
	llm, err := limiter.NewSet(calls, tokens, conns)
	if err != nil {
		panic(err)
	}

	call := func(ctx context.Context, prompt string) error {
		ls, err := llm.Acquire(ctx) // 1 call, 2000 tokens, 1 connection
		if err != nil {
			return err
		}
		defer ls.Release()
		used := int64(10 * len(prompt)) // what the model said it used
		return ls.Report("tokens", used)
	}
	for _, p := range []string{"hello", "limits"} {
		if err := call(context.Background(), p); err != nil {
			panic(err)
		}
	}
	fmt.Println("calls left:", calls.Available())
	fmt.Println("tokens left:", tokens.Available())
	fmt.Println("connections free:", conns.Available())
	// Output:
	// calls left: 98
	// tokens left: 49890
	// connections free: 8
}
