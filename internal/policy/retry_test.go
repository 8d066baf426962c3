package policy_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/future"
	"github.com/sluice-go/sluice/internal/policy"
)

// policyCall is one call of the function behind Run, as a test saw it.
type policyCall struct {
	at       time.Duration // time since the recorder was made
	deadline time.Duration // of the attempt's ctx, or -1 if it has none
}

// policyCalls records the calls of a function that fails while failing says
// so, and returns its call number as the value.
type policyCalls struct {
	start   time.Time
	calls   []policyCall
	failing func(call int) error
}

func newPolicyCalls(failing func(call int) error) *policyCalls {
	return &policyCalls{start: time.Now(), failing: failing}
}

func (a *policyCalls) fn(ctx context.Context, worker int, in string) (int, error) {
	at := policyCall{at: time.Since(a.start), deadline: -1}
	if d, ok := ctx.Deadline(); ok {
		at.deadline = d.Sub(a.start)
	}
	a.calls = append(a.calls, at)
	return len(a.calls), a.failing(len(a.calls))
}

func (a *policyCalls) times() []time.Duration {
	var ts []time.Duration
	for _, c := range a.calls {
		ts = append(ts, c.at)
	}
	return ts
}

var errFlaky = errors.New("test: flaky")

// TestRetry_Validate checks that a negative attempt count or a bad backoff
// gets an error naming it.
func TestRetry_Validate(t *testing.T) {
	require.NoError(t, policy.Retry{}.Validate())
	require.NoError(t, policy.Retry{Attempts: 3, Backoff: policy.Backoff{Base: time.Second}}.Validate())
	require.EqualError(t, policy.Retry{Attempts: -2}.Validate(), "retry attempts -2 is negative")
	require.EqualError(t, policy.Retry{Backoff: policy.Backoff{Max: -1}}.Validate(), "backoff max -1ns is negative")
}

// TestRun_RetriesExactly runs a function that fails its first few calls
// under random retry settings, in virtual time: Run calls it until it
// succeeds or the attempts are used up, waits exactly Delay(a) before retry
// a, and returns the last call's value and error unchanged.
func TestRun_RetriesExactly(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		p := policy.Policy{Retry: policy.Retry{
			Attempts: rapid.IntRange(0, 6).Draw(rt, "attempts"),
			Backoff: policy.Backoff{
				Kind: rapid.SampledFrom(backoffKinds).Draw(rt, "kind"),
				Base: time.Duration(rapid.IntRange(0, 1000).Draw(rt, "baseMs")) * time.Millisecond,
				Max:  time.Duration(rapid.IntRange(0, 3000).Draw(rt, "maxMs")) * time.Millisecond,
			},
		}}
		fails := rapid.IntRange(0, 8).Draw(rt, "failures")

		var (
			a     *policyCalls
			v     int
			err   error
			took  time.Duration
			calls int
		)
		synctest.Test(t, func(*testing.T) {
			a = newPolicyCalls(func(call int) error {
				if call <= fails {
					return fmt.Errorf("call %d: %w", call, errFlaky)
				}
				return nil
			})
			start := time.Now()
			v, err = policy.Run(context.Background(), &p, a.fn, 3, "in")
			took = time.Since(start)
			calls = len(a.calls)
		})

		wantCalls := min(fails+1, max(p.Retry.Attempts, 1))
		if calls != wantCalls || v != calls {
			rt.Fatalf("%d calls returning %d, want %d calls", calls, v, wantCalls)
		}
		if fails >= wantCalls {
			if err == nil || err.Error() != fmt.Sprintf("call %d: %v", calls, errFlaky) {
				rt.Fatalf("error %v, want the last call's", err)
			}
		} else if err != nil {
			rt.Fatalf("error %v after a successful call", err)
		}
		var want []time.Duration
		var at time.Duration
		for c := 1; c <= calls; c++ {
			want = append(want, at)
			at += p.Retry.Backoff.Delay(c)
		}
		if got := a.times(); fmt.Sprint(got) != fmt.Sprint(want) {
			rt.Fatalf("calls at %v, want %v", got, want)
		}
		if took != want[len(want)-1] {
			rt.Fatalf("Run took %v, want %v (no wait after the last call)", took, want[len(want)-1])
		}
	})
}

// TestRun_JitteredWaits checks in virtual time that jittered waits between
// calls stay below the unjittered ones.
func TestRun_JitteredWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := policy.Policy{Retry: policy.Retry{
			Attempts: 6,
			Backoff:  policy.Backoff{Kind: policy.Exponential, Base: time.Second, Jitter: true},
		}}
		a := newPolicyCalls(func(int) error { return errFlaky })
		_, err := policy.Run(context.Background(), &p, a.fn, 0, "")
		require.ErrorIs(t, err, errFlaky)
		require.Len(t, a.calls, 6)
		for i := 1; i < len(a.calls); i++ {
			gap := a.calls[i].at - a.calls[i-1].at
			unjittered := time.Second << (i - 1)
			require.GreaterOrEqual(t, gap, time.Duration(0))
			require.Less(t, gap, unjittered, "wait before retry %d", i)
		}
	})
}

// TestRun_If checks that If decides which errors are retried and sees them
// unchanged.
func TestRun_If(t *testing.T) {
	errFatal := errors.New("test: fatal")
	var seen []error
	p := policy.Policy{Retry: policy.Retry{Attempts: 5, If: func(err error) bool {
		seen = append(seen, err)
		return !errors.Is(err, errFatal)
	}}}
	a := newPolicyCalls(func(call int) error {
		if call < 3 {
			return errFlaky
		}
		return errFatal
	})
	_, err := policy.Run(context.Background(), &p, a.fn, 0, "")
	require.Same(t, errFatal, err)
	require.Len(t, a.calls, 3)
	require.Equal(t, []error{errFlaky, errFlaky, errFatal}, seen)

	// If may also ask to retry what is not retried by default.
	p.Retry.If = func(error) bool { return true }
	a = newPolicyCalls(func(int) error { return context.Canceled })
	_, err = policy.Run(context.Background(), &p, a.fn, 0, "")
	require.ErrorIs(t, err, context.Canceled)
	require.Len(t, a.calls, 5)
}

// TestRun_DoesNotRetry checks what is never retried by default: a panic
// turned into a *future.PanicError (bare or wrapped), even when If says
// yes, and the task context's cancellation.
func TestRun_DoesNotRetry(t *testing.T) {
	pe := &future.PanicError{Value: "boom"}
	for _, tc := range []struct {
		name string
		err  error
		If   func(error) bool
	}{
		{"panic", pe, nil},
		{"wrapped panic", fmt.Errorf("task 3: %w", pe), nil},
		{"panic despite If", pe, func(error) bool { return true }},
		{"canceled", context.Canceled, nil},
		{"wrapped canceled", fmt.Errorf("fetch: %w", context.Canceled), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := policy.Policy{Retry: policy.Retry{Attempts: 4, If: tc.If}}
			a := newPolicyCalls(func(int) error { return tc.err })
			_, err := policy.Run(context.Background(), &p, a.fn, 0, "")
			require.Equal(t, tc.err, err)
			require.Len(t, a.calls, 1)
		})
	}

	// Everything else is retried by default, deadlines included.
	p := policy.Policy{Retry: policy.Retry{Attempts: 4}}
	a := newPolicyCalls(func(int) error { return context.DeadlineExceeded })
	_, err := policy.Run(context.Background(), &p, a.fn, 0, "")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Len(t, a.calls, 4)
}

// TestRun_StopsOnContext checks that Run stops retrying once its ctx is
// done: during a backoff wait it returns at that moment with the last
// call's error; after a failed call it does not retry.
func TestRun_StopsOnContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := policy.Policy{Retry: policy.Retry{Attempts: 10, Backoff: policy.Backoff{Base: time.Second}}}
		ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
		defer cancel()
		a := newPolicyCalls(func(int) error { return errFlaky })
		start := time.Now()
		v, err := policy.Run(ctx, &p, a.fn, 0, "")
		require.Equal(t, 1500*time.Millisecond, time.Since(start), "returns when ctx is done, not after the wait")
		require.Same(t, errFlaky, err, "the last call's error, not ctx's")
		require.Equal(t, 2, v)
		require.Equal(t, []time.Duration{0, time.Second}, a.times())

		// Cancelled during a call: no retry, even with no backoff.
		ctx, cancel = context.WithCancel(context.Background())
		p.Retry.Backoff = policy.Backoff{}
		a = newPolicyCalls(func(int) error { cancel(); return errFlaky })
		_, err = policy.Run(ctx, &p, a.fn, 0, "")
		require.Same(t, errFlaky, err)
		require.Len(t, a.calls, 1)

		// Done before Run: one call, which sees the done ctx.
		a = newPolicyCalls(func(int) error { return errFlaky })
		_, err = policy.Run(ctx, &p, a.fn, 0, "")
		require.Same(t, errFlaky, err)
		require.Len(t, a.calls, 1)
	})
}

// ExampleRun retries a flaky call with exponential backoff.
func ExampleRun() {
	p := policy.Policy{Retry: policy.Retry{
		Attempts: 4,
		Backoff:  policy.Backoff{Kind: policy.Exponential, Base: time.Millisecond},
	}}
	calls := 0
	fetch := func(_ context.Context, _ int, url string) (string, error) {
		if calls++; calls < 3 {
			return "", errors.New("connection reset")
		}
		return "body of " + url, nil
	}
	v, err := policy.Run(context.Background(), &p, fetch, 0, "example.com")
	fmt.Println(v, err, calls)
	// Output: body of example.com <nil> 3
}
