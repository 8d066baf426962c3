package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// writeProfiles includes each profile-*.txt, the go tool pprof -top
// listings of a sluice subject that run writes, less pprof's header.
func writeProfiles(w io.Writer, dir string) {
	files, _ := filepath.Glob(filepath.Join(dir, "profile-*.txt"))
	if len(files) == 0 {
		return
	}
	fmt.Fprintf(w, "## Where sluice's time goes\n\n")
	fmt.Fprintf(w, "CPU profiles of sluice's subjects (`go test -cpuprofile`, then `go tool pprof -top`): "+
		"the top entries by flat time, then sluice's own functions by cumulative time.\n\n")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "profile-"), ".txt")
		fmt.Fprintf(w, "### %s\n\n```\n", name)
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if !skipLine(l) {
				fmt.Fprintln(w, shorten(l))
			}
		}
		fmt.Fprintf(w, "```\n\n")
	}
}

// skipLine reports whether l is pprof header that says nothing here.
func skipLine(l string) bool {
	for _, p := range []string{"File:", "Build ID:", "Type:", "Time:", "Dropped", "Active filters:", "   show="} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

var innermost = regexp.MustCompile(`\[[^\[\]]*\]`)

// shorten replaces the type arguments of generic names, which pprof spells
// out in full (go.shape.struct { ... }), with [...].
func shorten(l string) string {
	for innermost.MatchString(l) {
		l = innermost.ReplaceAllString(l, "\x00")
	}
	return strings.ReplaceAll(l, "\x00", "[...]")
}
