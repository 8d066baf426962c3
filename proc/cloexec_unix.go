//go:build unix

package proc

import "syscall"

func closeOnExec(fd int) { syscall.CloseOnExec(fd) }
