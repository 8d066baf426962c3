//go:build !unix

package proc

// closeOnExec does nothing where there are no inherited descriptors:
// Start fails there, since os/exec has no ExtraFiles.
func closeOnExec(int) {}

func nonBlocking(int) {}
