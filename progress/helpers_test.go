package progress_test

import (
	"strings"
	"sync"
	"sync/atomic"
)

// buffer is a bytes.Buffer for tests that read while a bar may write.
type buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// lines splits plain-mode output into its lines.
func (b *buffer) lines() []string {
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

// panicWriter panics on every write, and counts them.
type panicWriter struct{ writes atomic.Int64 }

func (w *panicWriter) Write([]byte) (int, error) {
	w.writes.Add(1)
	panic("writer boom")
}
