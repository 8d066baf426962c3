package policy_test

import (
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/sluice-go/sluice/internal/policy"
)

var backoffKinds = []policy.BackoffKind{policy.Constant, policy.Linear, policy.Exponential, policy.Fibonacci}

// TestBackoff_DelayPerKind pins the first waits of every kind.
func TestBackoff_DelayPerKind(t *testing.T) {
	const ms = time.Millisecond
	want := map[policy.BackoffKind][]time.Duration{
		policy.Constant:    {10 * ms, 10 * ms, 10 * ms, 10 * ms, 10 * ms, 10 * ms},
		policy.Linear:      {10 * ms, 20 * ms, 30 * ms, 40 * ms, 50 * ms, 60 * ms},
		policy.Exponential: {10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms, 320 * ms},
		policy.Fibonacci:   {10 * ms, 10 * ms, 20 * ms, 30 * ms, 50 * ms, 80 * ms},
	}
	for kind, waits := range want {
		b := policy.Backoff{Kind: kind, Base: 10 * ms}
		for i, w := range waits {
			require.Equal(t, w, b.Delay(i+1), "%v retry %d", kind, i+1)
		}
		require.Zero(t, b.Delay(0), "%v: no wait before the first attempt", kind)
		require.Zero(t, b.Delay(-3), "%v: negative retry", kind)
		require.Zero(t, policy.Backoff{Kind: kind}.Delay(4), "%v: zero base retries at once", kind)
		require.Zero(t, policy.Backoff{Kind: kind, Base: -ms}.Delay(4), "%v: negative base", kind)
	}
	require.Zero(t, policy.Backoff{}.Delay(1), "the zero Backoff retries at once")
}

// TestBackoff_MaxCaps checks that Max caps every wait and 0 means no cap.
func TestBackoff_MaxCaps(t *testing.T) {
	b := policy.Backoff{Kind: policy.Exponential, Base: time.Second, Max: 5 * time.Second}
	var got []time.Duration
	for r := 1; r <= 6; r++ {
		got = append(got, b.Delay(r))
	}
	require.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second, 5 * time.Second}, got)
	require.Equal(t, 500*time.Millisecond, policy.Backoff{Base: time.Second, Max: 500 * time.Millisecond}.Delay(1), "Max below Base")
}

// exactDelay is the uncapped wait of the model, as a big integer.
func exactDelay(kind policy.BackoffKind, base time.Duration, retry int) *big.Int {
	k := new(big.Int)
	switch kind {
	case policy.Constant:
		k.SetInt64(1)
	case policy.Linear:
		k.SetInt64(int64(retry))
	case policy.Exponential:
		k.Lsh(big.NewInt(1), uint(retry-1))
	case policy.Fibonacci:
		a, c := big.NewInt(1), big.NewInt(1)
		for range retry - 1 {
			a, c = c, new(big.Int).Add(a, c)
		}
		k = a
	}
	return k.Mul(k, big.NewInt(int64(base)))
}

// TestBackoff_MatchesModel compares Delay with exact arithmetic for any
// kind, base, cap and retry, huge ones included: the exact wait, capped at
// Max, or saturated at the largest Duration instead of overflowing. It is
// never negative and never shrinks from one retry to the next.
func TestBackoff_MatchesModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := policy.Backoff{
			Kind: rapid.SampledFrom(backoffKinds).Draw(t, "kind"),
			Base: time.Duration(rapid.OneOf(
				rapid.Int64Range(1, 10),
				rapid.Int64Range(1, int64(time.Hour)),
				rapid.Int64Range(1, math.MaxInt64),
			).Draw(t, "base")),
			Max: time.Duration(rapid.OneOf(rapid.Just(int64(0)), rapid.Int64Range(1, math.MaxInt64)).Draw(t, "max")),
		}
		retry := rapid.OneOf(rapid.IntRange(1, 100), rapid.IntRange(1, 1<<20), rapid.IntRange(1, math.MaxInt)).Draw(t, "retry")

		got := b.Delay(retry)
		capped := func(d *big.Int) time.Duration {
			if d.Cmp(big.NewInt(math.MaxInt64)) > 0 {
				d = big.NewInt(math.MaxInt64)
			}
			if b.Max > 0 && d.Cmp(big.NewInt(int64(b.Max))) > 0 {
				return b.Max
			}
			return time.Duration(d.Int64())
		}
		growing := b.Kind == policy.Exponential || b.Kind == policy.Fibonacci
		want := capped(big.NewInt(math.MaxInt64)) // past 2^200 for retry > 200
		if retry <= 200 || !growing {
			want = capped(exactDelay(b.Kind, b.Base, retry))
		}
		// Exponential and Fibonacci saturate once their multiplier passes
		// 2^61, which is a little before the product overflows when Base
		// is a few nanoseconds: waits of decades either way.
		early := growing && (retry > 200 || exactDelay(b.Kind, 1, retry).Cmp(big.NewInt(1<<61)) > 0)
		if got != want && !(early && got == capped(big.NewInt(math.MaxInt64))) {
			t.Fatalf("%+v.Delay(%d) = %d, want %d", b, retry, got, want)
		}
		if retry < math.MaxInt {
			if next := b.Delay(retry + 1); next < got {
				t.Fatalf("%+v: Delay(%d) = %v < Delay(%d) = %v", b, retry+1, next, retry, got)
			}
		}
	})
}

// TestBackoff_Jitter checks full jitter: each wait is drawn from [0, d),
// where d is the wait without jitter, and the draws vary.
func TestBackoff_Jitter(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := policy.Backoff{
			Kind: rapid.SampledFrom(backoffKinds).Draw(t, "kind"),
			Base: time.Duration(rapid.Int64Range(0, int64(time.Minute)).Draw(t, "base")),
			Max:  time.Duration(rapid.Int64Range(0, int64(time.Hour)).Draw(t, "max")),
		}
		retry := rapid.IntRange(0, 100).Draw(t, "retry")
		d := b.Delay(retry)
		b.Jitter = true
		seen := map[time.Duration]bool{}
		for range 50 {
			j := b.Delay(retry)
			if d == 0 && j != 0 || d > 0 && (j < 0 || j >= d) {
				t.Fatalf("jittered wait %v outside [0, %v)", j, d)
			}
			seen[j] = true
		}
		if d >= time.Microsecond && len(seen) < 2 {
			t.Fatalf("50 jittered waits below %v were all %v", d, seen)
		}
	})
}

// TestBackoff_Validate checks that each bad field gets an error naming it
// and its value.
func TestBackoff_Validate(t *testing.T) {
	require.NoError(t, policy.Backoff{}.Validate())
	for _, k := range backoffKinds {
		require.NoError(t, policy.Backoff{Kind: k, Base: time.Second, Max: time.Minute, Jitter: true}.Validate())
	}
	require.EqualError(t, policy.Backoff{Kind: 4}.Validate(), "backoff kind 4 is not one of constant, linear, exponential, fibonacci")
	require.EqualError(t, policy.Backoff{Kind: -1}.Validate(), "backoff kind -1 is not one of constant, linear, exponential, fibonacci")
	require.EqualError(t, policy.Backoff{Base: -time.Second}.Validate(), "backoff base -1s is negative")
	require.EqualError(t, policy.Backoff{Max: -time.Second}.Validate(), "backoff max -1s is negative")
}

// TestBackoffKind_String checks the kinds' names.
func TestBackoffKind_String(t *testing.T) {
	var names []string
	for _, k := range backoffKinds {
		names = append(names, k.String())
	}
	require.Equal(t, []string{"constant", "linear", "exponential", "fibonacci"}, names)
	require.Equal(t, "BackoffKind(9)", policy.BackoffKind(9).String())
}

// TestBackoff_Func checks that Func replaces the kind and base, and that
// Max caps it, Jitter draws from it and a negative wait counts as 0.
func TestBackoff_Func(t *testing.T) {
	sq := func(retry int) time.Duration { return time.Duration(retry*retry) * time.Second }
	b := policy.Backoff{Kind: policy.Exponential, Base: time.Hour, Func: sq}
	require.Equal(t, time.Second, b.Delay(1))
	require.Equal(t, 9*time.Second, b.Delay(3))
	require.Zero(t, b.Delay(0), "retry 0 is no retry")
	b.Max = 5 * time.Second
	require.Equal(t, 5*time.Second, b.Delay(3))
	b.Jitter = true
	for range 100 {
		d := b.Delay(2)
		require.True(t, d >= 0 && d < 4*time.Second, "jittered %v", d)
	}
	require.Zero(t, policy.Backoff{Func: func(int) time.Duration { return -time.Second }}.Delay(1))
}
