package flow

import (
	"log"
	"time"

	"github.com/sourcegraph/conc/panics"

	"github.com/sluice-go/sluice/pool"
)

// started tells the stage's observer that worker w started an item that
// waited for waited; a panic in it is logged, not raised, as a pool does.
func (p *poolStage[In, Out]) started(w int, waited time.Duration) {
	p.logPanic(panics.Try(func() { p.obs.TaskStarted(p.name, w, waited) }))
}

// finished tells the stage's observer that worker w finished an item.
func (p *poolStage[In, Out]) finished(w int, ran time.Duration, outcome pool.Outcome) {
	p.logPanic(panics.Try(func() { p.obs.TaskFinished(p.name, w, ran, outcome) }))
}

func (p *poolStage[In, Out]) logPanic(r *panics.Recovered) {
	if r != nil {
		log.Printf("flow: pool %q: observer panic: %v\n\n%s", p.name, r.Value, r.Stack)
	}
}
