package future

import (
	"context"
	"testing"
)

// A derived context that is cancelled first takes its hook off the work's
// context, so long-lived work deriving many short contexts does not grow it.
func TestWorkContextDerivedCancelUnregisters(t *testing.T) {
	f, p := New[int](context.Background())
	_, cancel := context.WithCancel(p.Context())
	if got := len(f.work.links.afters); got != 1 {
		t.Fatalf("hooks after deriving: %d, want 1", got)
	}
	cancel()
	if got := len(f.work.links.afters); got != 0 {
		t.Fatalf("hooks after cancelling the child: %d, want 0", got)
	}
	p.Resolve(1)
}
