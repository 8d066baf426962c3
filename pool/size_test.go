package pool

import (
	"testing"
	"unsafe"
)

// TestTaskSize keeps a task of a Pool[int, int], which holds its future,
// within the allocator's 128-byte size class: it is the one allocation of
// every Submit, and the next class up (144 bytes) makes an eighth more
// garbage per task.
func TestTaskSize(t *testing.T) {
	if got := unsafe.Sizeof(task[int, int]{}); got > 128 {
		t.Fatalf("a task[int, int] is %d bytes; want at most 128", got)
	}
}
