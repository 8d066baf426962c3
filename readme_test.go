package sluice_test

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeSnippets keeps the README's code honest: every Go block in it
// must be preceded by a marker naming the file it was taken from, and its
// lines must appear in that file in the same order. The files are compiled
// (and the examples run) by go test and CI, so the README's code compiles.
func TestReadmeSnippets(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	marker := regexp.MustCompile(`^<!-- from (\S+) -->$`)
	var source string
	var block []string
	inBlock := false
	blocks := 0
	sc := bufio.NewScanner(strings.NewReader(string(readme)))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case !inBlock && marker.MatchString(line):
			source = marker.FindStringSubmatch(line)[1]
		case !inBlock && line == "```go":
			if source == "" {
				t.Errorf("README.md:%d: Go block without a <!-- from FILE --> marker before it", n)
			}
			inBlock, block = true, nil
		case inBlock && line == "```":
			blocks++
			checkSnippet(t, source, block)
			inBlock, source = false, ""
		case inBlock:
			block = append(block, line)
		}
	}
	if blocks == 0 {
		t.Fatal("README.md has no Go blocks; the check would prove nothing")
	}
}

// checkSnippet reports the first line of block that does not appear in file
// after the lines before it. Lines are compared without their indentation,
// and blank lines and "// ..." elisions are skipped.
func checkSnippet(t *testing.T, file string, block []string) {
	t.Helper()
	if file == "" {
		return
	}
	src, err := os.ReadFile(file)
	if err != nil {
		t.Errorf("README snippet from %s: %v", file, err)
		return
	}
	lines := strings.Split(string(src), "\n")
	at := 0
	for _, want := range block {
		want = strings.TrimSpace(want)
		if want == "" || want == "// ..." {
			continue
		}
		for at < len(lines) && strings.TrimSpace(lines[at]) != want {
			at++
		}
		if at == len(lines) {
			t.Errorf("README snippet from %s: line %q is not in the file (in this order)", file, want)
			return
		}
		at++
	}
}
