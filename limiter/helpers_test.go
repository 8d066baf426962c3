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

// manualClock is a limit's clock (see limiter.SetClock) that a test moves
// by hand, for one goroutine. Once armed with then, its next reading runs
// then after the time is read and before it is returned: as if the
// goroutine that read the clock were descheduled there while others went
// on.
type manualClock struct {
	ns   int64
	then func()
}

func (c *manualClock) read() int64 {
	ns := c.ns
	if f := c.then; f != nil {
		c.then = nil
		f()
	}
	return ns
}
