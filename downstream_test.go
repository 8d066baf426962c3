package sluice_test

import (
	"bytes"
	"debug/elf"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// downstreamMain is a program of a user who imports only the core: a pool
// and a flow.
const downstreamMain = `package main

import (
	"context"
	"fmt"
	"log"

	"github.com/sluice-go/sluice/flow"
	"github.com/sluice-go/sluice/pool"
)

func main() {
	ctx := context.Background()
	square := func(_ context.Context, x int) (int, error) { return x * x, nil }
	p, err := pool.New(square, pool.WithMaxWorkers(2))
	if err != nil {
		log.Fatal(err)
	}
	v, err := p.Submit(ctx, 7).Await(ctx)
	if err != nil {
		log.Fatal(err)
	}
	if err := p.Stop(ctx); err != nil {
		log.Fatal(err)
	}
	squares, err := flow.Pool(flow.From([]int{1, 2, 3}), square).Collect(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v, squares)
}
`

// forbiddenModules are the dependencies of the integrations (poolprom,
// progress, poolotel), which a user of the core must never be made to
// download.
var forbiddenModules = []string{"prometheus", "protobuf", "progressbar", "opentelemetry"}

// TestDownstreamModule builds a program the way a user of the core would:
// in a module of its own outside the repository, importing only pool and
// flow, with a replace directive to this checkout and no workspace. Its
// module graph must hold none of the integrations' dependencies, and its
// binary must be statically linked.
func TestDownstreamModule(t *testing.T) {
	gocmd, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("skipping the downstream module check: no go command in PATH (%v)", err)
	}
	repo, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// A module of its own: no go.work above it is used, and go.sum is
	// written as a user's would be.
	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(gocmd, args...)
		cmd.Dir, cmd.Env = dir, env
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return string(out)
	}
	writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/downstream\n\ngo 1.26.0\n")
	writeFile(t, filepath.Join(dir, "main.go"), downstreamMain)
	run("mod", "edit",
		"-require=github.com/sluice-go/sluice@v0.0.0-00010101000000-000000000000",
		"-replace=github.com/sluice-go/sluice="+repo)
	run("mod", "tidy")

	modules := run("list", "-m", "all")
	t.Logf("go list -m all:\n%s", modules)
	for _, m := range strings.Fields(modules) {
		for _, bad := range forbiddenModules {
			if strings.Contains(m, bad) {
				t.Errorf("a module that imports only pool and flow has %s in its module graph", m)
			}
		}
	}

	bin := filepath.Join(dir, "downstream")
	run("build", "-o", bin, ".")
	cgo := strings.TrimSpace(run("env", "CGO_ENABLED"))
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatalf("running the downstream program: %v", err)
	}
	if got, want := string(out), "49 [1 4 9]\n"; got != want {
		t.Errorf("the downstream program printed %q, want %q", got, want)
	}

	f, err := elf.Open(bin)
	var format *elf.FormatError
	if errors.As(err, &format) {
		t.Skipf("not an ELF binary, so the static-link check does not apply here: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("the downstream binary is dynamically linked (CGO_ENABLED=%s): it has a %v program header", cgo, p.Type)
		}
	}
	if f.Section(".dynamic") != nil {
		t.Errorf("the downstream binary is dynamically linked (CGO_ENABLED=%s): it has a .dynamic section", cgo)
	}
	t.Logf("statically linked (CGO_ENABLED=%s): no PT_INTERP, no PT_DYNAMIC, no .dynamic", cgo)
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
