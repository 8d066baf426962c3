// Package logtest captures what the standard library's logger writes during
// a test: sluice reports panics of user callbacks (future callbacks,
// observers, progress writers) there, and its tests check that they do.
package logtest

import (
	"log"
	"strings"
	"sync"
	"testing"
)

// Buffer collects log output; it is safe for concurrent use.
type Buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

// Write appends p.
func (l *Buffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String returns what was written so far.
func (l *Buffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Capture sends the standard logger to a new Buffer, without timestamps,
// until t ends. Tests that use it must not run in parallel.
func Capture(t testing.TB) *Buffer {
	t.Helper()
	var buf Buffer
	out, flags := log.Writer(), log.Flags()
	log.SetOutput(&buf)
	log.SetFlags(0)
	t.Cleanup(func() {
		log.SetOutput(out)
		log.SetFlags(flags)
	})
	return &buf
}
