package limiter

// Option configures a limit made by [NewRateLimit], [NewCallLimit] or
// [NewResourceLimit]. Options that do not apply to a kind of limit make its
// constructor fail with [ErrInvalidLimit] rather than be ignored.
type Option func(*config)

type config struct {
	alg      Algorithm
	algSet   bool
	burst    int64
	burstSet bool
	dflt     int64
	dfltSet  bool
}

// WithAlgorithm chooses the algorithm of a rate or call limit. The default
// is [GCRA] for [NewRateLimit] and [SlidingWindow] for [NewCallLimit].
func WithAlgorithm(a Algorithm) Option {
	return func(c *config) { c.alg, c.algSet = a, true }
}

// WithBurst sets the burst B of a [GCRA] or [TokenBucket] limit: the units
// it admits at once after being idle, and the largest single request. The
// default is the limit itself (a full period's worth).
func WithBurst(b int64) Option {
	return func(c *config) { c.burst, c.burstSet = b, true }
}

// WithDefaultRequest sets the units that Acquire and TryAcquire ask of the
// limit, alone or as a member of a [Set] (default 1). Zero means that the
// default request takes nothing from this limit but the lease can still
// report usage to it, to be charged afterwards.
func WithDefaultRequest(n int64) Option {
	return func(c *config) { c.dflt, c.dfltSet = n, true }
}
