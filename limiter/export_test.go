package limiter

// SetClock makes l read the time from read, in nanoseconds since l was
// made, instead of from the monotonic clock. Call it before l is used.
// read must never go backwards; it may call into l (a GCRA limit only:
// the others read the clock holding a mutex), which is how a test puts
// another goroutine's acquisition between a clock reading and its use.
func SetClock(l *Limit, read func() int64) { l.clk.read = read }
