package proc_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// child is a process whose parent is this one, as /proc shows it.
type child struct {
	pid   int
	state byte // R, S, Z, ...
}

func (c child) String() string { return fmt.Sprintf("%d(%c)", c.pid, c.state) }

// children lists this process's children from /proc/*/stat; nil where
// there is no /proc.
func children() []child {
	if runtime.GOOS != "linux" {
		return nil
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var kids []child
	for _, path := range stats {
		b, err := os.ReadFile(path)
		if err != nil {
			continue // it ended meanwhile
		}
		// pid (comm) state ppid ...; comm may hold spaces and parens.
		end := bytes.LastIndexByte(b, ')')
		if end < 0 {
			continue
		}
		fields := bytes.Fields(b[end+1:])
		if len(fields) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(string(fields[1]))
		if ppid != os.Getpid() {
			continue
		}
		pid, _ := strconv.Atoi(string(bytes.Fields(b)[0]))
		kids = append(kids, child{pid: pid, state: fields[0][0]})
	}
	return kids
}

// requireNoZombies fails if a child of this process is a zombie: one
// that exited and was not reaped.
func requireNoZombies(t *testing.T) {
	t.Helper()
	for _, c := range children() {
		if c.state == 'Z' {
			t.Fatalf("zombie child %v", c)
		}
	}
}

// isChild reports whether pid is a live or zombie child of this process.
func isChild(pid int) bool {
	for _, c := range children() {
		if c.pid == pid {
			return true
		}
	}
	return false
}
