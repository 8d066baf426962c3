package flow

import (
	"context"
	"log"

	"github.com/sourcegraph/conc/panics"

	"github.com/sluice-go/sluice/pool"
)

// started tells the stage's observer that an item started and returns
// the context the item runs with; a panic in the observer is logged, not
// raised, and leaves ctx, as a pool does.
func (p *poolStage[In, Out]) started(ctx context.Context, t pool.TaskStart) context.Context {
	tctx := ctx
	p.logPanic(panics.Try(func() {
		if c := p.obs.TaskStarted(ctx, t); c != nil {
			tctx = c
		}
	}))
	return tctx
}

// finished tells the stage's observer that an item ended.
func (p *poolStage[In, Out]) finished(ctx context.Context, t pool.TaskEnd) {
	p.logPanic(panics.Try(func() { p.obs.TaskFinished(ctx, t) }))
}

func (p *poolStage[In, Out]) logPanic(r *panics.Recovered) {
	if r != nil {
		log.Printf("flow: pool %q: observer panic: %v\n\n%s", p.name, r.Value, r.Stack)
	}
}
