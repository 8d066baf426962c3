//go:build unix

package proc

import "syscall"

func closeOnExec(fd int) { syscall.CloseOnExec(fd) }

// nonBlocking puts fd in non-blocking mode, so that os.NewFile gives a
// file the runtime's poller waits on. The pipes come blocking (os/exec
// hands them over through Fd), and a read blocked in the kernel holds
// its thread and its P: the goroutine the request started then waits
// for the scheduler to take the P back, tens of µs.
func nonBlocking(fd int) { syscall.SetNonblock(fd, true) }
