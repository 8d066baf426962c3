package natsb

import (
	"context"
	"fmt"
)

// Resizer is what [Follow] resizes: a *pool.Pool of any types.
type Resizer interface {
	Resize(ctx context.Context, n int) error
}

// Follow keeps p's workers in step with the fleet until ctx ends: each
// time instances join, leave or are lost, it resizes p to the lanes that
// serve name now divided by perWorker (a worker's [WithLanes]), at least
// 1, so that workers that join are used and workers that leave are
// retired. It returns context.Cause(ctx), or the first Resize error, or
// [ErrClosed] when d closes. Run it on a goroutine of its own:
//
//	go natsb.Follow(ctx, d, square.Name(), 1, p)
func Follow(ctx context.Context, d *Dispatcher, name string, perWorker int, p Resizer) error {
	if perWorker < 1 {
		return fmt.Errorf("natsb: Follow with %d lanes per worker, want at least 1", perWorker)
	}
	last := -1
	return d.onChange(ctx, func() (bool, error) {
		if n := max(d.Lanes(name)/perWorker, 1); n != last {
			if err := p.Resize(ctx, n); err != nil {
				return false, err
			}
			last = n
		}
		return false, nil
	})
}
