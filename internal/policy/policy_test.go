package policy_test

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sluice-go/sluice/internal/policy"
	"github.com/sluice-go/sluice/limiter"
)

// TestPolicy_Check checks that each bad field gets an error naming it.
func TestPolicy_Check(t *testing.T) {
	ok := policy.Policy{Timeout: time.Second, Retry: policy.Retry{Attempts: 3}}
	require.NoError(t, ok.Check())
	require.NoError(t, (&policy.Policy{}).Check())
	for _, tc := range []struct {
		p    policy.Policy
		want string
	}{
		{policy.Policy{Timeout: -time.Second}, "policy: timeout -1s is negative"},
		{policy.Policy{Retry: policy.Retry{Attempts: -1}}, "retry attempts -1 is negative"},
		{policy.Policy{Retry: policy.Retry{Backoff: policy.Backoff{Kind: 7}}}, "backoff kind 7 is not one of constant, linear, exponential, fibonacci"},
		{policy.Policy{Retry: policy.Retry{Backoff: policy.Backoff{Base: -time.Millisecond}}}, "backoff base -1ms is negative"},
		{policy.Policy{Limit: (*limiter.Limit)(nil)}, "policy: limit (*limiter.Limit)(nil) is a nil pointer"},
		{policy.Policy{Limit: (*limiter.Set)(nil)}, "policy: limit (*limiter.Set)(nil) is a nil pointer"},
	} {
		require.EqualError(t, tc.p.Check(), tc.want)
	}
	require.EqualError(t, (*policy.Policy)(nil).Check(), "policy: nil Policy")
	require.NoError(t, (&policy.Policy{Limit: mustResourceLimit(1)}).Check())
}

// TestRun_NilArguments: nil arguments panic at the call with a message
// naming them, not deep inside with a nil dereference.
func TestRun_NilArguments(t *testing.T) {
	p := &policy.Policy{Retry: policy.Retry{Attempts: 2}}
	fn := func(context.Context, int, int) (int, error) { return 0, errFlaky }
	require.PanicsWithValue(t, "policy: Run with nil context", func() {
		policy.Run(nil, p, fn, 0, 1) //lint:ignore SA1012 the nil context is the point
	})
	require.PanicsWithValue(t, "policy: Run with nil Policy", func() { policy.Run(t.Context(), nil, fn, 0, 1) })
	require.PanicsWithValue(t, "policy: Run with nil function", func() { policy.Run[int, int](t.Context(), p, nil, 0, 1) })
}

// TestPolicy_Plain checks which policies let callers skip Run.
func TestPolicy_Plain(t *testing.T) {
	for _, tc := range []struct {
		p    policy.Policy
		want bool
	}{
		{policy.Policy{}, true},
		{policy.Policy{Retry: policy.Retry{Attempts: 1, Backoff: policy.Backoff{Base: time.Second}}}, true},
		{policy.Policy{Timeout: time.Second}, false},
		{policy.Policy{Retry: policy.Retry{Attempts: 2}}, false},
		{policy.Policy{Limit: mustResourceLimit(1)}, false},
	} {
		require.Equal(t, tc.want, tc.p.Plain(), "%+v", tc.p)
	}
}

// TestRun_ZeroPolicy checks that the zero policy calls the function once,
// with the worker and input given, and returns its value and error as is.
func TestRun_ZeroPolicy(t *testing.T) {
	var p policy.Policy
	calls := 0
	fn := func(ctx context.Context, worker int, in string) (string, error) {
		calls++
		_, hasDeadline := ctx.Deadline()
		require.False(t, hasDeadline, "a deadline without a Timeout")
		return in + "!", errFlaky
	}
	v, err := policy.Run(context.Background(), &p, fn, 4, "hi")
	require.Equal(t, "hi!", v)
	require.Same(t, errFlaky, err)
	require.Equal(t, 1, calls)

	var worker int
	_, err = policy.Run(context.Background(), &p, func(_ context.Context, w int, _ string) (string, error) {
		worker = w
		return "", nil
	}, 7, "")
	require.NoError(t, err)
	require.Equal(t, 7, worker)
}

// TestRunExpiring_IgnoredContext checks in virtual time that a call that
// ignores its ctx still fails at its deadline: expire is called at the
// deadline of the last attempt only, with ErrTimeout, and the late value is
// discarded when the call returns.
func TestRunExpiring_IgnoredContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := policy.Policy{
			Timeout: 10 * time.Millisecond,
			Retry:   policy.Retry{Attempts: 2, Backoff: policy.Backoff{Kind: policy.Constant, Base: time.Millisecond}},
		}
		start := time.Now()
		var mu sync.Mutex // expire runs on a timer's goroutine
		var expiredAt []time.Duration
		var expiredWith []error
		calls := 0
		fn := func(context.Context, int, string) (int, error) {
			calls++
			time.Sleep(100 * time.Millisecond) // ignores its ctx
			return 5, nil
		}
		v, err := policy.RunExpiring(context.Background(), &p, fn, 0, "", func(err error) {
			mu.Lock()
			defer mu.Unlock()
			expiredAt = append(expiredAt, time.Since(start))
			expiredWith = append(expiredWith, err)
		})
		require.ErrorIs(t, err, policy.ErrTimeout)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Zero(t, v)
		require.Equal(t, 2, calls, "a late attempt is retried like a failed one")
		mu.Lock()
		defer mu.Unlock()
		// The second attempt starts at 100ms+1ms; its deadline is 10ms on.
		require.Equal(t, []time.Duration{111 * time.Millisecond}, expiredAt)
		require.Equal(t, []error{policy.ErrTimeout}, expiredWith)
		require.Equal(t, 201*time.Millisecond, time.Since(start))

		// A call that returns in time does not expire.
		expiredAt = nil
		p.Retry = policy.Retry{}
		v, err = policy.RunExpiring(context.Background(), &p, func(context.Context, int, string) (int, error) { return 7, nil }, 0, "", func(error) {
			t.Error("a call that returned in time expired")
		})
		require.NoError(t, err)
		require.Equal(t, 7, v)
		time.Sleep(time.Second)
	})
}

// TestRun_Timeout checks in virtual time that each attempt gets its own
// deadline Timeout after it starts, that running out of it is retried, and
// that the calls happen exactly when the backoff says.
func TestRun_Timeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := policy.Policy{
			Timeout: 2 * time.Second,
			Retry:   policy.Retry{Attempts: 3, Backoff: policy.Backoff{Kind: policy.Linear, Base: time.Second}},
		}
		a := newPolicyCalls(func(int) error { return nil })
		start := time.Now()
		fn := func(ctx context.Context, worker int, in string) (int, error) {
			v, _ := a.fn(ctx, worker, in)
			<-ctx.Done() // a call that hangs until its deadline
			return v, ctx.Err()
		}
		v, err := policy.Run(context.Background(), &p, fn, 0, "")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.ErrorIs(t, err, policy.ErrTimeout)
		require.Zero(t, v, "a result after the deadline is discarded")
		// Calls at 0s, 2s+1s and 5s+2s, each with a deadline 2s on; Run
		// returns at the last deadline.
		require.Equal(t, []policyCall{{0, 2 * time.Second}, {3 * time.Second, 5 * time.Second}, {7 * time.Second, 9 * time.Second}}, a.calls)
		require.Equal(t, 9*time.Second, time.Since(start))

		// A call that returns in time keeps its result.
		a = newPolicyCalls(func(int) error { return nil })
		v, err = policy.Run(context.Background(), &p, a.fn, 0, "")
		require.NoError(t, err)
		require.Equal(t, 1, v)
		require.Equal(t, []policyCall{{0, 2 * time.Second}}, a.calls)
	})
}

func mustResourceLimit(capacity int64) *limiter.Limit {
	l, err := limiter.NewResourceLimit("test", capacity)
	if err != nil {
		panic(err)
	}
	return l
}

// TestRun_Limit checks in virtual time that every attempt acquires the
// limit first and releases it after, whatever it returned; that the attempt
// finds its lease in its ctx; that waiting for the limit counts against
// neither the timeout nor the attempts; and that a ctx done while waiting
// ends Run with the ctx's error.
func TestRun_Limit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := mustResourceLimit(1)
		p := policy.Policy{
			Timeout: 2 * time.Second,
			Retry:   policy.Retry{Attempts: 2, Backoff: policy.Backoff{Base: time.Second}},
			Limit:   l,
		}
		held, ok := l.TryAcquire()
		require.True(t, ok)
		time.AfterFunc(5*time.Second, held.Release)

		a := newPolicyCalls(func(call int) error {
			if call == 1 {
				return errFlaky
			}
			return nil
		})
		var holding []int64
		fn := func(ctx context.Context, w int, in string) (int, error) {
			ls, ok := limiter.FromContext(ctx)
			require.True(t, ok, "no lease in the attempt's ctx")
			holding = append(holding, ls.Granted("test"), l.Available())
			return a.fn(ctx, w, in)
		}
		v, err := policy.Run(context.Background(), &p, fn, 0, "")
		require.NoError(t, err)
		require.Equal(t, 2, v)
		// The first attempt waits 5s for the limit, then has its full 2s.
		require.Equal(t, []policyCall{{5 * time.Second, 7 * time.Second}, {6 * time.Second, 8 * time.Second}}, a.calls)
		require.Equal(t, []int64{1, 0, 1, 0}, holding, "each attempt holds the one unit")
		require.Equal(t, int64(1), l.Available(), "released after the last attempt")

		held, ok = l.TryAcquire()
		require.True(t, ok)
		defer held.Release()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		a = newPolicyCalls(func(int) error { return nil })
		_, err = policy.Run(ctx, &p, a.fn, 0, "")
		require.ErrorIs(t, err, context.DeadlineExceeded)
		require.Empty(t, a.calls, "called without the limit")
	})
}
