package stages

import "fmt"

// DebugState describes every worker of g, for tests that fail.
func DebugState[T any](g *Group[T]) string {
	v := g.view.Load()
	out := fmt.Sprintf("alive %d, idle %d:", g.alive.Load(), g.nidle.Load())
	for _, s := range v.all {
		s.mu.Lock()
		out += fmt.Sprintf(" [%d serving=%v parked=%v running=%v q=%d movable=%d]", s.idx, s.serving, s.parked, s.running, s.q.len(), s.movable())
		s.mu.Unlock()
	}
	return out
}
