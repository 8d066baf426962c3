package balance

import (
	"fmt"
	"math/bits"
)

// KeyAffinity returns a [KeyedStrategy] that sends every task with the same
// key to the same worker, so tasks for one key (one user, one account, one
// file) run one after another, in the order submitted, on one worker. Tasks
// without a key go where fallback picks. KeyAffinity panics if fallback is
// nil.
//
// PickKey scrambles the key with the SplitMix64 finalizer and maps the
// result onto [0, w.Len()) by multiplying and keeping the high 64 bits, so
// sequential keys (IDs 1, 2, 3, ...) spread as evenly as random ones. The
// mapping has no state: it is the same for every KeyAffinity value, every
// process and every release, for a given Len. When Len changes most keys
// move to another worker, so a pool that should keep per-key order must keep
// its number of workers fixed. A key's worker does not depend on load: a hot
// key keeps its worker busy while others idle. Use [KeyOf] to key by string.
//
// The value is safe for concurrent use if fallback is. PickKey does not
// allocate, reads no counts and costs about 3.5ns (see Cost in the package
// doc); Pick costs what fallback's does. Its name is "key-affinity("
// followed by the fallback's name and ")".
func KeyAffinity(fallback Strategy) KeyedStrategy {
	if fallback == nil {
		panic("balance: KeyAffinity with nil fallback Strategy")
	}
	return &keyAffinity{fallback: fallback}
}

type keyAffinity struct {
	fallback Strategy
}

func (s *keyAffinity) Pick(w Workers) int { return s.fallback.Pick(w) }

func (s *keyAffinity) PickKey(w Workers, key uint64) int {
	n := workerCount(w)
	hi, _ := bits.Mul64(mix64(key), uint64(n))
	return int(hi)
}

func (s *keyAffinity) String() string {
	if f, ok := s.fallback.(fmt.Stringer); ok {
		return "key-affinity(" + f.String() + ")"
	}
	return fmt.Sprintf("key-affinity(%T)", s.fallback)
}

// mix64 is the SplitMix64 output function: a bijection on uint64 whose every
// output bit depends on every input bit.
func mix64(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// KeyOf returns a key for s, for [KeyedStrategy.PickKey]: the 64-bit FNV-1a
// hash of its bytes. It is the same in every process and release, so a
// string goes to the same worker wherever the pool runs, and it does not
// allocate; it costs about 0.6ns per byte (BenchmarkKeyOf).
//
// FNV-1a is fast but not collision resistant: whoever chooses the strings
// can choose ones that share a worker. Where keys come from untrusted input
// and that matters, hash them with a seeded hash such as hash/maphash
// instead, keeping the seed for the life of the pool.
func KeyOf(s string) uint64 {
	const (
		offset64 = 14695981039346656037
		prime64  = 1099511628211
	)
	h := uint64(offset64)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= prime64
	}
	return h
}
