package pool

// Handed returns the tasks handed to worker w of p at once, waiting in its
// channel or running: the quantity WithMaxQueued bounds, which Stats does not
// show apart from the tasks waiting in the worker's own queue. Tests only.
func Handed[In, Out any](p *Pool[In, Out], w int) int { return p.g.Handed(w) }
