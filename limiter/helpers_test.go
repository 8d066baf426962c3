package limiter_test

import "sync/atomic"

// atomicMax tracks a count and the highest value it reached.
type atomicMax struct {
	v, hi atomic.Int64
}

func (m *atomicMax) add(d int64) int64 { return m.v.Add(d) }

func (m *atomicMax) observe(v int64) {
	for {
		hi := m.hi.Load()
		if v <= hi || m.hi.CompareAndSwap(hi, v) {
			return
		}
	}
}

func (m *atomicMax) max() int64 { return m.hi.Load() }
