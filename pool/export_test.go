package pool

import "github.com/sluice-go/sluice/internal/poolopt"

// Handed returns the tasks handed to worker w of p at once, waiting in its
// channel or running: the quantity WithMaxQueued bounds, which Stats does not
// show apart from the tasks waiting in the worker's own queue. Tests only.
func Handed[In, Out any](p *Pool[In, Out], w int) int {
	n := 0
	for l := range p.lanes {
		n += p.g.Handed(w*p.lanes + l)
	}
	return n
}

// Lanes returns p's group slots per worker. Tests only.
func Lanes[In, Out any](p *Pool[In, Out]) int { return p.lanes }

// NewOptions resolves opts as New does. Tests only.
func NewOptions(opts ...Option) (poolopt.Options[Observer], error) {
	return poolopt.Resolve(opts)
}
