//go:build !linux

package remote

import "io"

// rawReader returns r: raw reads are for Linux (see rawio_linux.go).
func rawReader(r io.Reader) io.Reader { return r }

// rawWriter returns w: raw writes are for Linux (see rawio_linux.go).
func rawWriter(w io.Writer) io.Writer { return w }

// waitIdle does nothing: raw reads are for Linux (see rawio_linux.go).
func waitIdle(io.Reader, func() bool) {}
