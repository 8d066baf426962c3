package proc

import "github.com/sluice-go/sluice/stage"

// ProcessOf returns worker w's process in a backend NewBackend made, or
// nil if it has none now.
func ProcessOf[In, Out any](b stage.Backend[In, Out], w int) *Process {
	if l := b.(*backend[In, Out]).slot(w).p.Load(); l != nil {
		return l.Process
	}
	return nil
}
